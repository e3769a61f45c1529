# shellcheck shell=bash
# A throwaway Redis server for the services tests. Meant to be sourced (by .ci/run):
#
#   source .ci/redis.sh
#   start_redis               # installs redis-server if needed, starts it on 127.0.0.1, exports TEST_REDIS_URL
#   npm run test:services
#   stop_redis                # stops it (by its pid) and deletes its directory; safe to call twice
#
# start_redis also exports TEST_REDIS_SERVER_BIN: the outage test starts, stops and restarts a private server of its
# own with it, so that the shared one stays up for the other suites.

_ci_redis_free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

install_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  echo "redis.sh: redis-server not found, installing Debian's redis-server" >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server; } >&2 || return 1
  command -v redis-server >/dev/null 2>&1 || { echo "redis.sh: redis-server installed, but not on PATH" >&2; return 1; }
}

start_redis() {
  install_redis || return 1
  CI_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ci-redis.XXXXXX") || return 1
  local port
  port=$(_ci_redis_free_port) || return 1
  # Loopback only, nothing persisted: the data is thrown away anyway.
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$CI_REDIS_DIR" \
    --logfile "$CI_REDIS_DIR/server.log" >/dev/null 2>&1 &
  CI_REDIS_PID=$!

  local tries=0
  until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; do
    tries=$((tries + 1))
    if ! kill -0 "$CI_REDIS_PID" 2>/dev/null || [ "$tries" -ge 60 ]; then
      echo "redis.sh: the server did not start:" >&2; cat "$CI_REDIS_DIR/server.log" >&2; return 1
    fi
    sleep 0.5
  done

  export TEST_REDIS_URL="redis://127.0.0.1:$port"
  TEST_REDIS_SERVER_BIN=$(command -v redis-server)
  export TEST_REDIS_SERVER_BIN
  echo "redis.sh: $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (pid $CI_REDIS_PID)" >&2
}

stop_redis() {
  [ -n "${CI_REDIS_DIR:-}" ] || return 0
  if [ -n "${CI_REDIS_PID:-}" ] && kill -0 "$CI_REDIS_PID" 2>/dev/null; then
    kill -TERM "$CI_REDIS_PID" 2>/dev/null || true
    local tries=0
    while kill -0 "$CI_REDIS_PID" 2>/dev/null && [ "$tries" -lt 20 ]; do
      tries=$((tries + 1))
      sleep 0.25
    done
    kill -KILL "$CI_REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$CI_REDIS_DIR"
  unset CI_REDIS_DIR CI_REDIS_PID TEST_REDIS_URL TEST_REDIS_SERVER_BIN
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "usage: source .ci/redis.sh && start_redis; ...; stop_redis" >&2
  exit 2
fi

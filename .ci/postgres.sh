# shellcheck shell=bash
# A throwaway PostgreSQL server for the services tests. Meant to be sourced (by .ci/run):
#
#   source .ci/postgres.sh
#   start_postgres            # installs PostgreSQL if needed, starts it on 127.0.0.1, exports TEST_DATABASE_URL
#   npm run test:services
#   stop_postgres             # stops it (by its pid file) and deletes its data; safe to call twice
#
# The server refuses to run as root, so as root it runs as the `postgres` user (created if missing).

_ci_pg_bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# From /, which the postgres user can always enter (the caller's directory may be private to root).
_ci_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

_ci_free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

install_postgres() {
  [ -n "$(_ci_pg_bindir)" ] && return 0
  echo "postgres.sh: initdb not found, installing Debian's postgresql" >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; } >&2 || return 1
  [ -n "$(_ci_pg_bindir)" ] || { echo "postgres.sh: postgresql installed, but no initdb found" >&2; return 1; }
}

start_postgres() {
  install_postgres || return 1
  CI_PG_BIN=$(_ci_pg_bindir)
  if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres || return 1
  fi

  CI_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ci-postgres.XXXXXX") || return 1
  [ "$(id -u)" = 0 ] && chown postgres: "$CI_PG_DIR"
  chmod 700 "$CI_PG_DIR"
  local port db=app2wxapp_test
  port=$(_ci_free_port) || return 1

  if ! _ci_pg_as_owner "$CI_PG_BIN/initdb" -D "$CI_PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$CI_PG_DIR/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed:" >&2; cat "$CI_PG_DIR/initdb.log" >&2; return 1
  fi
  # Loopback TCP only, the socket in the private directory; fsync off: the data is thrown away anyway.
  if ! _ci_pg_as_owner "$CI_PG_BIN/pg_ctl" -D "$CI_PG_DIR/data" -l "$CI_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $CI_PG_DIR -h 127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null; then
    echo "postgres.sh: the server did not start:" >&2; cat "$CI_PG_DIR/server.log" >&2; return 1
  fi

  local tries=0
  until _ci_pg_as_owner "$CI_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then echo "postgres.sh: the server is not ready after 30 s" >&2; return 1; fi
    sleep 0.5
  done
  _ci_pg_as_owner "$CI_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" || return 1

  export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/$db"
  echo "postgres.sh: PostgreSQL $("$CI_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (pid $(head -n 1 "$CI_PG_DIR/data/postmaster.pid"))" >&2
}

stop_postgres() {
  [ -n "${CI_PG_DIR:-}" ] || return 0
  if [ -f "$CI_PG_DIR/data/postmaster.pid" ]; then
    local pid
    pid=$(head -n 1 "$CI_PG_DIR/data/postmaster.pid")
    if ! _ci_pg_as_owner "$CI_PG_BIN/pg_ctl" -D "$CI_PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
      [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
      sleep 2
      [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$CI_PG_DIR"
  unset CI_PG_DIR TEST_DATABASE_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "usage: source .ci/postgres.sh && start_postgres; ...; stop_postgres" >&2
  exit 2
fi

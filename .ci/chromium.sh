# shellcheck shell=bash
# Installs Debian's chromium (for the browser test, driven by playwright-core) when /usr/bin/chromium is missing.
# Run it (`bash .ci/chromium.sh`) or source it and call `install_chromium`.

install_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  echo "chromium.sh: /usr/bin/chromium not found, installing Debian's chromium" >&2
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } >&2 || return 1
  [ -x /usr/bin/chromium ] || { echo "chromium.sh: chromium installed, but /usr/bin/chromium is missing" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  install_chromium
fi

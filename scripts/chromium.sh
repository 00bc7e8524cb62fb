#!/usr/bin/env bash
# Ensures Debian's Chromium is installed (for the browser test, tests/e2e/browser.sh) and prints
# its path. Installs it with apt-get when /usr/bin/chromium is missing (needs root); a browser
# build downloaded by a tool (e.g. `playwright install`) is never used.
# Env: CHROMIUM_BIN  use this binary instead (nothing is installed)
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }
die() { echo "chromium.sh: error: $*" >&2; exit 1; }

BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi
[[ -n "${CHROMIUM_BIN:-}" ]] && die "CHROMIUM_BIN=$CHROMIUM_BIN is not executable"

command -v apt-get >/dev/null 2>&1 || die "$BIN is missing and apt-get is not available: install Chromium, or set CHROMIUM_BIN"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || die "$BIN is missing: run 'apt-get install chromium' as root"
  SUDO=(sudo)
fi
log "installing Debian's chromium (first run only)"
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >&2 || die "apt-get update failed"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >&2 || die "apt-get install chromium failed"
log "installed in $((SECONDS - start))s"
[[ -x "$BIN" ]] || die "apt-get installed chromium but $BIN is missing"
echo "$BIN"

#!/usr/bin/env bash
# Installs the e2e test's npm dependencies (tests/e2e) with `npm ci` from the committed
# lockfile, but only when needed: node_modules/centrifuge is missing, or
# package-lock.json is newer than node_modules/.package-lock.json. Otherwise a no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"

log() { echo "npm-deps.sh: $*" >&2; }
die() { echo "npm-deps.sh: error: $*" >&2; exit 1; }

[[ -f "$E2E/package-lock.json" ]] || die "missing $E2E/package-lock.json (run 'npm install' in tests/e2e and commit it)"

if [[ -d "$E2E/node_modules/centrifuge" && -f "$E2E/node_modules/.package-lock.json" \
      && ! "$E2E/package-lock.json" -nt "$E2E/node_modules/.package-lock.json" ]]; then
  exit 0
fi

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js >= 20 is needed for tests/e2e)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (needed for tests/e2e)"

log "installing tests/e2e dependencies with npm ci"
start=$SECONDS
(cd "$E2E" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in tests/e2e"
log "npm ci done in $((SECONDS - start))s"

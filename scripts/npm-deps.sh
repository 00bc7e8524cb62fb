#!/usr/bin/env bash
# Installs the e2e test's npm dependencies (tests/e2e) with `npm ci` from the committed
# lockfile, but only when needed: when node_modules was not installed by this script from the
# lockfile as it is now (a stamp holds the lockfile's SHA-256; file dates are not enough, since
# a checkout or copy can leave an old node_modules looking newer). Otherwise a no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"

log() { echo "npm-deps.sh: $*" >&2; }
die() { echo "npm-deps.sh: error: $*" >&2; exit 1; }

[[ -f "$E2E/package-lock.json" ]] || die "missing $E2E/package-lock.json (run 'npm install' in tests/e2e and commit it)"

STAMP="$E2E/node_modules/.chatctl-lock.sha256"
want="$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js >= 20 is needed for tests/e2e)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (needed for tests/e2e)"

log "installing tests/e2e dependencies with npm ci"
start=$SECONDS
(cd "$E2E" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in tests/e2e"
echo "$want" >"$STAMP"
log "npm ci done in $((SECONDS - start))s"

#!/usr/bin/env bash
# The demo web chat in a real browser (issue 7): makes sure Debian's Chromium and the npm
# dependencies are there, then runs tests/e2e/browser.test.mjs with node's test runner.
# Screenshots land in tests/e2e/out/ (git-ignored). Called by tests/e2e/run.sh; runs alone too.
#
# Env: CHATCTL_BIN (default: target/debug/chatctl, rebuilt first since the page is embedded in
#      it), CENTRIFUGO_BIN (default: scripts/centrifugo.sh), CHROMIUM_BIN (default:
#      scripts/chromium.sh), E2E_WORK_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

fail() { echo "browser.sh: FAIL: $*" >&2; exit 1; }

CHROMIUM_BIN="$(scripts/chromium.sh)" || fail "scripts/chromium.sh could not provide Chromium"
if [[ -z "${CENTRIFUGO_BIN:-}" ]]; then
  CENTRIFUGO_BIN="$(scripts/centrifugo.sh)" || fail "scripts/centrifugo.sh could not provide centrifugo"
fi
if [[ -z "${CHATCTL_BIN:-}" ]]; then
  CHATCTL_BIN="$ROOT/target/debug/chatctl"
  cargo build --locked >&2 || fail "cargo build failed"
fi
scripts/npm-deps.sh || fail "scripts/npm-deps.sh failed"
export CHROMIUM_BIN CENTRIFUGO_BIN CHATCTL_BIN
echo "browser.sh: $("$CHROMIUM_BIN" --version 2>/dev/null | tail -n1)" >&2
node --test --test-reporter=spec --test-timeout=180000 tests/e2e/browser.test.mjs
echo "browser.sh: screenshots in tests/e2e/out/" >&2

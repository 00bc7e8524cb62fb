#!/usr/bin/env bash
# The long fault runs behind docs/RELIABILITY.md, with their figures printed at the end:
#
#  1. Centrifugo SIGKILLed under load (tests/e2e/faults.test.mjs with long phases): a release
#     chatctl on SQLite, a real Centrifugo, 100 centrifuge-js clients; figures R1-R6 and R18,
#     written as JSON to $FAULTS_OUT/centrifugo-kill.json.
#  2. A subscriber's network cut (tests/e2e/recovery.test.mjs with the plan's sizes): 10 readers
#     cut off for 30 s while each chat receives 300 messages (the history size), then one reader
#     past the history; figures R8 and R9, written to $FAULTS_OUT/recovery.json.
#  3. The Rust tests that print figures (tests/it/faults_*.rs, retry_storm, throttling,
#     authz_matrix: R3, R4, R7, R10-R13, R15, R16) on SQLite and on PostgreSQL, one test at a
#     time so they do not measure each other, written to $FAULTS_OUT/rust-<backend>.txt.
#
# The short versions of both run in scripts/test.sh; this script only makes them longer.
#
# Usage: scripts/faults.sh
# Env:   FAULT_RATE (200 msg/s)  FAULT_CHATS (50)  FAULT_WARMUP_S (30)  FAULT_OUTAGE_S (10)
#        FAULT_AFTER_S (20)  RECOVERY_MESSAGES (300)  RECOVERY_CUT_S (30)
#        FAULTS_OUT (default .cache/faults)  TEST_POSTGRES_URL (as test.sh)
#        CHATCTL_BIN (default: a release build)  SKIP_POSTGRES=1
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "faults.sh: $*" >&2; }

OUT="${FAULTS_OUT:-$ROOT/.cache/faults}"
mkdir -p "$OUT"
export FAULT_RATE="${FAULT_RATE:-200}" FAULT_CHATS="${FAULT_CHATS:-50}"
export FAULT_WARMUP_S="${FAULT_WARMUP_S:-30}" FAULT_OUTAGE_S="${FAULT_OUTAGE_S:-10}" FAULT_AFTER_S="${FAULT_AFTER_S:-20}"
export RECOVERY_MESSAGES="${RECOVERY_MESSAGES:-300}" RECOVERY_CUT_S="${RECOVERY_CUT_S:-30}"

if [[ -z "${CHATCTL_BIN:-}" ]]; then
  log "building a release chatctl"
  cargo build --locked --release >&2
  CHATCTL_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/chatctl"
fi
CENTRIFUGO_BIN="$(scripts/centrifugo.sh)"
scripts/npm-deps.sh
export CHATCTL_BIN CENTRIFUGO_BIN

log "1. Centrifugo SIGKILLed for ${FAULT_OUTAGE_S}s at ${FAULT_RATE} msg/s over ${FAULT_CHATS} chats"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chatctl-faults.XXXXXX")"
E2E_WORK_DIR="$WORK" FAULTS_SUMMARY="$OUT/centrifugo-kill.json" \
  node --test --test-reporter=spec tests/e2e/faults.test.mjs >&2
log "2. readers cut off for ${RECOVERY_CUT_S}s while each chat receives ${RECOVERY_MESSAGES} messages"
E2E_WORK_DIR="$WORK" RECOVERY_SUMMARY="$OUT/recovery.json" \
  node --test --test-reporter=spec tests/e2e/recovery.test.mjs >&2
rm -rf "$WORK"

run_rust() {
  local backend=$1
  log "3. Rust fault tests on $backend"
  CHATCTL_TEST_BACKEND="$backend" cargo test --locked --test it -- faults_ retry_storm throttling \
    authz_matrix --nocapture --test-threads=1 \
    2>&1 | tee "$OUT/rust-$backend.txt" | grep -E '^(R[0-9]+|test )' >&2
}
run_rust sqlite
if [[ -z "${SKIP_POSTGRES:-}" ]]; then
  TEST_POSTGRES_URL="$(scripts/postgres.sh)"
  export TEST_POSTGRES_URL
  run_rust postgres
fi

log "figures:"
cat "$OUT/centrifugo-kill.json" "$OUT/recovery.json"
grep -h -o -E 'R[0-9]+[ :(].*' "$OUT"/rust-*.txt
log "done; outputs in $OUT"

#!/usr/bin/env bash
# The single test command for chatctl (used by CI via .ci/run):
#   fmt check, clippy, build, the test suite against SQLite, the test suite against
#   PostgreSQL (a private server is started by scripts/postgres.sh; both include the
#   embedded realtime server's differential test against a real Centrifugo), and the
#   end-to-end suite tests/e2e/run.sh against a real Centrifugo and against the embedded
#   realtime server, with centrifuge-js and the Python clients, when that script exists, and a
#   schemathesis run against the served OpenAPI description (tests/schemathesis/run.sh).
# Stops at the first failing step and prints a per-step summary at the end.
#
# Usage: scripts/test.sh [--quick]
#   --quick   skip the fmt and clippy steps (local iteration)
# Env:    TEST_POSTGRES_URL   use this PostgreSQL server instead of the private one
#         CHATCTL_TEST_PG_PORT  port of the private server (default 55432)
#         TEST_THREADS        cargo test --test-threads (default 4)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

die() { echo "test.sh: error: $*" >&2; exit 2; }

QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument '$arg' (usage: scripts/test.sh [--quick])" ;;
  esac
done

if [[ "${CI:-}" == "true" ]]; then
  export CARGO_TERM_COLOR=never
fi
THREADS="${TEST_THREADS:-4}"

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (install Rust via rustup)"

# ---------------------------------------------------------------- step bodies
# NOTE: these run inside `if`, where bash ignores `set -e`; every command that can fail
# is therefore chained with && or followed by `|| return`.

step_fmt() {
  if ! cargo fmt --version >/dev/null 2>&1; then
    rustup component add rustfmt >&2 || { echo "test.sh: rustfmt is missing (rustup component add rustfmt)" >&2; return 1; }
  fi
  cargo fmt --all -- --check
}

step_clippy() {
  if ! cargo clippy --version >/dev/null 2>&1; then
    rustup component add clippy >&2 || { echo "test.sh: clippy is missing (rustup component add clippy)" >&2; return 1; }
  fi
  cargo clippy --all-targets --locked -- -D warnings
}

step_build() {
  cargo build --locked --all-targets
}

# The integration suite's differential test (tests/it/realtime_differential.rs) runs the
# embedded realtime server against a real Centrifugo: build it before the first cargo test.
need_centrifugo() {
  if [[ -z "${CENTRIFUGO_BIN:-}" ]]; then
    CENTRIFUGO_BIN="$(scripts/centrifugo.sh)" || { echo "test.sh: scripts/centrifugo.sh could not provide centrifugo" >&2; return 1; }
    export CENTRIFUGO_BIN
  fi
}

step_sqlite() {
  need_centrifugo || return
  CHATCTL_TEST_BACKEND=sqlite cargo test --locked -- --test-threads="$THREADS"
}

step_postgres() {
  local url
  url="$(scripts/postgres.sh)" || { echo "test.sh: scripts/postgres.sh could not provide a PostgreSQL server" >&2; return 1; }
  export TEST_POSTGRES_URL="$url"
  echo "test.sh: using TEST_POSTGRES_URL=$TEST_POSTGRES_URL" >&2
  need_centrifugo || return
  CHATCTL_TEST_BACKEND=postgres cargo test --locked -- --test-threads="$THREADS"
}

step_e2e() {
  need_centrifugo || return
  scripts/npm-deps.sh || { echo "test.sh: scripts/npm-deps.sh failed" >&2; return 1; }
  export CHATCTL_BIN="$ROOT/target/debug/chatctl"
  echo "test.sh: CENTRIFUGO_BIN=$CENTRIFUGO_BIN CHATCTL_BIN=$CHATCTL_BIN" >&2
  if [[ -x tests/e2e/run.sh ]]; then
    tests/e2e/run.sh
  else
    bash tests/e2e/run.sh
  fi
}

step_schemathesis() {
  CHATCTL_BIN="$ROOT/target/debug/chatctl" ST_MAX_TIME="${ST_MAX_TIME:-60}" tests/schemathesis/run.sh
}

# ---------------------------------------------------------------- runner

STEPS=()    # "key|label"
if [[ $QUICK -eq 0 ]]; then
  STEPS+=("fmt|cargo fmt --check" "clippy|cargo clippy -D warnings")
fi
STEPS+=("build|cargo build" "sqlite|cargo test (sqlite)" "postgres|cargo test (postgres)")
if [[ -e tests/e2e/run.sh ]]; then
  STEPS+=("e2e|e2e (tests/e2e/run.sh)")
fi
STEPS+=("schemathesis|schemathesis against /openapi.json")

RESULTS=()
print_summary() {
  local line
  echo "== summary" >&2
  for line in "${RESULTS[@]}"; do
    echo "  $line" >&2
  done
  if [[ $QUICK -eq 1 ]]; then
    echo "  SKIP  cargo fmt --check, cargo clippy (--quick)" >&2
  fi
  if [[ ! -e tests/e2e/run.sh ]]; then
    echo "  SKIP  e2e (no tests/e2e/run.sh)" >&2
  fi
}

failed=""
total_start=$SECONDS
for entry in "${STEPS[@]}"; do
  key="${entry%%|*}"
  label="${entry#*|}"
  if [[ -n "$failed" ]]; then
    RESULTS+=("$(printf '%-5s %s' "----" "$label (not run)")")
    continue
  fi
  echo "== $label" >&2
  start=$SECONDS
  if "step_$key"; then
    RESULTS+=("$(printf '%-5s %s (%ds)' "OK" "$label" "$((SECONDS - start))")")
  else
    rc=$?
    RESULTS+=("$(printf '%-5s %s (%ds, exit %d)' "FAIL" "$label" "$((SECONDS - start))" "$rc")")
    failed="$label"
  fi
done

print_summary
if [[ -n "$failed" ]]; then
  echo "test.sh: FAILED at step: $failed" >&2
  exit 1
fi
echo "test.sh: all steps OK in $((SECONDS - total_start))s" >&2

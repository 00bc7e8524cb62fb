#!/usr/bin/env bash
# Builds chatctl in release mode and runs its benchmark on SQLite and PostgreSQL, with a
# real Centrifugo, printing one table with the targets of the performance issue.
#   - PostgreSQL: $TEST_POSTGRES_URL when it answers, else the private server of
#     scripts/postgres.sh (the bench creates and drops its own database on it).
#   - Centrifugo: $CENTRIFUGO_BIN, else the pinned v6 binary of scripts/centrifugo.sh.
#   - The private server runs tuned for tests (fsync and autovacuum off); for the bench it is
#     switched to production settings (fsync, synchronous_commit and autovacuum on, via ALTER
#     SYSTEM) and back at exit, so batching is measured against commits that really flush, and
#     the outbox (a queue: every event is inserted, leased and deleted) is vacuumed as in
#     production instead of piling up dead rows the relay's claims must step over.
#     BENCH_PG_AS_IS=1 leaves the server's settings alone.
#   - Raises the open-files limit for the 1,000 WebSocket subscribers.
# Extra arguments go to `chatctl bench` (e.g. --quick, --json, --markdown, --duration 10s);
# --backend sqlite|postgres replaces the default `--backend both`.
# Usage: scripts/bench.sh [chatctl bench options]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "bench.sh: $*" >&2; }
die() { echo "bench.sh: error: $*" >&2; exit 2; }

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (install Rust via rustup)"

log "building chatctl (release)"
cargo build --release --locked >&2 || die "cargo build --release failed"

PG_URL="$(scripts/postgres.sh)" || die "scripts/postgres.sh could not provide a PostgreSQL server"
cleanup() {
  if [[ -n "${BIN_COPY:-}" ]]; then rm -rf "$(dirname "$BIN_COPY")"; fi
  if [[ "${RESTORE_PG:-0}" == 1 ]]; then
    psql -q -X "$PG_URL" -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
      -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null \
      || log "warning: could not reset PostgreSQL settings"
  fi
}
trap cleanup EXIT

pg_production() {
  psql -q -X -v ON_ERROR_STOP=1 "$PG_URL" -c "ALTER SYSTEM SET fsync = on" \
    -c "ALTER SYSTEM SET synchronous_commit = on" -c "ALTER SYSTEM SET autovacuum = on" \
    -c "SELECT pg_reload_conf()" >/dev/null
}
if [[ "${BENCH_PG_AS_IS:-0}" != 1 && -z "${TEST_POSTGRES_URL:-}" ]]; then
  command -v psql >/dev/null 2>&1 || die "psql is not installed (apt-get install postgresql-client)"
  log "PostgreSQL: fsync, synchronous_commit and autovacuum on for the run"
  pg_production || die "could not switch PostgreSQL to production settings (psql $PG_URL)"
  RESTORE_PG=1
fi

if [[ -z "${CENTRIFUGO_BIN:-}" ]]; then
  CENTRIFUGO_BIN="$(scripts/centrifugo.sh)" || die "scripts/centrifugo.sh could not provide Centrifugo"
fi
export CENTRIFUGO_BIN

# 1,000 subscriber sockets here and as many in Centrifugo, which inherits the limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
log "open files limit: $(ulimit -n)"

# Run a copy, so a rebuild during the run cannot swap the binary under the serve children.
BIN_COPY="$(mktemp -d)/chatctl"
cp target/release/chatctl "$BIN_COPY"

BACKEND=(--backend both)
for arg in "$@"; do
  case "$arg" in --backend|--backend=*) BACKEND=() ;; esac
done
"$BIN_COPY" bench "${BACKEND[@]}" --database-url "$PG_URL" "$@"

#!/usr/bin/env bash
# Makes a PostgreSQL server available for the test suite and prints ONLY its URL on stdout.
#
# - If $TEST_POSTGRES_URL is set and answers `select 1`, it is printed as is.
# - Otherwise a private, throw-away cluster is run under .cache/pg (installing Debian's
#   `postgresql` package first if no server binary exists), listening on 127.0.0.1 only,
#   port $CHATCTL_TEST_PG_PORT (default 55432), trust auth, tuned for tests (fsync=off).
#   A superuser role chatctl/chatctl is ensured (tests CREATE DATABASE per test).
# Idempotent: reuses a running cluster, starts a stopped one, re-inits a broken one.
# All diagnostics go to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${CHATCTL_TEST_PG_PORT:-55432}"
PG_DIR="$ROOT/.cache/pg"
DATA="$PG_DIR/data"
SOCK="$PG_DIR/run"
LOG="$PG_DIR/postgres.log"
ROLE="chatctl"
URL="postgres://$ROLE:$ROLE@127.0.0.1:$PORT/postgres"

log() { echo "postgres.sh: $*" >&2; }
die() { echo "postgres.sh: error: $*" >&2; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] || die "CHATCTL_TEST_PG_PORT must be a port number, got '$PORT'"

# Returns 0 if a connection to URL $1 works (credentials included).
url_works() {
  local url="$1"
  if command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=5 psql -X -q -At -d "$url" -c 'select 1' >/dev/null 2>&1
  elif command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 5 -d "$url" >/dev/null 2>&1
  else
    return 1
  fi
}

# 1. An externally provided server wins if it is reachable.
if [[ -n "${TEST_POSTGRES_URL:-}" ]]; then
  if url_works "$TEST_POSTGRES_URL"; then
    echo "$TEST_POSTGRES_URL"
    exit 0
  fi
  log "TEST_POSTGRES_URL is set but not reachable; falling back to a private cluster"
fi

# 2. Server binaries (Debian layout: /usr/lib/postgresql/<major>/bin). Newest major wins.
find_pg_bin() {
  local p
  p="$(printf '%s\n' /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n1)"
  if [[ -x "$p" ]]; then dirname "$p"; fi
}

PGBIN="$(find_pg_bin)"
if [[ -z "$PGBIN" ]]; then
  log "no PostgreSQL server found; installing Debian package 'postgresql'"
  SUDO=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "postgresql is not installed and we are not root (no sudo either)"
    SUDO=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "postgresql is not installed and apt-get is not available"
  start=$SECONDS
  "${SUDO[@]}" apt-get update >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends postgresql >&2 \
    || die "apt-get install postgresql failed"
  log "installed postgresql in $((SECONDS - start))s"
  PGBIN="$(find_pg_bin)"
  [[ -n "$PGBIN" ]] || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
fi
PG_MAJOR="$(basename "$(dirname "$PGBIN")")"

# 3. Who runs the server: postgres refuses to run as root, so as root use the `postgres` user.
if [[ $EUID -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || die "OS user 'postgres' does not exist (it is created by the postgresql package)"
  as_pg() { (cd "$PG_DIR" && runuser -u postgres -- "$@"); }
else
  as_pg() { (cd "$PG_DIR" && "$@"); }
fi

mkdir -p "$PG_DIR"
# Serialize concurrent invocations (e.g. two test runs starting at once).
exec 9>"$ROOT/.cache/pg.lock"
flock -w 120 9 || die "timed out waiting for lock $ROOT/.cache/pg.lock"

if [[ $EUID -eq 0 ]]; then
  # The postgres user must be able to traverse every ancestor of .cache/pg
  # (e.g. a checkout under /root, which is 0700): grant search (x) only where missing.
  dir="$PG_DIR"
  while [[ "$dir" != "/" ]]; do
    dir="$(dirname "$dir")"
    if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      log "granting o+x on $dir so the postgres user can reach $PG_DIR"
      chmod o+x "$dir" || die "cannot make $dir traversable for the postgres user"
    fi
  done
  chown postgres: "$PG_DIR"
fi
mkdir -p "$SOCK"
chmod 700 "$SOCK"
if [[ $EUID -eq 0 ]]; then chown -R postgres: "$SOCK"; fi

# 4. Initialise the cluster if missing, half-made, or from another major version.
if [[ -d "$DATA" && ! -f "$DATA/PG_VERSION" ]]; then
  log "removing incomplete cluster in $DATA"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
elif [[ -f "$DATA/PG_VERSION" && "$(cat "$DATA/PG_VERSION")" != "$PG_MAJOR" ]]; then
  log "cluster in $DATA is PostgreSQL $(cat "$DATA/PG_VERSION"), server is $PG_MAJOR; re-initialising (test data only)"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
fi

if [[ ! -d "$DATA" ]]; then
  log "initialising PostgreSQL $PG_MAJOR cluster in $DATA"
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  if [[ $EUID -eq 0 ]]; then chown postgres: "$DATA"; fi
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed (see $PG_DIR/initdb.log)"; }
fi
if [[ $EUID -eq 0 && "$(stat -c %U "$DATA")" != "postgres" ]]; then chown -R postgres: "$DATA"; fi

# Trust auth, TCP on 127.0.0.1 only (plus the private socket dir, which is mode 0700).
cat >"$DATA/pg_hba.conf" <<EOF
# Written by scripts/postgres.sh (test cluster, trust auth on loopback only).
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
# Test tuning; rewritten every run so edits here take effect on the next (re)start.
cat >"$DATA/chatctl-test.conf" <<EOF
# Written by scripts/postgres.sh: settings for a disposable test cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
max_wal_size = 1GB
autovacuum = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
grep -q "^include_if_exists = 'chatctl-test.conf'" "$DATA/postgresql.conf" \
  || echo "include_if_exists = 'chatctl-test.conf'" >>"$DATA/postgresql.conf"
if [[ $EUID -eq 0 ]]; then chown postgres: "$DATA/pg_hba.conf" "$DATA/chatctl-test.conf"; fi

# 5. Start it, or reuse it if it is already running on the wanted port.
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true; }
if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if [[ "$(running_port)" != "$PORT" ]]; then
    log "cluster is running on port $(running_port), restarting on $PORT"
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || die "could not stop the cluster in $DATA"
  else
    # Pick up config changes that don't need a restart (pg_hba.conf etc.).
    as_pg "$PGBIN/pg_ctl" -D "$DATA" reload >/dev/null 2>&1 || true
  fi
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PORT (log: $LOG)"
  # 9>&- : the server must not inherit (and hold forever) our flock descriptor.
  # The port lies in Linux's ephemeral range, so a client socket of an earlier step can hold it
  # for a moment: retry a few times before giving up.
  for attempt in 1 2 3 4 5 6; do
    if as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -o "-p $PORT" -w -t 60 start >&2 9>&-; then
      break
    fi
    if [[ $attempt -lt 6 ]] && grep -q "Address already in use" "$LOG" 2>/dev/null; then
      log "port $PORT is busy, retrying in 5 s ($attempt/5)"
      : >"$LOG"
      sleep 5
      continue
    fi
    tail -n 20 "$LOG" >&2 || true
    die "PostgreSQL failed to start on 127.0.0.1:$PORT (port in use? set CHATCTL_TEST_PG_PORT; log: $LOG)"
  done
fi

# 6. Ensure the test role exists with the rights the tests need.
admin_psql() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }
admin_psql -At -c "select 1" >/dev/null 2>&1 || die "cannot connect to the cluster as postgres via $SOCK"
if [[ "$(admin_psql -At -c "select 1 from pg_roles where rolname = '$ROLE'")" != "1" ]]; then
  log "creating role $ROLE"
  admin_psql -c "create role $ROLE login superuser createdb password '$ROLE'" >&2 || die "could not create role $ROLE"
fi

PGCONNECT_TIMEOUT=5 "$PGBIN/psql" -X -q -At -d "$URL" -c 'select 1' >/dev/null \
  || die "cluster is up but $URL does not accept connections"
echo "$URL"

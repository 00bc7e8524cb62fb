#!/usr/bin/env bash
# Try the demo chat with one command: builds chatctl, gets the pinned Centrifugo
# (scripts/centrifugo.sh, built with `go install` on first use), generates a matching Centrifugo
# config, starts Centrifugo and `chatctl serve --demo`, and prints the page's URL.
# Ctrl-C stops both. The database, secrets and config live in .cache/demo/ and survive restarts
# (delete that folder to start over). Presence is quick here: offline 10 s after the last window
# closes.
#
# Usage: scripts/demo.sh
# Env:   DEMO_PORT (default 8080), DEMO_CENTRIFUGO_PORT (default 8000),
#        DEMO_PROFILE (default release; "debug" builds faster)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "demo.sh: $*" >&2; }
die() { echo "demo.sh: error: $*" >&2; exit 1; }

PORT="${DEMO_PORT:-8080}"
CENTRIFUGO_PORT="${DEMO_CENTRIFUGO_PORT:-8000}"
PROFILE="${DEMO_PROFILE:-release}"
DIR="$ROOT/.cache/demo"
mkdir -p "$DIR"

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (install Rust via rustup)"
command -v curl >/dev/null 2>&1 || die "curl is not installed"

log "building chatctl ($PROFILE)"
if [[ "$PROFILE" == "release" ]]; then
  cargo build --locked --release >&2
else
  cargo build --locked >&2
fi
CHATCTL="$ROOT/target/$PROFILE/chatctl"
CENTRIFUGO="$(scripts/centrifugo.sh)"

# Secrets made once, kept private, reused so signed-in tabs survive a restart.
SECRETS="$DIR/secrets.env"
if [[ ! -f "$SECRETS" ]]; then
  hex() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
  (umask 077 && printf 'CHATCTL_AUTH_SECRET=%s\nCENTRIFUGO_SECRET=%s\nCENTRIFUGO_API_KEY=%s\n' \
    "demo-auth-$(hex)" "demo-hmac-$(hex)" "demo-key-$(hex)" >"$SECRETS")
fi
set -a
# shellcheck source=/dev/null
source "$SECRETS"
set +a
export CENTRIFUGO_URL="http://127.0.0.1:$CENTRIFUGO_PORT"
export DATABASE_URL="sqlite://$DIR/demo.db"
export CHATCTL_PRESENCE_IDLE_AFTER=10s CHATCTL_PRESENCE_SWEEP_EVERY=2s

"$CHATCTL" centrifugo config --force --port "$CENTRIFUGO_PORT" \
  --origin "http://127.0.0.1:$PORT" --origin "http://localhost:$PORT" --out "$DIR/centrifugo.json"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting Centrifugo on :$CENTRIFUGO_PORT (log: .cache/demo/centrifugo.log)"
(cd "$DIR" && exec env -i PATH="$PATH" HOME="${HOME:-$DIR}" CENTRIFUGO_USAGE_STATS_DISABLED=true \
  "$CENTRIFUGO" -c "$DIR/centrifugo.json") >"$DIR/centrifugo.log" 2>&1 &
CENTRIFUGO_PID=$!
PIDS+=("$CENTRIFUGO_PID")
for _ in $(seq 150); do
  curl -fsS -X POST -H "X-API-Key: $CENTRIFUGO_API_KEY" -d '{}' "$CENTRIFUGO_URL/api/info" >/dev/null 2>&1 && break
  kill -0 "$CENTRIFUGO_PID" 2>/dev/null || { tail -n 20 "$DIR/centrifugo.log" >&2; die "Centrifugo exited (port $CENTRIFUGO_PORT busy? set DEMO_CENTRIFUGO_PORT)"; }
  sleep 0.1
done

log "open http://127.0.0.1:$PORT/ in two windows (one private) and sign in as two people"
"$CHATCTL" serve --demo --bind "127.0.0.1:$PORT" &
PIDS+=("$!")
wait "$!"

#!/usr/bin/env bash
# Try the demo chat with one command: builds chatctl and runs `chatctl serve --demo` with its
# embedded realtime server (WebSocket at /connection/websocket on the same port) on SQLite:
# nothing else to install, no Centrifugo, no Go. Prints the page's URL; Ctrl-C stops it.
# The database and secrets live in .cache/demo/ and survive restarts (delete that folder to
# start over). Presence is quick here: offline 10 s after the last window closes.
#
# Usage: scripts/demo.sh
# Env:   DEMO_PORT (default 8080), DEMO_PROFILE (default release; "debug" builds faster)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "demo.sh: $*" >&2; }
die() { echo "demo.sh: error: $*" >&2; exit 1; }

PORT="${DEMO_PORT:-8080}"
PROFILE="${DEMO_PROFILE:-release}"
DIR="$ROOT/.cache/demo"
mkdir -p "$DIR"

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (install Rust via rustup)"

log "building chatctl ($PROFILE)"
if [[ "$PROFILE" == "release" ]]; then
  cargo build --locked --release >&2
else
  cargo build --locked >&2
fi
CHATCTL="$ROOT/target/$PROFILE/chatctl"

# Secrets made once, kept private, reused so signed-in tabs survive a restart. The realtime
# secret and API key let `chatctl subscribe` / `chatctl publish` (and `cent`) join in.
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
# The embedded server, whatever the caller's environment says about a Centrifugo.
unset CENTRIFUGO_URL CHATCTL_CENTRIFUGO_WS_URL
export CHATCTL_REALTIME_MODE=embedded
export DATABASE_URL="sqlite://$DIR/demo.db"
export CHATCTL_PRESENCE_IDLE_AFTER=10s CHATCTL_PRESENCE_SWEEP_EVERY=2s

log "open http://127.0.0.1:$PORT/ in two windows (one private) and sign in as two people"
log "(secrets for chatctl subscribe/publish: source .cache/demo/secrets.env; CHATCTL_BIND=127.0.0.1:$PORT)"
exec "$CHATCTL" serve --demo --bind "127.0.0.1:$PORT"

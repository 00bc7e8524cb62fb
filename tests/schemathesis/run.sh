#!/usr/bin/env bash
# Fuzzes the whole API with schemathesis against the OpenAPI description chatctl serves at
# /openapi.json: every check on (no 5xx, responses match the schema, documented statuses and
# content types, ...). Installs schemathesis into .cache/venv on first use.
# Env: CHATCTL_BIN (default target/debug/chatctl), ST_DATABASE_URL (default: a temp SQLite
# file), ST_MAX_TIME (seconds, default 60).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="${CHATCTL_BIN:-$ROOT/target/debug/chatctl}"
[[ -x "$BIN" ]] || { echo "schemathesis: $BIN is missing: run cargo build first" >&2; exit 2; }

VENV="$ROOT/.cache/venv"
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  echo "schemathesis: installing into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="${ST_DATABASE_URL:-sqlite://$WORK/st.db}"
export CHATCTL_AUTH_SECRET="schemathesis-auth-secret-0123456789"
export CENTRIFUGO_SECRET="schemathesis-centrifugo-secret"
# Let the fuzzer reach the logic behind the limits (429 is documented either way).
export CHATCTL_RATE_SEND_PER_MINUTE=0 CHATCTL_RATE_TYPING_PER_MINUTE=0
export CHATCTL_RATE_SEARCH_PER_MINUTE=0 CHATCTL_RATE_TOKENS_PER_MINUTE=0
unset CENTRIFUGO_URL

"$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVE=$!
cleanup() { kill "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/readyz" >/dev/null || { cat "$WORK/serve.log" >&2; echo "schemathesis: chatctl did not start" >&2; exit 1; }

# Some data to reach: user 1 chats with users 2 and 3.
token() { "$BIN" token "$1" --api --name "$2"; }
T1="$(token 1 Anna)"
for u in "2 Boris" "3 Вера"; do curl -sf "$BASE/api/get-user-info" -H "Authorization: Bearer $(token $u)" >/dev/null; done
for c in 2 3; do
  chat="$(curl -sf -X POST "$BASE/api/chats" -H "Authorization: Bearer $T1" -H 'Content-Type: application/json' -d "{\"companionId\":$c}")"
  id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["chatId"])' "$chat")"
  curl -sf -X POST "$BASE/api/chats/$id/messages" -H "Authorization: Bearer $T1" -H 'Content-Type: application/json' -d '{"text":"hello"}' >/dev/null
done

status=0
"$VENV/bin/schemathesis" --config-file "$ROOT/tests/schemathesis/schemathesis.toml" run "$BASE/openapi.json" \
  -H "Authorization: Bearer $T1" --max-time "${ST_MAX_TIME:-60}" --no-color || status=$?
if grep -q "panicked" "$WORK/serve.log"; then
  echo "schemathesis: the server panicked:" >&2; grep -A5 panicked "$WORK/serve.log" >&2; status=1
fi
exit "$status"

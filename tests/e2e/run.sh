#!/usr/bin/env bash
# End-to-end suite for chatctl's realtime delivery (issues 3 and 8), differential: steps 2-4 run
# the same checks twice, against a real Centrifugo v6 and against chatctl's embedded server.
#
#  1. Generated configs: every v6 config `chatctl centrifugo config` produces for the tests passes
#     `centrifugo checkconfig --strict`; `--format legacy` has exactly the original's 7 keys.
#  2. A live stack per realtime server (Centrifugo with the default generated config + `chatctl
#     serve`; or `chatctl serve` alone with its embedded server), on a fresh SQLite file:
#     `chatctl centrifugo check` passes (exit 0) and fails with a wrong API key (exit 5); a
#     `chatctl publish` -> `chatctl subscribe` round trip; the `cent` Python client's calls give
#     identical (normalized) answers from both servers; one scenario with the Python SDK
#     centrifuge-python (tests/e2e/python/client_scenario.py).
#  3. `node --test tests/e2e/*.test.mjs` with REALTIME=centrifugo, then REALTIME=embedded: the
#     centrifuge-js scenarios; tests/e2e/lib.mjs starts its own stack per test file (so tests can
#     stop and restart Centrifugo). browser.test.mjs is among them: the demo web chat in
#     Debian's Chromium (issue 7; the block before step 3 installs Chromium when missing;
#     tests/e2e/browser.sh runs it alone).
#     faults.test.mjs (Centrifugo SIGKILLed under load) and recovery.test.mjs (subscribers cut
#     off) run here at short sizes; scripts/faults.sh runs them at the plan's sizes.
#
# Env: CENTRIFUGO_BIN (default: scripts/centrifugo.sh), CHATCTL_BIN (default: target/debug/chatctl,
#      built with cargo if missing), E2E_KEEP=1 keeps the work directory even on success,
#      E2E_REALTIME=centrifugo|embedded runs steps 2-3 for one server only.
# Logs of every chatctl and Centrifugo process are printed when something fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { echo "e2e: $*" >&2; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }

START=$SECONDS

# ------------------------------------------------------------------ binaries and tools
if [[ -z "${CENTRIFUGO_BIN:-}" ]]; then
  CENTRIFUGO_BIN="$(scripts/centrifugo.sh)"
fi
if [[ -z "${CHATCTL_BIN:-}" ]]; then
  CHATCTL_BIN="$ROOT/target/debug/chatctl"
  [[ -x "$CHATCTL_BIN" ]] || cargo build --locked >&2
fi
[[ -x "$CENTRIFUGO_BIN" ]] || fail "CENTRIFUGO_BIN=$CENTRIFUGO_BIN is not executable"
[[ -x "$CHATCTL_BIN" ]] || fail "CHATCTL_BIN=$CHATCTL_BIN is not executable"
for tool in node python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
scripts/npm-deps.sh
PYTHON="$(scripts/python-deps.sh)"
export CENTRIFUGO_BIN CHATCTL_BIN
log "$("$CENTRIFUGO_BIN" version), $("$CHATCTL_BIN" --version), node $(node --version)"

# ------------------------------------------------------------------ work dir and cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chatctl-e2e.XXXXXX")"
PIDS=()

print_logs() {
  local f
  while IFS= read -r f; do
    echo "----- $f (last 80 lines)" >&2
    tail -n 80 "$f" >&2 || true
  done < <(find "$WORK" -name '*.log' -type f 2>/dev/null | sort)
}

# Bash runs the EXIT trap with the failing command's redirections still active: fd 9 keeps the
# real stderr so the report always reaches the terminal.
exec 9>&2
cleanup() {
  local rc=$?
  exec 2>&9
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -f "$WORK/chatctl-bin"
  if [[ $rc -ne 0 ]]; then
    log "failed after $((SECONDS - START))s; logs follow (work dir kept: $WORK)"
    print_logs
  elif [[ -n "${E2E_KEEP:-}" ]]; then
    log "work dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private copy of the binary: a concurrent `cargo build` replacing target/debug/chatctl must
# not pull it away mid-run.
cp "$CHATCTL_BIN" "$WORK/chatctl-bin"
CHATCTL_BIN="$WORK/chatctl-bin"
export CHATCTL_BIN

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits up to $2 seconds for the command "${@:3}" to succeed.
wait_for() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      fail "$what: not ready after ${timeout}s"
    fi
    sleep 0.1
  done
}

CENTRIFUGO_PORT="$(free_port)"
CHATCTL_PORT="$(free_port)"
AUTH_SECRET="e2e-auth-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
HMAC_SECRET="e2e-hmac-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
API_KEY="e2e-key-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# chatctl with a clean environment: only its own settings (CHATCTL_BIN would be an
# "unknown variable" warning), run from the work dir so no ./chatctl.toml is picked up.
CHATCTL_ENV=(
  PATH="$PATH" HOME="${HOME:-$WORK}" NO_COLOR=1
  CHATCTL_AUTH_SECRET="$AUTH_SECRET"
  CENTRIFUGO_API_KEY="$API_KEY"
  CENTRIFUGO_SECRET="$HMAC_SECRET"
  DATABASE_URL="sqlite://$WORK/chatctl.db"
  CHATCTL_PRESENCE_IDLE_AFTER=2s
  CHATCTL_PRESENCE_SWEEP_EVERY=1s
  CHATCTL_LOG="${CHATCTL_LOG:-info,sqlx=warn}"
)
# Runs chatctl in the foreground, pointed at the realtime server of the current step (RT_URL:
# Centrifugo, or chatctl's own address for the embedded server); extra NAME=VALUE settings may
# precede the arguments via CHATCTL_EXTRA (an array). Background processes use the same
# `exec env` form so $! is chatctl's own pid.
RT_URL="http://127.0.0.1:$CENTRIFUGO_PORT"
CHATCTL_EXTRA=()
chatctl() {
  (cd "$WORK" && exec env -i "${CHATCTL_ENV[@]}" CENTRIFUGO_URL="$RT_URL" "${CHATCTL_EXTRA[@]}" "$CHATCTL_BIN" "$@")
}

# Runs a command with stdout to $WORK/NAME.out and stderr to $WORK/NAME.err; on failure shows
# the stderr and fails the run.
run_logged() {
  local name=$1
  shift
  if ! "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    cat "$WORK/$name.err" >&2
    fail "$name: '$*' failed"
  fi
}

# JSON assertions on a file: python3 -c SCRIPT FILE (the script gets `c` = the parsed file).
json_check() {
  local file=$1 what=$2 script=$3
  python3 - "$file" "$what" "$script" <<'PY' || fail "$2"
import json, sys
path, what, script = sys.argv[1:4]
c = json.load(open(path))
try:
    exec(script, {"c": c, "json": json})
except AssertionError as e:
    print(f"e2e: {what}: {e}\n{json.dumps(c, indent=1)}", file=sys.stderr)
    sys.exit(1)
PY
}

# ------------------------------------------------------------------ 1. generated configs
log "1. generated Centrifugo configs"
checkconfig() {
  local file=$1
  if ! "$CENTRIFUGO_BIN" checkconfig --strict -c "$file" >"$file.checkconfig.log" 2>&1; then
    cat "$file.checkconfig.log" >&2
    fail "centrifugo checkconfig --strict rejected $(basename "$file")"
  fi
  log "  ✓ centrifugo checkconfig --strict $(basename "$file")"
}

run_logged gen-default chatctl centrifugo config --port "$CENTRIFUGO_PORT" --out "$WORK/default.json"
checkconfig "$WORK/default.json"
json_check "$WORK/default.json" "default v6 config: keys and channel options" '
assert c["client"]["token"]["hmac_secret_key"].startswith("e2e-hmac-"), "HMAC secret is CENTRIFUGO_SECRET"
assert c["http_api"]["key"].startswith("e2e-key-"), "API key is CENTRIFUGO_API_KEY"
assert c["http_server"]["port"] > 0, "port"
assert "allow_subscribe_for_client" not in json.dumps(c), "no open subscriptions"
o = c["channel"]["without_namespace"]
assert o.get("presence") is True and o.get("force_recovery") is True, "presence and recovery on"
assert o.get("history_size", 0) > 0 and o.get("history_ttl"), "history on"
'

run_logged gen-admin chatctl centrifugo config --origin http://localhost:3000 --admin --out "$WORK/origin-admin.json"
checkconfig "$WORK/origin-admin.json"
json_check "$WORK/origin-admin.json" "--origin/--admin v6 config" '
assert c["client"]["allowed_origins"] == ["http://localhost:3000"], "allowed origins"
assert c["admin"]["enabled"] is True and c["admin"]["password"] and c["admin"]["secret"], "admin UI with password and secret"
assert "allow_subscribe_for_client" not in json.dumps(c), "no open subscriptions"
'
grep -q "admin UI password" "$WORK/gen-admin.err" || fail "--admin did not print the admin password on stderr"

run_logged gen-open chatctl centrifugo config --insecure-open-subscriptions --out "$WORK/open.json"
checkconfig "$WORK/open.json"
json_check "$WORK/open.json" "--insecure-open-subscriptions v6 config" '
assert c["channel"]["without_namespace"]["allow_subscribe_for_client"] is True, "open mode on"
'
grep -q "WARNING" "$WORK/gen-open.err" || fail "--insecure-open-subscriptions printed no warning on stderr"

run_logged gen-legacy chatctl centrifugo config --format legacy
cp "$WORK/gen-legacy.out" "$WORK/legacy.json"
json_check "$WORK/legacy.json" "legacy config has exactly the original's 7 keys" '
want = {"allow_subscribe_for_client", "api_key", "token_hmac_secret_key", "admin", "admin_password", "admin_secret", "allowed_origins"}
assert set(c) == want, f"keys {sorted(c)}"
assert c["allow_subscribe_for_client"] is False, "legacy output is not open by default"
assert c["api_key"].startswith("e2e-key-") and c["token_hmac_secret_key"].startswith("e2e-hmac-"), "secrets"
'
log "  ✓ --format legacy has exactly the original's 7 keys"
# Control: checkconfig --strict does reject a config v6 cannot use (the flat legacy file).
if "$CENTRIFUGO_BIN" checkconfig --strict -c "$WORK/legacy.json" >"$WORK/legacy.checkconfig.txt" 2>&1; then
  fail "control: centrifugo checkconfig --strict accepted the legacy flat config"
fi
log "  ✓ control: checkconfig --strict rejects the legacy flat file"

# ------------------------------------------------------------------ 2. live stacks + CLI + Python
MODES=(centrifugo embedded)
[[ -n "${E2E_REALTIME:-}" ]] && MODES=("$E2E_REALTIME")
USER_BASE=$((5000 + RANDOM % 1000 * 10))

# live_stack MODE: one stack, the CLI and the Python clients against it. The cent output is kept
# in $WORK/cent-MODE.json for the comparison after both runs.
live_stack() {
  local mode=$1 serve_env=()
  if [[ $mode == centrifugo ]]; then
    RT_URL="http://127.0.0.1:$CENTRIFUGO_PORT"
    serve_env=(CENTRIFUGO_URL="$RT_URL")
    log "2. [$mode] Centrifugo :$CENTRIFUGO_PORT (default generated config) + chatctl serve :$CHATCTL_PORT"
    (cd "$WORK" && exec env -i PATH="$PATH" HOME="${HOME:-$WORK}" CENTRIFUGO_USAGE_STATS_DISABLED=true \
      "$CENTRIFUGO_BIN" -c "$WORK/default.json") >"$WORK/centrifugo.log" 2>&1 &
    PIDS+=($!)
    wait_for "Centrifugo /api/info" 15 curl -fsS -X POST -H "X-API-Key: $API_KEY" -d '{}' "$RT_URL/api/info"
  else
    RT_URL="http://127.0.0.1:$CHATCTL_PORT"
    log "2. [$mode] chatctl serve :$CHATCTL_PORT with its embedded realtime server (no CENTRIFUGO_URL)"
  fi
  rm -f "$WORK"/chatctl.db*
  (cd "$WORK" && exec env -i "${CHATCTL_ENV[@]}" "${serve_env[@]}" "$CHATCTL_BIN" serve --bind "127.0.0.1:$CHATCTL_PORT") \
    >"$WORK/chatctl-$mode.log" 2>&1 &
  PIDS+=($!)
  wait_for "chatctl /readyz" 15 curl -fsS "http://127.0.0.1:$CHATCTL_PORT/readyz"
  log "  ✓ ready"

  set +e
  chatctl centrifugo check >"$WORK/check-ok-$mode.out" 2>&1
  rc=$?
  set -e
  cat "$WORK/check-ok-$mode.out" >&2
  [[ $rc -eq 0 ]] || fail "[$mode] chatctl centrifugo check exited $rc (want 0)"
  grep -q "✗" "$WORK/check-ok-$mode.out" && fail "[$mode] chatctl centrifugo check printed a ✗ line but exited 0"
  [[ "$(grep -c "✓" "$WORK/check-ok-$mode.out")" -ge 4 ]] || fail "[$mode] chatctl centrifugo check printed fewer than 4 ✓ lines"
  log "  ✓ chatctl centrifugo check: exit 0"

  set +e
  CHATCTL_EXTRA=(CENTRIFUGO_API_KEY=wrong-key-0123456789)
  chatctl centrifugo check >"$WORK/check-bad-$mode.out" 2>&1
  rc=$?
  set -e
  CHATCTL_EXTRA=()
  cat "$WORK/check-bad-$mode.out" >&2
  [[ $rc -eq 5 ]] || fail "[$mode] chatctl centrifugo check with a wrong API key exited $rc (want 5)"
  grep -q "✗ API key" "$WORK/check-bad-$mode.out" || fail "[$mode] wrong API key: no ✗ line for the API key"
  log "  ✓ chatctl centrifugo check with a wrong API key: exit 5"

  # CLI round trip: subscribe (as user 7, tokens minted by chatctl) then publish.
  (cd "$WORK" && exec env -i "${CHATCTL_ENV[@]}" CENTRIFUGO_URL="$RT_URL" "$CHATCTL_BIN" subscribe user-7-chats --as 7 --count 1 --json) \
    >"$WORK/subscribe-$mode.out" 2>"$WORK/subscribe-$mode.log" &
  SUB_PID=$!
  PIDS+=($SUB_PID)
  wait_for "chatctl subscribe" 10 grep -q "subscribed to user-7-chats" "$WORK/subscribe-$mode.log"
  chatctl publish user-7-chats '{"hello":"e2e","n":1}' --json >"$WORK/publish-$mode.out" 2>"$WORK/publish-$mode.log" \
    || { cat "$WORK/publish-$mode.log" >&2; fail "[$mode] chatctl publish failed"; }
  json_check "$WORK/publish-$mode.out" "[$mode] chatctl publish --json" '
assert c["channel"] == "user-7-chats", "channel"
assert isinstance(c["offset"], int) and c["offset"] >= 1, "offset (history is on)"
assert isinstance(c["epoch"], str) and c["epoch"], "epoch"
'
  for _ in $(seq 100); do kill -0 "$SUB_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SUB_PID" 2>/dev/null && fail "[$mode] chatctl subscribe --count 1 did not exit within 10s of the publish"
  wait "$SUB_PID" || fail "[$mode] chatctl subscribe exited non-zero"
  json_check "$WORK/subscribe-$mode.out" "[$mode] chatctl subscribe --json output" '
assert c["channel"] == "user-7-chats", "channel"
assert c["data"] == {"hello": "e2e", "n": 1}, "the string-encoded payload, decoded"
'
  log "  ✓ chatctl publish -> chatctl subscribe round trip"

  # The published data really is a JSON string on the wire (the original's encoding).
  curl -fsS -X POST -H "X-API-Key: $API_KEY" -d '{"channel":"user-7-chats","limit":1,"reverse":true}' \
    "$RT_URL/api/history" >"$WORK/history-$mode.json"
  json_check "$WORK/history-$mode.json" "[$mode] publication data is a JSON string" '
d = c["result"]["publications"][0]["data"]
assert isinstance(d, str) and json.loads(d) == {"hello": "e2e", "n": 1}, f"data {d!r}"
'
  log "  ✓ chatctl publish string-encodes the payload"

  # The `cent` client, unchanged: its answers are compared across the two servers below.
  API_URL="$RT_URL/api" API_KEY="$API_KEY" CHANNEL="cent-e2e" "$PYTHON" tests/e2e/python/cent_check.py \
    >"$WORK/cent-$mode.json" 2>"$WORK/cent-$mode.err" || { cat "$WORK/cent-$mode.err" >&2; fail "[$mode] cent_check.py failed"; }
  log "  ✓ the cent Python client: publish, broadcast, history, presence, batch, info, 401"

  API_URL="http://127.0.0.1:$CHATCTL_PORT" WS_URL="${RT_URL/http/ws}/connection/websocket" AUTH_SECRET="$AUTH_SECRET" \
    RT_API_URL="$RT_URL/api" API_KEY="$API_KEY" USER_BASE="$USER_BASE" \
    "$PYTHON" tests/e2e/python/client_scenario.py >"$WORK/python-$mode.json" 2>"$WORK/python-$mode.err" \
    || { cat "$WORK/python-$mode.err" >&2; fail "[$mode] the centrifuge-python scenario failed"; }
  log "  ✓ centrifuge-python: tokens from the API, a live message, presence, recovery after a reconnect ($(tail -n1 "$WORK/python-$mode.err" | sed 's/^python scenario: //'))"

  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

for mode in "${MODES[@]}"; do
  live_stack "$mode"
done
if [[ ${#MODES[@]} -eq 2 ]]; then
  diff -u "$WORK/cent-centrifugo.json" "$WORK/cent-embedded.json" >&2 \
    || fail "the cent client got different answers from Centrifugo and from the embedded server (diff above)"
  diff -u "$WORK/python-centrifugo.json" "$WORK/python-embedded.json" >&2 \
    || fail "the centrifuge-python scenario saw different things on the two servers (diff above)"
  log "  ✓ cent and centrifuge-python: identical results from Centrifugo and from the embedded server"
fi

# ------------------------------------------------------------------ Chromium for browser.test.mjs
# (issue 7: the demo web chat, driven by playwright-core; runs with the other files of step 3)
CHROMIUM_BIN="$(scripts/chromium.sh)" || fail "scripts/chromium.sh could not provide Chromium"
export CHROMIUM_BIN

# ------------------------------------------------------------------ 3. centrifuge-js scenarios
for mode in "${MODES[@]}"; do
  log "3. [$mode] REALTIME=$mode node --test tests/e2e/*.test.mjs"
  mkdir -p "$WORK/node-$mode"
  REALTIME="$mode" E2E_WORK_DIR="$WORK/node-$mode" \
    node --test --test-reporter=spec --test-timeout=150000 tests/e2e/*.test.mjs
done

log "all e2e checks passed in $((SECONDS - START))s"

"""One realtime scenario with the Python SDK (PyPI centrifuge-python 0.7), run against a real
Centrifugo and against chatctl's embedded server by tests/e2e/run.sh.

B's Python client gets its connection and subscription tokens from chatctl's API, as an app of
the original package would; A sends a message through the API and B receives it on
user-{chatId}-messages, string-encoded; the server API counts B in the channel's presence; B
disconnects, misses three messages, reconnects, and its resubscribe recovers exactly those three.

Env: API_URL (chatctl), WS_URL (the realtime server's /connection/websocket), AUTH_SECRET (HS256
secret of API tokens), RT_API_URL and API_KEY (the realtime server's API), USER_BASE (user ids).
Prints a JSON summary; exits 1 with the reason when a check fails.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse
import urllib.request

from centrifuge import Client, SubscriptionEventHandler

API_URL = os.environ["API_URL"]
WS_URL = os.environ["WS_URL"]
AUTH_SECRET = os.environ["AUTH_SECRET"]
RT_API_URL = os.environ["RT_API_URL"]
API_KEY = os.environ["API_KEY"]
BASE = int(os.environ.get("USER_BASE", "5000"))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def api_token(user_id: int, name: str) -> str:
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": str(user_id), "iat": now, "exp": now + 3600, "name": name, "email": f"u{user_id}@example.test"}
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(AUTH_SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def http(method: str, url: str, headers: dict, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def api(token: str, method: str, path: str, body=None):
    return http(method, API_URL + path, {"Authorization": f"Bearer {token}"}, body)


def fail(why: str):
    print(f"python scenario: FAIL: {why}", file=sys.stderr)
    sys.exit(1)


class Events(SubscriptionEventHandler):
    def __init__(self):
        self.texts = []
        self.raw_types = set()
        self.subscribed = []

    async def on_publication(self, ctx):
        self.raw_types.add(type(ctx.pub.data).__name__)
        self.texts.append(json.loads(ctx.pub.data)["text"])

    async def on_subscribed(self, ctx):
        self.subscribed.append({"was_recovering": ctx.was_recovering, "recovered": ctx.recovered})


async def wait_for(what: str, predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def main():
    a, b = BASE, BASE + 1
    ta, tb = api_token(a, "Ada"), api_token(b, "Ben")
    api(ta, "GET", "/api/get-user-info")
    api(tb, "GET", "/api/get-user-info")
    chat = api(ta, "POST", "/api/chats", {"companionId": b})["chatId"]
    channel = f"user-{chat}-messages"

    async def connection_token():
        return api(tb, "GET", "/api/update-centrifugo-token")["centrifugo_token"]

    async def subscription_token(ch: str):
        return api(tb, "GET", "/api/centrifugo/subscription-token?channel=" + urllib.parse.quote(ch))["token"]

    events = Events()
    client = Client(WS_URL, get_token=connection_token, min_reconnect_delay=0.1, max_reconnect_delay=1.0)
    sub = client.new_subscription(channel, events=events, get_token=subscription_token)
    await client.connect()
    await sub.subscribe()
    await wait_for("the first subscribe", lambda: len(events.subscribed) == 1)

    started = time.monotonic()
    api(ta, "POST", f"/api/chats/{chat}/messages", {"text": "hello python"})
    await wait_for("the live message", lambda: "hello python" in events.texts)
    live_ms = round((time.monotonic() - started) * 1000)

    stats = http("POST", RT_API_URL + "/presence_stats", {"X-API-Key": API_KEY}, {"channel": channel})["result"]
    if stats != {"num_clients": 1, "num_users": 1}:
        fail(f"presence_stats of {channel}: {stats}")

    await client.disconnect()
    missed = [f"missed {i}" for i in range(1, 4)]
    for text in missed:
        api(ta, "POST", f"/api/chats/{chat}/messages", {"text": text})
    await asyncio.sleep(0.3)  # the relay has published them by now
    await client.connect()
    await wait_for("the resubscribe", lambda: len(events.subscribed) == 2)
    await wait_for("the three missed messages", lambda: all(t in events.texts for t in missed))
    await client.disconnect()

    summary = {
        "texts": events.texts,
        "data_types": sorted(events.raw_types),
        "subscribed": events.subscribed,
        "presence_stats": stats,
    }
    if events.texts != ["hello python", *missed]:
        fail(f"messages received: {events.texts}")
    if events.raw_types != {"str"}:
        fail(f"publication data types {events.raw_types}: the original's string encoding is expected")
    if events.subscribed[1] != {"was_recovering": True, "recovered": True}:
        fail(f"resubscribe after the reconnect: {events.subscribed[1]}")
    print(json.dumps(summary, sort_keys=True))
    print(f"python scenario: live message after {live_ms} ms", file=sys.stderr)


asyncio.run(main())

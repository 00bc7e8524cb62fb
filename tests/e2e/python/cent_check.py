"""The `cent` Python client (PyPI cent 5.x), unchanged, against a realtime server's HTTP API.

Runs the same calls against whichever server API_URL names and prints their results as JSON,
with what differs by nature between two servers (epochs, node ids, versions, uptimes,
metrics) replaced by placeholders or left out. tests/e2e/run.sh runs it against a real Centrifugo
and against chatctl's embedded server and requires the two outputs to be identical.

Env: API_URL (e.g. http://127.0.0.1:8000/api), API_KEY, CHANNEL (a fresh channel name prefix).
"""

import json
import os
import sys

from cent import (
    BatchRequest,
    BroadcastRequest,
    Client,
    HistoryRemoveRequest,
    HistoryRequest,
    InfoRequest,
    PresenceRequest,
    PresenceStatsRequest,
    PublishRequest,
    StreamPosition,
)
from cent.exceptions import CentApiResponseError, CentUnauthorizedError

API_URL = os.environ["API_URL"]
API_KEY = os.environ["API_KEY"]
CH = os.environ["CHANNEL"]

client = Client(API_URL, API_KEY, timeout=5)
out = {}


def dump(result):
    return result.model_dump(exclude_none=True) if result is not None else None


def record(name, call):
    try:
        out[name] = {"result": dump(call())}
    except CentApiResponseError as e:
        out[name] = {"error": {"code": e.code, "message": e.message}}


record("publish", lambda: client.publish(PublishRequest(channel=CH, data={"n": 1})))
record("publish_tags", lambda: client.publish(PublishRequest(channel=CH, data="text", tags={"k": "v"})))
record("publish_skip_history", lambda: client.publish(PublishRequest(channel=CH, data=[1, 2], skip_history=True)))
record("publish_idempotent_1", lambda: client.publish(PublishRequest(channel=CH, data={"n": 3}, idempotency_key="k-3")))
record("publish_idempotent_2", lambda: client.publish(PublishRequest(channel=CH, data={"n": 3}, idempotency_key="k-3")))
record("publish_unknown_namespace", lambda: client.publish(PublishRequest(channel="nope:" + CH, data={})))
record("broadcast", lambda: client.broadcast(BroadcastRequest(channels=[CH, CH + "-b", "nope:x"], data={"b": True})))
record("history_all", lambda: client.history(HistoryRequest(channel=CH, limit=-1)))
record("history_none", lambda: client.history(HistoryRequest(channel=CH)))
record("history_last", lambda: client.history(HistoryRequest(channel=CH, limit=1, reverse=True)))
record("history_since", lambda: client.history(HistoryRequest(channel=CH, limit=10, since=StreamPosition(offset=1, epoch=""))))
record("history_wrong_epoch", lambda: client.history(HistoryRequest(channel=CH, limit=10, since=StreamPosition(offset=1, epoch="nope"))))
record("presence", lambda: client.presence(PresenceRequest(channel=CH)))
record("presence_stats", lambda: client.presence_stats(PresenceStatsRequest(channel=CH)))
record("batch", lambda: client.batch(BatchRequest(requests=[
    PublishRequest(channel=CH + "-c", data={"in": "batch"}),
    PresenceStatsRequest(channel=CH + "-c"),
    HistoryRequest(channel=CH + "-c", limit=-1),
])))
record("history_remove", lambda: client.history_remove(HistoryRemoveRequest(channel=CH + "-c")))
record("history_after_remove", lambda: client.history(HistoryRequest(channel=CH + "-c", limit=-1)))
info = client.info(InfoRequest())
node = info.nodes[0]
# `metrics` and `process` are optional extras of Centrifugo; `uptime` is left out while 0.
optional = {"metrics", "process", "uptime"}
out["info_node_fields"] = sorted(k for k, v in node.model_dump().items() if v is not None and k not in optional)
out["info_counts"] = {"num_clients": node.num_clients, "num_users": node.num_users}
try:
    Client(API_URL, "wrong-" + API_KEY, timeout=5).info(InfoRequest())
    out["wrong_key"] = "accepted"
except CentUnauthorizedError:
    out["wrong_key"] = "CentUnauthorizedError"


def normalize(value, epochs):
    """Epochs become EPOCH-1, EPOCH-2, ... in order of appearance; other values stay."""
    if isinstance(value, dict):
        return {
            k: epochs.setdefault(v, f"EPOCH-{len(epochs) + 1}") if k == "epoch" and v else normalize(v, epochs)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalize(v, epochs) for v in value]
    return value


text = json.dumps(normalize(out, {}), indent=1, sort_keys=True)
print(text)
sys.exit(0)

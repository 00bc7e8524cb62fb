//! The scripts of the differential test: raw frames and server API calls that exercise the
//! protocol's codes, token rules, recovery and the API's shapes. Tokens are signed here with
//! the test secret; channel names are distinct per script so both servers start each one
//! from the same state.

use serde_json::{Value, json};

use crate::common::CENTRIFUGO_SECRET;

pub enum Step {
    Send(String),
    Api(&'static str, Value),
    Wait(u64),
}

fn jwt(claims: Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(CENTRIFUGO_SECRET.as_bytes()).unwrap();
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

fn now() -> i64 {
    chatctl::auth::now_secs()
}

fn connect() -> Step {
    let token = jwt(json!({"sub": "42", "exp": now() + 3600, "iat": now()}));
    Step::Send(json!({"id": 1, "connect": {"token": token}}).to_string())
}

fn sub(id: u32, channel: &str, extra: Value) -> Step {
    let token = jwt(json!({"sub": "42", "channel": channel, "exp": now() + 3600}));
    let mut request = json!({"channel": channel, "token": token});
    for (k, v) in extra.as_object().unwrap() {
        request[k] = v.clone();
    }
    Step::Send(json!({"id": id, "subscribe": request}).to_string())
}

fn send(command: Value) -> Step {
    Step::Send(command.to_string())
}

pub fn scenarios() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        (
            "connect and subscribe",
            vec![
                connect(),
                sub(2, "d1", json!({"flag": 1})),
                send(json!({"id": 3, "subscribe": {"channel": "d1b"}})),
            ],
        ),
        (
            "ping command",
            vec![connect(), send(json!({"id": 2, "ping": {}}))],
        ),
        (
            "two trailing newlines",
            vec![Step::Send(format!(
                "{}\n\n",
                json!({"id": 1, "connect": {"token": jwt(json!({"sub": "42"}))}})
            ))],
        ),
        (
            "expired then any command",
            vec![
                send(
                    json!({"id": 1, "connect": {"token": jwt(json!({"sub": "42", "exp": now() - 9}))}}),
                ),
                Step::Wait(50),
                connect(),
            ],
        ),
        (
            "unknown command",
            vec![connect(), send(json!({"id": 2, "foo": {}}))],
        ),
        ("connect twice", vec![connect(), connect()]),
        (
            "subscribe errors",
            vec![
                connect(),
                sub(2, "d2", json!({})),
                sub(3, "d2", json!({})),
                sub(4, "ns:d2", json!({})),
                sub(5, &"d".repeat(256), json!({})),
                send(json!({"id": 6, "subscribe": {"channel": "$d2"}})),
                send(
                    json!({"id": 7, "subscribe": {"channel": "d2c", "token": jwt(json!({"sub": "42", "channel": "d2c", "exp": now() - 5}))}}),
                ),
                send(
                    json!({"id": 8, "subscribe": {"channel": "d2d", "token": jwt(json!({"sub": "42"}))}}),
                ),
                send(
                    json!({"id": 9, "subscribe": {"channel": "d2e", "token": jwt(json!({"sub": "42", "channel": "d2e", "info": {"i": 1}, "data": {"d": 2}}))}}),
                ),
                sub(10, "d2f", json!({"tf": {"op": "eq"}})),
                sub(11, "d2g", json!({"delta": "fossil"})),
            ],
        ),
        (
            "subscribe with another user's token",
            vec![
                connect(),
                send(
                    json!({"id": 2, "subscribe": {"channel": "d3", "token": jwt(json!({"sub": "43", "channel": "d3"}))}}),
                ),
            ],
        ),
        (
            "client commands",
            vec![
                connect(),
                sub(2, "d4", json!({})),
                send(json!({"id": 3, "publish": {"channel": "d4", "data": {"x": 1}}})),
                send(json!({"id": 4, "publish": {"channel": "d4"}})),
                send(json!({"id": 5, "presence": {"channel": "d4"}})),
                send(json!({"id": 6, "presence_stats": {"channel": "d4"}})),
                send(json!({"id": 7, "history": {"channel": "ns:d4"}})),
                send(json!({"id": 8, "rpc": {"method": "m"}})),
                send(json!({"id": 9, "unsubscribe": {"channel": "d4"}})),
                send(json!({"id": 10, "unsubscribe": {"channel": "never"}})),
                send(json!({"id": 11, "unsubscribe": {"channel": ""}})),
            ],
        ),
        (
            "refresh",
            vec![
                connect(),
                send(
                    json!({"id": 2, "refresh": {"token": jwt(json!({"sub": "42", "exp": now() + 7200}))}}),
                ),
                send(json!({"id": 3, "refresh": {"token": jwt(json!({"sub": "42"}))}})),
                send(
                    json!({"id": 4, "refresh": {"token": jwt(json!({"sub": "43", "exp": now() + 60}))}}),
                ),
            ],
        ),
        (
            "sub_refresh",
            vec![
                connect(),
                sub(2, "d5", json!({})),
                send(
                    json!({"id": 3, "sub_refresh": {"channel": "d5", "token": jwt(json!({"sub": "42", "channel": "d5", "exp": now() + 7200}))}}),
                ),
                send(
                    json!({"id": 4, "sub_refresh": {"channel": "d5", "token": jwt(json!({"sub": "42", "channel": "d5", "exp": now() - 7}))}}),
                ),
                send(json!({"id": 5, "sub_refresh": {"channel": "d5", "token": ""}})),
                send(json!({"id": 6, "sub_refresh": {"channel": "other", "token": "x"}})),
                send(json!({"id": 7, "sub_refresh": {"channel": "d5", "token": "bad"}})),
            ],
        ),
        (
            "publications and recovery",
            vec![
                connect(),
                sub(2, "d6", json!({})),
                Step::Wait(50),
                Step::Api("publish", json!({"channel": "d6", "data": {"t": "hi"}})),
                Step::Api(
                    "publish",
                    json!({"channel": "d6", "data": "s", "tags": {"a": "b"}}),
                ),
                Step::Api(
                    "publish",
                    json!({"channel": "d6", "data": [1], "skip_history": true}),
                ),
                Step::Api(
                    "publish",
                    json!({"channel": "d6", "data": 3, "idempotency_key": "k"}),
                ),
                Step::Api(
                    "publish",
                    json!({"channel": "d6", "data": 3, "idempotency_key": "k"}),
                ),
                Step::Wait(100),
                send(json!({"id": 3, "unsubscribe": {"channel": "d6"}})),
                sub(4, "d6", json!({"recover": true, "offset": 1})),
                send(json!({"id": 5, "unsubscribe": {"channel": "d6"}})),
                sub(6, "d6", json!({"recover": true, "offset": 3})),
                send(json!({"id": 7, "unsubscribe": {"channel": "d6"}})),
                sub(
                    8,
                    "d6",
                    json!({"recover": true, "offset": 1, "epoch": "zzz"}),
                ),
                send(json!({"id": 9, "unsubscribe": {"channel": "d6"}})),
                sub(
                    10,
                    "d6",
                    json!({"recover": true, "offset": 1, "epoch": "zzz", "flag": 3}),
                ),
                sub(11, "d6", json!({"recover": true, "offset": 10})),
                Step::Wait(50),
                Step::Api("history", json!({"channel": "d6", "limit": -1})),
                Step::Api(
                    "history",
                    json!({"channel": "d6", "limit": 2, "reverse": true}),
                ),
                Step::Api(
                    "history",
                    json!({"channel": "d6", "since": {"offset": 1}, "limit": 10}),
                ),
                Step::Api(
                    "history",
                    json!({"channel": "d6", "since": {"offset": 1, "epoch": "x"}, "limit": 10}),
                ),
                Step::Api(
                    "history",
                    json!({"channel": "d6", "since": {"offset": 0}, "reverse": true}),
                ),
                Step::Api("presence_stats", json!({"channel": "d6"})),
                Step::Api("history_remove", json!({"channel": "d6"})),
                Step::Api("history", json!({"channel": "d6", "limit": -1})),
            ],
        ),
        (
            "server API errors",
            vec![
                Step::Api("publish", json!({"data": {}})),
                Step::Api("publish", json!({"channel": "ns:x", "data": {}})),
                Step::Api("publish", json!({"channel": "x"})),
                Step::Api("publish", json!({"channel": "x", "b64data": "!!"})),
                Step::Api(
                    "publish",
                    json!({"channel": "d7", "b64data": "eyJhIjoxfQ=="}),
                ),
                Step::Api("broadcast", json!({"channels": [], "data": 1})),
                Step::Api(
                    "broadcast",
                    json!({"channels": ["d7", "", "ns:y"], "data": 1}),
                ),
                Step::Api("presence", json!({"channel": ""})),
                Step::Api("presence", json!({"channel": "d7"})),
                Step::Api(
                    "batch",
                    json!({"commands": [{"publish": {"channel": "d7", "data": 2}}, {"nope": {}}, null, {"history": {"channel": "d7", "limit": -1}}]}),
                ),
                Step::Api("batch", json!({})),
            ],
        ),
        (
            "big frame",
            vec![connect(), Step::Wait(100), Step::Send("x".repeat(70_000))],
        ),
        (
            "exact limit",
            vec![connect(), Step::Wait(100), Step::Send("x".repeat(65_536))],
        ),
    ]
}

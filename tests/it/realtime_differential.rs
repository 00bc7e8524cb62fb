//! Differential test: the same raw protocol and API scripts against a real Centrifugo v6.9.1
//! (started with the config `chatctl centrifugo config` generates) and against the embedded
//! server; the transcripts must be identical once the values that differ by nature (client
//! ids, epochs, versions, token lifetimes) are replaced by placeholders. Runs when
//! CENTRIFUGO_BIN names the binary or `.cache/bin/centrifugo` exists (scripts/centrifugo.sh).

use std::path::PathBuf;
use std::time::Duration;

use chatctl::centrifugo::server_config::{self, Format, Params};
use serde_json::{Value, json};

use crate::common::CENTRIFUGO_SECRET;
use crate::rt::ws::{Got, Ws};
use crate::rt::{API_KEY, Rt};

enum Step {
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

fn scenarios() -> Vec<(&'static str, Vec<Step>)> {
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

/// Runs a script against one server; returns its transcript.
async fn run(ws_url: &str, api_base: &str, steps: &[Step]) -> Vec<String> {
    let http = chatctl::centrifugo::http_client(Duration::from_secs(5));
    let mut c = Ws::open(ws_url).await;
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Send(text) => c.send_text(text).await,
            Step::Wait(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Step::Api(method, body) => {
                let r = http
                    .post(format!("{api_base}/api/{method}"))
                    .header("X-API-Key", API_KEY)
                    .json(body)
                    .send()
                    .await
                    .unwrap();
                out.push(format!(
                    "API {method} {} {}",
                    r.status().as_u16(),
                    r.text().await.unwrap()
                ));
            }
        }
    }
    loop {
        match c.next(Duration::from_millis(400)).await {
            Got::Msg(m) => out.push(format!("<< {m}")),
            Got::Closed(code, reason) => {
                out.push(format!("CLOSE {code} {reason}"));
                break;
            }
            Got::Nothing => break,
        }
    }
    out
}

/// Replaces what differs by nature between two servers with placeholders: epochs (numbered
/// in order of appearance), client ids, node ids and names, versions, TTLs, uptimes and
/// Centrifugo's metrics. API lines go after the socket lines: their interleaving is timing.
fn normalize(lines: Vec<String>) -> Vec<String> {
    let mut epochs: Vec<String> = Vec::new();
    let mut socket = Vec::new();
    let mut api = Vec::new();
    for line in lines {
        let (head, body) = match line.strip_prefix("<< ") {
            Some(json) => ("<<".to_string(), json.to_string()),
            None if line.starts_with("API") => {
                let mut parts = line.splitn(4, ' ');
                let head = format!(
                    "{} {} {}",
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                    parts.next().unwrap()
                );
                (head, parts.next().unwrap_or("").to_string())
            }
            None => {
                socket.push(line);
                continue;
            }
        };
        let body = match serde_json::from_str::<Value>(&body) {
            Ok(mut v) => {
                scrub(&mut v, &mut epochs);
                v.to_string()
            }
            Err(_) => body,
        };
        let line = format!("{head} {body}");
        if head == "<<" {
            socket.push(line)
        } else {
            api.push(line)
        }
    }
    socket.extend(api);
    socket
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(k, b)| {
            if [8, 13, 18, 23].contains(&k) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

fn scrub(v: &mut Value, epochs: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            map.remove("metrics");
            map.remove("uptime");
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if is_uuid(&key) {
                    let value = map.remove(&key).unwrap();
                    map.insert("CLIENT".into(), value);
                }
            }
            for (key, value) in map.iter_mut() {
                match (key.as_str(), &*value) {
                    ("epoch", Value::String(e)) if !e.is_empty() => {
                        let n = epochs.iter().position(|x| x == e).unwrap_or_else(|| {
                            epochs.push(e.clone());
                            epochs.len() - 1
                        });
                        *value = json!(format!("EPOCH{n}"));
                    }
                    ("ttl", _) => *value = json!("TTL"),
                    ("version" | "uid" | "name", Value::String(_)) => {
                        *value = json!(key.to_uppercase())
                    }
                    ("client", Value::String(c)) if is_uuid(c) => *value = json!("CLIENT"),
                    _ => scrub(value, epochs),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| scrub(x, epochs)),
        _ => {}
    }
}

fn centrifugo_bin() -> Option<PathBuf> {
    std::env::var_os("CENTRIFUGO_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let cached = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/bin/centrifugo");
            cached.exists().then_some(cached)
        })
}

#[tokio::test]
async fn the_embedded_server_answers_every_script_exactly_like_centrifugo() {
    let Some(bin) = centrifugo_bin() else {
        eprintln!(
            "skipped: no Centrifugo binary (set CENTRIFUGO_BIN or run scripts/centrifugo.sh)"
        );
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("chatctl-diff-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut params = Params::new(CENTRIFUGO_SECRET.into(), API_KEY.into());
    params.port = port;
    std::fs::write(
        dir.join("config.json"),
        server_config::render(Format::V6, &params),
    )
    .unwrap();
    let mut centrifugo = std::process::Command::new(bin)
        .arg("-c")
        .arg(dir.join("config.json"))
        .env_clear()
        .env("CENTRIFUGO_USAGE_STATS_DISABLED", "true")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start centrifugo");
    let real = format!("http://127.0.0.1:{port}");
    let http = chatctl::centrifugo::http_client(Duration::from_secs(2));
    for _ in 0..100 {
        if http
            .post(format!("{real}/api/info"))
            .header("X-API-Key", API_KEY)
            .body("{}")
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rt = Rt::spawn().await;
    let mut differences = Vec::new();
    for (name, steps) in scenarios() {
        let theirs = normalize(
            run(
                &format!("ws://127.0.0.1:{port}/connection/websocket"),
                &real,
                &steps,
            )
            .await,
        );
        let ours = normalize(run(&rt.ws_url(), &rt.app.base, &steps).await);
        if theirs != ours {
            differences.push(format!(
                "== {name}\nCentrifugo:\n  {}\nembedded:\n  {}",
                theirs.join("\n  "),
                ours.join("\n  ")
            ));
        }
    }
    let _ = centrifugo.kill();
    let _ = centrifugo.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

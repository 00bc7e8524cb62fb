//! Runs a differential script against one server and turns what came back into comparable
//! lines: every message of every frame, the close code, and each API answer.

use std::time::Duration;

use serde_json::{Value, json};

use super::API_KEY;
use super::scripts::Step;
use super::ws::{Got, Ws};

/// Runs a script against one server; returns its transcript.
pub async fn run(ws_url: &str, api_base: &str, steps: &[Step]) -> Vec<String> {
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
pub fn normalize(lines: Vec<String>) -> Vec<String> {
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

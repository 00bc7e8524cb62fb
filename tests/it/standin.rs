//! A stand-in for Centrifugo's server API, for faults the real server cannot be made to
//! produce on demand: answering late, never answering, or answering 200 with an error body.
//! It records every publication it accepted and every API key it was sent, and can be
//! switched between behaviours while a test runs. Also: starting chatctl's background tasks
//! (the outbox relay) for a [`TestApp`], which `TestApp::spawn` leaves off.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};

use crate::common::TestApp;

/// The API key the stand-in expects (chatctl must send it in `X-API-Key`).
pub const API_KEY: &str = "standin-api-key-0123456789abcdef";

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Like a healthy Centrifugo.
    Ok,
    /// Healthy, but every answer comes this late.
    Late(Duration),
    /// Accepts the request and never answers.
    Hang,
    /// HTTP 200 with a top-level `{"error":{"code":..}}` (Centrifugo's default error mode).
    Error(u32),
    /// HTTP 200 with a batch whose every reply is `{"error":{"code":..}}`.
    ErrorEach(u32),
}

/// A publication the stand-in accepted.
#[derive(Debug, Clone)]
pub struct Published {
    pub channel: String,
    pub data: Value,
    pub idempotency_key: Option<String>,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    mode: Mutex<Option<Mode>>,
    /// Each publication answered with success, in arrival order.
    published: Mutex<Vec<Published>>,
    /// Every API call: (method, X-API-Key header).
    calls: Mutex<Vec<(String, String)>>,
}

/// A running stand-in.
#[derive(Clone)]
pub struct StandIn {
    pub url: String,
    inner: Arc<Inner>,
}

impl StandIn {
    pub async fn start(mode: Mode) -> StandIn {
        let inner = Arc::new(Inner::default());
        *inner.mode.lock().unwrap() = Some(mode);
        let app = Router::new()
            .route("/api/{method}", post(api))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn { url, inner }
    }

    pub fn set(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = Some(mode);
    }

    /// Publications accepted so far: (channel, data).
    pub fn published(&self) -> Vec<(String, Value)> {
        let all = self.inner.published.lock().unwrap();
        all.iter()
            .map(|p| (p.channel.clone(), p.data.clone()))
            .collect()
    }

    /// Message publications accepted so far: (message id, publication), repeats included.
    pub fn messages(&self) -> Vec<(i64, Published)> {
        let all = self.inner.published.lock().unwrap();
        all.iter()
            .filter(|p| p.channel.ends_with("-messages"))
            .filter_map(|p| {
                let inner: Value = serde_json::from_str(p.data.as_str()?).ok()?;
                Some((inner["id"].as_i64()?, p.clone()))
            })
            .collect()
    }

    /// API calls so far: (method, API key sent).
    pub fn calls(&self) -> Vec<(String, String)> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// Ids of the messages published on `user-{chat}-messages` channels (data decoded).
    pub fn message_ids(&self) -> Vec<i64> {
        self.messages().into_iter().map(|(id, _)| id).collect()
    }
}

async fn api(
    State(inner): State<Arc<Inner>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: String,
) -> axum::Json<Value> {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    inner.calls.lock().unwrap().push((method.clone(), key));
    let mode = inner.mode.lock().unwrap().unwrap_or(Mode::Ok);
    match mode {
        Mode::Hang => std::future::pending::<()>().await,
        Mode::Late(delay) => tokio::time::sleep(delay).await,
        Mode::Error(code) => return axum::Json(error(code)),
        Mode::Ok | Mode::ErrorEach(_) => {}
    }
    let params: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let reply = |command: &str, params: &Value| -> Value {
        if let Mode::ErrorEach(code) = mode {
            return error(code);
        }
        match command {
            "publish" => {
                inner.published.lock().unwrap().push(Published {
                    channel: params["channel"].as_str().unwrap_or("").to_string(),
                    data: params["data"].clone(),
                    idempotency_key: params["idempotency_key"].as_str().map(str::to_string),
                    at: Instant::now(),
                });
                json!({"publish": {"offset": 1, "epoch": "standin"}})
            }
            "presence_stats" => json!({"presence_stats": {"num_clients": 0, "num_users": 0}}),
            other => json!({ other: {} }),
        }
    };
    if method == "batch" {
        let replies: Vec<Value> = params["commands"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|command| {
                let (name, params) = command
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
                reply(name, params)
            })
            .collect();
        return axum::Json(json!({ "replies": replies }));
    }
    let answer = reply(&method, &params);
    if answer.get("error").is_some() {
        return axum::Json(answer);
    }
    axum::Json(json!({ "result": answer.get(&method).cloned().unwrap_or(json!({})) }))
}

fn error(code: u32) -> Value {
    let message = match code {
        100 => "internal error",
        102 => "unknown channel",
        _ => "error",
    };
    json!({"error": {"code": code, "message": message}})
}

/// Points the app's configuration at the stand-in.
pub fn configure(config: &mut chatctl::config::Config, standin: &StandIn) {
    config.centrifugo.url = standin.url.clone();
    config.centrifugo.api_key = chatctl::config::Secret::new(API_KEY);
}

/// The app's background tasks (outbox relay, presence sweeper); stopped when dropped.
pub struct Background {
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub fn start_background(app: &TestApp) -> Background {
    let (stop, rx) = tokio::sync::watch::channel(false);
    app.service.spawn_background(rx);
    Background { stop }
}

/// Waits until `check` holds, polling every 20 ms, for at most `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

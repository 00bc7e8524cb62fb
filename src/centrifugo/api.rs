//! Centrifugo's server HTTP API (v6, also v5): one path per method, `X-API-Key`, errors read
//! from the body (Centrifugo answers API errors with status 200 and an `error` object unless
//! asked otherwise).

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::CentrifugoConfig;

/// Why a call failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ApiFailure {
    /// Unreachable, timed out, 5xx, or an unparseable answer: try again later.
    #[error("transport: {0}")]
    Transport(String),
    /// 401: the API key is wrong. Retried, since fixing the key makes the events flow.
    #[error(
        "Centrifugo refused the API key (HTTP 401): check CENTRIFUGO_API_KEY against http_api.key"
    )]
    Unauthorized,
    /// An error object from Centrifugo.
    #[error("Centrifugo error {code}: {message}")]
    Api { code: u32, message: String },
}

impl ApiFailure {
    /// Errors worth retrying; the rest are dead letters.
    pub fn retryable(&self) -> bool {
        match self {
            ApiFailure::Transport(_) | ApiFailure::Unauthorized => true,
            // 100 internal, 111 too many requests, 113 concurrent pagination: temporary.
            ApiFailure::Api { code, .. } => matches!(code, 100 | 111 | 113),
        }
    }
}

/// Position of a publication in its channel's stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamPosition {
    pub offset: Option<u64>,
    pub epoch: Option<String>,
}

/// One publication in a batch.
#[derive(Debug, Clone)]
pub struct Publication {
    pub channel: String,
    /// The `data` field, already JSON.
    pub data: Value,
    pub idempotency_key: Option<String>,
    pub skip_history: bool,
}

/// A client of one Centrifugo node's server API.
#[derive(Clone)]
pub struct ApiClient {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client for `config.url`, or `None` when realtime is off (no URL).
    pub fn from_config(config: &CentrifugoConfig) -> Option<ApiClient> {
        if config.url.trim().is_empty() {
            return None;
        }
        Some(ApiClient::new(
            &config.url,
            config.api_key.expose(),
            config.api_timeout.get(),
        ))
    }

    pub fn new(url: &str, key: &str, timeout: Duration) -> ApiClient {
        let base = url
            .trim_end_matches('/')
            .trim_end_matches("/api")
            .to_string();
        ApiClient {
            base,
            key: key.to_string(),
            http: super::http_client(timeout),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Calls `/api/{method}` and returns its `result` (or the whole body for `batch`).
    pub async fn call(&self, method: &str, params: &Value) -> Result<Value, ApiFailure> {
        let response = self
            .http
            .post(format!("{}/api/{method}", self.base))
            .header("X-API-Key", &self.key)
            .json(params)
            .send()
            .await
            .map_err(|e| ApiFailure::Transport(describe(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(ApiFailure::Unauthorized);
        }
        let body = response
            .text()
            .await
            .map_err(|e| ApiFailure::Transport(describe(&e)))?;
        if !status.is_success() {
            return Err(ApiFailure::Transport(format!(
                "HTTP {status}: {}",
                body.trim()
            )));
        }
        let value: Value = serde_json::from_str(&body)
            .map_err(|_| ApiFailure::Transport(format!("not JSON: {}", truncate(&body))))?;
        if let Some(error) = value.get("error") {
            return Err(api_error(error));
        }
        Ok(value.get("result").cloned().unwrap_or(value))
    }

    /// Publishes in one `/api/batch` call, in order; one result per publication.
    pub async fn publish_batch(
        &self,
        items: &[Publication],
    ) -> Result<Vec<Result<StreamPosition, ApiFailure>>, ApiFailure> {
        let commands: Vec<Value> = items
            .iter()
            .map(|p| json!({ "publish": publish_params(p) }))
            .collect();
        let body = self
            .call("batch", &json!({ "commands": commands, "parallel": false }))
            .await?;
        let replies = body
            .get("replies")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ApiFailure::Transport(format!(
                    "batch answer without replies: {}",
                    truncate(&body.to_string())
                ))
            })?;
        if replies.len() != items.len() {
            return Err(ApiFailure::Transport(format!(
                "batch answered {} of {} commands",
                replies.len(),
                items.len()
            )));
        }
        Ok(replies
            .iter()
            .map(|reply| match reply.get("error") {
                Some(error) => Err(api_error(error)),
                None => Ok(position(reply.get("publish").unwrap_or(&Value::Null))),
            })
            .collect())
    }

    /// Publishes one publication.
    pub async fn publish(&self, item: &Publication) -> Result<StreamPosition, ApiFailure> {
        self.call("publish", &publish_params(item))
            .await
            .map(|r| position(&r))
    }

    /// Number of connected clients in `channel` (needs presence on the channel).
    pub async fn presence_clients(&self, channel: &str) -> Result<u64, ApiFailure> {
        let result = self
            .call("presence_stats", &json!({ "channel": channel }))
            .await?;
        Ok(result
            .get("num_clients")
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    /// Connected clients per channel, in one `/api/batch` call.
    pub async fn presence_batch(
        &self,
        channels: &[String],
    ) -> Result<Vec<Result<u64, ApiFailure>>, ApiFailure> {
        let commands: Vec<Value> = channels
            .iter()
            .map(|c| json!({ "presence_stats": { "channel": c } }))
            .collect();
        let body = self
            .call("batch", &json!({ "commands": commands, "parallel": true }))
            .await?;
        let replies = body
            .get("replies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if replies.len() != channels.len() {
            return Err(ApiFailure::Transport(format!(
                "batch answered {} of {} commands",
                replies.len(),
                channels.len()
            )));
        }
        Ok(replies
            .iter()
            .map(|reply| match reply.get("error") {
                Some(error) => Err(api_error(error)),
                None => Ok(reply
                    .pointer("/presence_stats/num_clients")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)),
            })
            .collect())
    }

    /// `info`: the nodes and their versions.
    pub async fn info(&self) -> Result<Value, ApiFailure> {
        self.call("info", &json!({})).await
    }
}

fn publish_params(p: &Publication) -> Value {
    let mut params = json!({ "channel": p.channel, "data": p.data });
    if let Some(key) = &p.idempotency_key {
        params["idempotency_key"] = json!(key);
    }
    if p.skip_history {
        params["skip_history"] = json!(true);
    }
    params
}

fn position(result: &Value) -> StreamPosition {
    StreamPosition {
        offset: result.get("offset").and_then(Value::as_u64),
        epoch: result
            .get("epoch")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

fn api_error(error: &Value) -> ApiFailure {
    ApiFailure::Api {
        code: error.get("code").and_then(Value::as_u64).unwrap_or(0) as u32,
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        e.to_string()
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(200).collect()
}

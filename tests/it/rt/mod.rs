//! Harness for the embedded realtime server: a TestApp with the server API key set and the
//! background tasks (outbox relay, presence) running, and a raw WebSocket client that shows
//! exactly what the server writes: each frame split into its newline-separated messages, and
//! the close code and reason.

pub mod scripts;
pub mod transcript;
pub mod ws;

use std::time::Duration;

use chatctl::config::{Config, Secret};
use serde_json::{Value, json};

use crate::common::TestApp;

pub const API_KEY: &str = "integration-api-key";

/// A TestApp with the embedded realtime server fully running.
pub struct Rt {
    pub app: TestApp,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Rt {
    pub async fn spawn() -> Rt {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Rt {
        let app = TestApp::spawn_with(|c| {
            c.centrifugo.api_key = Secret::new(API_KEY);
            c.presence.sweep_every = chatctl::config::Duration(Duration::from_millis(200));
            tweak(c);
        })
        .await;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let _tasks = app.service.spawn_background(rx);
        Rt { app, stop }
    }

    /// `ws://.../connection/websocket`.
    pub fn ws_url(&self) -> String {
        format!(
            "{}/connection/websocket",
            self.app.base.replacen("http", "ws", 1)
        )
    }

    /// A connection token from GET /api/update-centrifugo-token, as an app gets it.
    pub async fn connection_token(&self, api_token: &str) -> String {
        let (_, body) = self
            .app
            .get("/api/update-centrifugo-token", api_token)
            .await;
        body["centrifugo_token"]
            .as_str()
            .expect("a token")
            .to_string()
    }

    /// A subscription token from GET /api/centrifugo/subscription-token.
    pub async fn subscription_token(&self, api_token: &str, channel: &str) -> String {
        let (status, body) = self
            .app
            .get(
                &format!("/api/centrifugo/subscription-token?channel={channel}"),
                api_token,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("a token").to_string()
    }

    /// A connected client for the user behind `api_token`.
    pub async fn client(&self, api_token: &str) -> (ws::Ws, Value) {
        let mut c = ws::Ws::open(&self.ws_url()).await;
        let token = self.connection_token(api_token).await;
        let reply = c
            .call(json!({"id": 1, "connect": {"token": token, "name": "it"}}))
            .await;
        (c, reply)
    }

    /// Subscribes `c` to `channel` with a token from the API; returns the subscribe result.
    pub async fn subscribe(
        &self,
        c: &mut ws::Ws,
        api_token: &str,
        channel: &str,
        id: u64,
    ) -> Value {
        let token = self.subscription_token(api_token, channel).await;
        let reply = c
            .call(json!({"id": id, "subscribe": {"channel": channel, "token": token}}))
            .await;
        reply["subscribe"].clone()
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

//! A minimal Centrifugo client (protocol v2, JSON over WebSocket), as a browser app would
//! connect: used by `chatctl subscribe` and `chatctl centrifugo check`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Something the server sent that the caller cares about.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A publication on a subscribed channel.
    Publication {
        channel: String,
        data: Value,
        offset: Option<u64>,
    },
    /// The server closed the connection.
    Closed { code: u16, reason: String },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },
    #[error("Centrifugo closed the connection: {code} {reason}")]
    Closed { code: u16, reason: String },
    #[error("Centrifugo error {code}: {message}")]
    Refused { code: u64, message: String },
    #[error("no answer from Centrifugo within {0:?}")]
    Timeout(Duration),
    #[error("protocol: {0}")]
    Protocol(String),
}

/// A connected client.
pub struct Client {
    socket: Socket,
    next_id: u64,
    timeout: Duration,
    /// Pushes read while waiting for a reply, delivered by [`Client::next_event`].
    backlog: std::collections::VecDeque<Event>,
}

/// The WebSocket URL of a Centrifugo base URL: `http://h:8000` → `ws://h:8000/connection/websocket`.
pub fn websocket_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = base
        .strip_prefix("https://")
        .map(|rest| format!("wss://{rest}"))
        .or_else(|| {
            base.strip_prefix("http://")
                .map(|rest| format!("ws://{rest}"))
        })
        .unwrap_or_else(|| base.to_string());
    if base.ends_with("/connection/websocket") {
        base
    } else {
        format!("{base}/connection/websocket")
    }
}

impl Client {
    /// Opens the socket and sends `connect` with the token; returns the client's id.
    pub async fn connect(
        url: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<(Client, String), ClientError> {
        let (socket, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| ClientError::Timeout(timeout))?
            .map_err(|e| ClientError::Connect {
                url: url.to_string(),
                cause: e.to_string(),
            })?;
        let mut client = Client {
            socket,
            next_id: 0,
            timeout,
            backlog: Default::default(),
        };
        let reply = client
            .command("connect", json!({ "token": token, "name": "chatctl" }))
            .await?;
        let id = reply
            .get("client")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((client, id))
    }

    /// Subscribes to a channel, with a subscription token or none.
    pub async fn subscribe(
        &mut self,
        channel: &str,
        token: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut params = json!({ "channel": channel });
        if let Some(token) = token {
            params["token"] = json!(token);
        }
        self.command("subscribe", params).await
    }

    /// Sends one command and waits for its reply, keeping pushes for later.
    async fn command(&mut self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.next_id += 1;
        let id = self.next_id;
        let frame = json!({ "id": id, method: params }).to_string();
        self.socket
            .send(Frame::text(frame))
            .await
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let replies = tokio::time::timeout_at(deadline, self.read_frame())
                .await
                .map_err(|_| ClientError::Timeout(self.timeout))??;
            for reply in replies {
                if reply.get("id").and_then(Value::as_u64) == Some(id) {
                    if let Some(error) = reply.get("error") {
                        return Err(ClientError::Refused {
                            code: error.get("code").and_then(Value::as_u64).unwrap_or(0),
                            message: error
                                .get("message")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .into(),
                        });
                    }
                    return Ok(reply.get(method).cloned().unwrap_or(Value::Null));
                }
                self.note(&reply);
            }
        }
    }

    /// The next publication or close, answering server pings on the way.
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                return Ok(event);
            }
            match self.read_frame().await {
                Ok(replies) => {
                    for reply in replies {
                        self.note(&reply);
                    }
                }
                Err(ClientError::Closed { code, reason }) => {
                    return Ok(Event::Closed { code, reason });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Keeps pushes; ignores everything else.
    fn note(&mut self, reply: &Value) {
        let Some(push) = reply.get("push") else {
            return;
        };
        let channel = push
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(publication) = push.get("pub") {
            self.backlog.push_back(Event::Publication {
                channel,
                data: publication.get("data").cloned().unwrap_or(Value::Null),
                offset: publication.get("offset").and_then(Value::as_u64),
            });
        }
    }

    /// Reads one WebSocket frame: newline-separated replies. Answers pings (`{}`) with pongs.
    async fn read_frame(&mut self) -> Result<Vec<Value>, ClientError> {
        loop {
            let frame = self.socket.next().await.ok_or(ClientError::Closed {
                code: 1006,
                reason: "connection lost".into(),
            })?;
            let text = match frame.map_err(|e| ClientError::Protocol(e.to_string()))? {
                Frame::Text(text) => text.to_string(),
                Frame::Close(close) => {
                    let (code, reason) = close.map_or((1005, String::new()), |c| {
                        (u16::from(c.code), c.reason.to_string())
                    });
                    return Err(ClientError::Closed { code, reason });
                }
                _ => continue,
            };
            let mut replies = Vec::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let value: Value =
                    serde_json::from_str(line).map_err(|e| ClientError::Protocol(e.to_string()))?;
                if value.as_object().is_some_and(|o| o.is_empty()) {
                    // A server ping: answer with a pong.
                    self.socket
                        .send(Frame::text("{}"))
                        .await
                        .map_err(|e| ClientError::Protocol(e.to_string()))?;
                    continue;
                }
                replies.push(value);
            }
            return Ok(replies);
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn websocket_urls_derive_from_http_urls() {
        assert_eq!(
            super::websocket_url("http://127.0.0.1:8000"),
            "ws://127.0.0.1:8000/connection/websocket"
        );
        assert_eq!(
            super::websocket_url("https://rt.example/"),
            "wss://rt.example/connection/websocket"
        );
        assert_eq!(
            super::websocket_url("ws://h/connection/websocket"),
            "ws://h/connection/websocket"
        );
    }
}

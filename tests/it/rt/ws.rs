//! A raw client of the Centrifugo protocol for tests: sends text frames, reads messages one
//! by one (splitting newline-batched frames), and reports how the server closed.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What the server did next.
#[derive(Debug, Clone, PartialEq)]
pub enum Got {
    /// One message (a reply, push or ping).
    Msg(Value),
    /// The server closed with this code and reason.
    Closed(u16, String),
    /// Nothing within the wait.
    Nothing,
}

pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<Value>,
    /// Raw frames as received, for tests of batching.
    pub frames: Vec<String>,
}

impl Ws {
    pub async fn open(url: &str) -> Ws {
        Self::open_with(url, &[]).await.expect("WebSocket upgrade")
    }

    /// Opens with extra request headers; `Err(status)` when the upgrade was refused.
    pub async fn open_with(url: &str, headers: &[(&str, &str)]) -> Result<Ws, u16> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => Ok(Ws {
                socket,
                pending: VecDeque::new(),
                frames: Vec::new(),
            }),
            Err(Error::Http(response)) => Err(response.status().as_u16()),
            Err(e) => panic!("connect: {e}"),
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.unwrap();
    }

    pub async fn send(&mut self, command: Value) {
        self.send_text(&command.to_string()).await;
    }

    /// The next message, or how the connection ended, within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Got {
        if let Some(v) = self.pending.pop_front() {
            return Got::Msg(v);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Got::Nothing,
                Ok(None) => return Got::Closed(1006, String::new()),
                Ok(Some(Err(_))) => return Got::Closed(1006, String::new()),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                Message::Text(text) => {
                    self.frames.push(text.to_string());
                    for line in text.split('\n') {
                        self.pending.push_back(serde_json::from_str(line).unwrap());
                    }
                    return Got::Msg(self.pending.pop_front().unwrap());
                }
                Message::Close(close) => {
                    return close.map_or(Got::Closed(1005, String::new()), |c| {
                        Got::Closed(u16::from(c.code), c.reason.to_string())
                    });
                }
                _ => {}
            }
        }
    }

    /// The next message that is not a ping, within 5 s.
    pub async fn msg(&mut self) -> Value {
        loop {
            match self.next(Duration::from_secs(5)).await {
                Got::Msg(v) if v.as_object().is_some_and(|o| o.is_empty()) => continue,
                Got::Msg(v) => return v,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Sends a command and returns the next message (its reply, in these tests).
    pub async fn call(&mut self, command: Value) -> Value {
        self.send(command).await;
        self.msg().await
    }

    /// Waits for the server to close; returns (code, reason).
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            match self.next(Duration::from_secs(5)).await {
                Got::Closed(code, reason) => return (code, reason),
                Got::Msg(_) => continue,
                Got::Nothing => panic!("the server did not close the connection"),
            }
        }
    }
}

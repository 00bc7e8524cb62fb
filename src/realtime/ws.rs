//! `GET /connection/websocket`: the WebSocket upgrade (origin check, JSON protocol only) and
//! one task per connection. The task reads frames into the [`Session`], sleeps until the
//! session's next deadline, and writes whatever was queued as one frame per wake-up. Buffers
//! are small on purpose (1 KiB read, no write buffer): an idle connection costs a few KB.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::conn::{Conn, Next};
use super::hub::Hub;
use super::protocol::{self, Disconnect};
use super::session::Session;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Largest frame the writer builds from queued messages.
const MAX_FRAME: usize = 64 * 1024;
/// A client that takes longer to accept a frame is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

fn header(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

/// The upgrade handler.
pub async fn upgrade(State(hub): State<Hub>, mut req: Request) -> Response {
    let headers = req.headers();
    let is_websocket = has_token(headers, header::CONNECTION, "upgrade")
        && has_token(headers, header::UPGRADE, "websocket")
        && header(headers, header::SEC_WEBSOCKET_VERSION) == Some("13");
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return (StatusCode::BAD_REQUEST, "Bad Request").into_response();
    };
    if !is_websocket {
        return (StatusCode::BAD_REQUEST, "Bad Request").into_response();
    }
    let origin = header(headers, header::ORIGIN);
    if !hub
        .settings()
        .origins
        .allows(origin, header(headers, header::HOST))
    {
        tracing::info!(
            origin,
            "WebSocket refused: origin not allowed (realtime.allowed_origins)"
        );
        return (StatusCode::FORBIDDEN, "Forbidden").into_response();
    }
    let query = req.uri().query().unwrap_or("");
    let protobuf = query
        .split('&')
        .any(|kv| kv == "cf_protocol=protobuf" || kv == "format=protobuf")
        || (has_token(
            headers,
            header::SEC_WEBSOCKET_PROTOCOL,
            "centrifuge-protobuf",
        ) && !has_token(headers, header::SEC_WEBSOCKET_PROTOCOL, "centrifuge-json"));
    if protobuf {
        tracing::info!("WebSocket refused: the embedded server speaks the JSON protocol only");
        return (StatusCode::BAD_REQUEST, "Bad Request: JSON protocol only").into_response();
    }
    let json_protocol = has_token(headers, header::SEC_WEBSOCKET_PROTOCOL, "centrifuge-json");
    if hub.closing() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let Some(on_upgrade) = req.extensions_mut().remove::<OnUpgrade>() else {
        return (StatusCode::UPGRADE_REQUIRED, "Upgrade Required").into_response();
    };
    let settings = hub.settings();
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_message_size(Some(settings.message_size_limit))
        .max_frame_size(Some(settings.message_size_limit));
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let socket = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config),
                )
                .await;
                serve(hub, socket).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
    });
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    if json_protocol {
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("centrifuge-json"),
        );
    }
    response
}

/// Runs one connection until it ends.
async fn serve(hub: Hub, mut socket: Socket) {
    let conn = Arc::new(Conn::new(hub.settings().queue_max_bytes));
    let mut session = Session::new(hub, conn.clone());
    let sleep = tokio::time::sleep_until(session.deadline().into());
    tokio::pin!(sleep);
    let reason: Option<Disconnect> = loop {
        if let Err(reason) = flush(&mut socket, &conn).await {
            break reason;
        }
        sleep.as_mut().reset(session.deadline().into());
        tokio::select! {
            biased;
            message = socket.next() => {
                let flow = match message {
                    Some(Ok(Message::Text(text))) => session.frame(text.as_str()),
                    Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                        Ok(text) => session.frame(text),
                        Err(_) => Err(protocol::BAD_REQUEST_DISCONNECT),
                    },
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Ok(_)) => Ok(()),
                    Some(Err(WsError::Capacity(_))) => Err(protocol::MESSAGE_TOO_BIG),
                    Some(Err(_)) => break None,
                };
                if let Err(reason) = flow {
                    break Some(reason);
                }
            }
            () = conn.woken() => {}
            () = &mut sleep => {
                if let Err(reason) = session.tick(tokio::time::Instant::now().into()) {
                    break Some(reason);
                }
            }
        }
    };
    session.finish();
    if let Some(reason) = reason {
        // What was queued before the reason goes out first (e.g. the reply to the last
        // good command), then the close frame.
        let _ = flush(&mut socket, &conn).await;
        close(socket, reason).await;
    }
}

/// Writes everything queued, one frame per batch. `Err` ends the connection (with a close
/// frame when it carries a reason).
async fn flush(socket: &mut Socket, conn: &Conn) -> Result<(), Option<Disconnect>> {
    loop {
        match conn.next(MAX_FRAME) {
            Next::Frame(frame) => {
                match tokio::time::timeout(WRITE_TIMEOUT, socket.send(Message::text(frame))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return Err(None),
                    Err(_) => return Err(Some(protocol::WRITE_ERROR)),
                }
            }
            Next::Close(reason) => return Err(Some(reason)),
            Next::Idle => return Ok(()),
        }
    }
}

/// Sends the close frame and waits briefly for the client's. What the client still sends is
/// read and dropped (even after a frame too big to parse): closing a socket with unread
/// input resets it, and the client would never see the close code.
async fn close(mut socket: Socket, reason: Disconnect) {
    use tokio::io::AsyncReadExt;
    let frame = CloseFrame {
        code: CloseCode::from(reason.code),
        reason: reason.reason.into(),
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        if socket.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
        let mut sink = [0u8; 1024];
        while matches!(socket.get_mut().read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

//! The clients of `chatctl bench-ws`: each connects (and subscribes), then answers pings
//! and, in the fan-out group, reports when each publication arrived.

use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{FANOUT, SECRET};
use crate::auth::{self, realtime::Claims};

/// Opens one client: connect, subscribe, then answer pings (and report publications) until
/// `stop`.
async fn client(
    url: String,
    user: i64,
    channel: Option<String>,
    arrivals: Option<mpsc::UnboundedSender<(u64, Instant)>>,
    mut stop: watch::Receiver<bool>,
    opened: tokio::sync::oneshot::Sender<anyhow::Result<()>>,
) {
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let now = auth::now_secs();
    let connect = Claims::connection(user, 3600, now)
        .sign(SECRET)
        .unwrap_or_default();
    let mut frame = json!({"id": 1, "connect": {"token": connect}}).to_string();
    if let Some(channel) = &channel {
        let token = Claims::subscription(user, channel, 3600, now)
            .sign(SECRET)
            .unwrap_or_default();
        frame.push('\n');
        frame.push_str(
            &json!({"id": 2, "subscribe": {"channel": channel, "token": token}}).to_string(),
        );
    }
    let expected = if channel.is_some() { 2 } else { 1 };
    let setup = async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false).await?;
        ws.send(Message::text(frame)).await?;
        let mut replies = 0;
        while replies < expected {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.contains("\"error\"") => bail!("refused: {t}"),
                Some(Ok(Message::Text(t))) => replies += t.split('\n').count(),
                Some(Ok(_)) => {}
                _ => bail!("closed during setup"),
            }
        }
        Ok(ws)
    };
    let mut ws = match setup.await {
        Ok(ws) => {
            let _ = opened.send(Ok(()));
            ws
        }
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let received = Instant::now();
                    for line in text.split('\n') {
                        if line == "{}" {
                            let _ = ws.send(Message::text("{}")).await;
                        } else if let (Some(tx), Ok(v)) = (&arrivals, serde_json::from_str::<Value>(line))
                            && let Some(seq) = v.pointer("/push/pub/data/seq").and_then(Value::as_u64)
                        {
                            let _ = tx.send((seq, received));
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            _ = stop.changed() => return,
        }
    }
}

/// Opens `n` clients, 200 at a time; fails on the first that cannot connect.
pub(super) async fn open_clients(
    url: &str,
    n: usize,
    subscribe: bool,
    fanout: Option<&mpsc::UnboundedSender<(u64, Instant)>>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let gate = Arc::new(Semaphore::new(200));
    let mut waits = Vec::with_capacity(n);
    for i in 0..n {
        let permit = gate.clone().acquire_owned().await?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (user, channel) = match fanout {
            Some(_) => (0, Some(FANOUT.to_string())),
            None => (
                i as i64 + 1,
                subscribe.then(|| format!("user-{}-chats", i + 1)),
            ),
        };
        tokio::spawn(client(
            url.to_string(),
            user,
            channel,
            fanout.cloned(),
            stop.clone(),
            tx,
        ));
        waits.push(tokio::spawn(async move {
            let result = rx
                .await
                .unwrap_or_else(|_| Err(anyhow::anyhow!("client task ended")));
            drop(permit);
            result
        }));
    }
    for wait in waits {
        wait.await??;
    }
    Ok(())
}

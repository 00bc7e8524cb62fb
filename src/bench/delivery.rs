//! The delivery row: WebSocket clients subscribed to one chat's channel, messages POSTed at a
//! steady rate, and the time from each POST's response to each client's receipt.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use super::http::{Conn, Target};
use super::measure::Tokens;
use super::probes;
use super::seed;
use super::server::CentrifugoKeys;
use super::stats::{Summary, micros};
use crate::auth::realtime::Claims;
use crate::centrifugo::client::{Client, Event, websocket_url};

/// POST → client latency.
#[derive(Debug, Clone, Default)]
pub struct DeliveryResult {
    /// Latency from each POST's response to each subscriber's receipt.
    pub summary: Summary,
    /// The same, measured from sending the POST.
    pub from_send: Summary,
    pub sent: u64,
    pub post_errors: u64,
    pub expected: u64,
    pub lost: u64,
    /// Deliveries that arrived before the POST's response (counted as 0 ms).
    pub early: u64,
    pub connect_seconds: f64,
    /// CPU of the watched processes while messages flowed.
    pub cpu: String,
}

/// How many subscribers listen, and how many POSTs per second for how long.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryLoad {
    pub subscribers: usize,
    pub rate: f64,
    pub duration: Duration,
}

/// Connects `subscribers` clients to the realtime chat's channel, then POSTs `rate`
/// messages per second for `duration` and matches each publication to its POST.
pub async fn delivery(
    api: &Target,
    keys: &CentrifugoKeys,
    tokens: &Tokens,
    load: &DeliveryLoad,
    watch: &[(&'static str, u32)],
    clock_ticks: u64,
) -> anyhow::Result<DeliveryResult> {
    let DeliveryLoad {
        subscribers,
        rate,
        duration,
    } = *load;
    let channel = format!("user-{}-messages", seed::REALTIME_CHAT);
    let url = websocket_url(&keys.url);
    let (tx, mut rx) = mpsc::unbounded_channel::<(i64, Instant)>();
    let gate = Arc::new(Semaphore::new(64));
    let connecting = Instant::now();
    let now = crate::auth::now_secs();
    let mut connects = Vec::with_capacity(subscribers);
    for i in 0..subscribers {
        let user = 1 + (i as i64 % seed::USERS);
        let connection = Claims::connection(user, 3600, now)
            .sign(&keys.secret)
            .map_err(anyhow::Error::msg)?;
        let subscription = Claims::subscription(user, &channel, 3600, now)
            .sign(&keys.secret)
            .map_err(anyhow::Error::msg)?;
        let (url, channel, gate) = (url.clone(), channel.clone(), gate.clone());
        connects.push(tokio::spawn(async move {
            let _permit = gate.acquire().await;
            let (mut client, _) =
                Client::connect(&url, &connection, Duration::from_secs(10)).await?;
            client.subscribe(&channel, Some(&subscription)).await?;
            Ok::<Client, crate::centrifugo::client::ClientError>(client)
        }));
    }
    let mut listeners = Vec::with_capacity(subscribers);
    for connect in connects {
        let mut client = connect
            .await?
            .context("connecting a subscriber to Centrifugo")?;
        let tx = tx.clone();
        listeners.push(tokio::spawn(async move {
            while let Ok(Event::Publication { data, .. }) = client.next_event().await {
                if let Some(id) = message_id(&data) {
                    let _ = tx.send((id, Instant::now()));
                }
            }
        }));
    }
    drop(tx);
    let connect_seconds = connecting.elapsed().as_secs_f64();

    let (a, b) = seed::REALTIME_PAIR;
    let path = format!("/api/chats/{}/messages", seed::REALTIME_CHAT);
    let mut conn = Conn::new(api.addr);
    let mut posts: HashMap<i64, (Instant, Instant)> = HashMap::new();
    let mut post_errors = 0;
    let flowing = Instant::now();
    let cpu_before = probes::snapshot(watch);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    let end = Instant::now() + duration;
    let mut n = 0u64;
    while Instant::now() < end {
        ticker.tick().await;
        n += 1;
        // Both members take turns, as in a conversation.
        let token = tokens.get(if n.is_multiple_of(2) { a } else { b });
        let body = format!(r#"{{"text":"realtime probe {n}"}}"#);
        let sent = Instant::now();
        match conn.send(api.post_json(&path, token, body)).await {
            Ok(reply) if reply.status.is_success() => {
                let responded = Instant::now();
                match serde_json::from_slice::<Value>(&reply.body)
                    .ok()
                    .and_then(|v| v["id"].as_i64())
                {
                    Some(id) => {
                        posts.insert(id, (sent, responded));
                    }
                    None => post_errors += 1,
                }
            }
            _ => post_errors += 1,
        }
    }
    let expected = posts.len() as u64 * subscribers as u64;
    let mut from_response = Vec::with_capacity(expected as usize);
    let mut from_send = Vec::with_capacity(expected as usize);
    let mut early = 0;
    let grace = Instant::now() + Duration::from_secs(5);
    while (from_response.len() as u64) < expected {
        let Ok(Some((id, at))) = tokio::time::timeout_at(grace, rx.recv()).await else {
            break;
        };
        if let Some((sent, responded)) = posts.get(&id) {
            if at < *responded {
                early += 1;
            }
            from_response.push(micros(at.saturating_duration_since(*responded)));
            from_send.push(micros(at.saturating_duration_since(*sent)));
        }
    }
    let cpu = probes::shares(
        &cpu_before,
        &probes::snapshot(watch),
        flowing.elapsed().as_secs_f64(),
        clock_ticks,
    );
    for listener in listeners {
        listener.abort();
    }
    let received = from_response.len() as u64;
    let seconds = duration.as_secs_f64();
    Ok(DeliveryResult {
        summary: Summary::from_samples(from_response, expected - received, seconds),
        from_send: Summary::from_samples(from_send, 0, seconds),
        sent: posts.len() as u64,
        post_errors,
        expected,
        lost: expected - received,
        early,
        connect_seconds,
        cpu,
    })
}

/// The message id in a publication's data: the core publishes the message as a JSON string.
pub fn message_id(data: &Value) -> Option<i64> {
    match data {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .ok()?
            .get("id")?
            .as_i64(),
        other => other.get("id")?.as_i64(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn message_ids_come_from_string_encoded_data() {
        let data = json!(json!({"id": 42, "text": "hi"}).to_string());
        assert_eq!(super::message_id(&data), Some(42));
        assert_eq!(super::message_id(&json!({"id": 7})), Some(7));
        assert_eq!(super::message_id(&json!("not json")), None);
    }
}

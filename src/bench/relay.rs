//! The relay row: how fast the outbox relay drains a backlog of publications to a real
//! Centrifugo's `/api/batch`, timed from the bench's own connection to the database.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::rows::{self, V};
use super::seed;
use crate::db::Db;
use crate::model;

/// How the relay drained a backlog.
#[derive(Debug, Clone, Default)]
pub struct RelayResult {
    pub events: u64,
    /// Events per second between the first batch seen gone and the empty outbox.
    pub per_sec: f64,
    /// From releasing the backlog to the first batch gone (the relay's idle wake-up).
    pub wake_ms: f64,
    pub seconds: f64,
    pub dead: u64,
    pub left: u64,
}

/// Writes `events` due publications to the outbox at once (inserted with a far-off due time,
/// then released by one update) and times the relay until they are gone.
pub async fn relay(db: &Db, events: usize, timeout: Duration) -> anyhow::Result<RelayResult> {
    let before: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from outbox")
        .fetch_one(db.pool())
        .await?;
    let now = model::now_ms();
    let parked = now + 86_400_000;
    let batch: Vec<Vec<V>> = (0..events as i64)
        .map(|i| {
            let chat = 1 + i % seed::PAIRS;
            let message = serde_json::json!({
                "id": 10_000_000 + i, "chat_id": chat, "text": format!("relay event {i}"),
                "user": {"id": seed::members(chat).0, "name": "Bench User", "email": "", "avatar": null,
                         "is_online": true, "last_seen_at": null},
                "was_read": false, "timestamp": "12:00", "created_at": "2026-01-01T12:00:00Z"
            });
            // As the core stores a publish row: the data is a JSON string holding the JSON.
            let payload = Value::String(message.to_string()).to_string();
            vec![
                V::T(format!("user-{chat}-messages")),
                V::T("publish".into()),
                V::T(payload),
                V::I(now),
                V::I(parked),
            ]
        })
        .collect();
    let mut tx = db.pool().begin().await?;
    let columns = [
        "channel",
        "kind",
        "payload",
        "created_at",
        "next_attempt_at",
    ];
    rows::insert_rows(&mut tx, db.backend(), "outbox", &columns, &batch).await?;
    tx.commit().await?;
    let count = |state: i64| {
        sqlx::query_scalar::<_, i64>("select count(*) from outbox where id > $1 and state = $2")
            .bind(before)
            .bind(state)
    };
    let released = Instant::now();
    sqlx::query("update outbox set next_attempt_at = $1 where id > $2 and next_attempt_at = $3")
        .bind(model::now_ms())
        .bind(before)
        .bind(parked)
        .execute(db.pool())
        .await?;
    let total = events as i64;
    // Polled every 10 ms, so it must be cheap: the lowest pending id is one step along the
    // primary key (the relay deletes in id order), where counting 50,000 rows would take a
    // good part of the CPU the relay is measured on. Exact counts only at the two ends.
    let lowest_pending = || {
        sqlx::query_scalar::<_, Option<i64>>(
            "select min(id) from outbox where id > $1 and state = 0",
        )
        .bind(before)
    };
    let mut first: Option<(Instant, i64)> = None;
    let mut left = total;
    while left > 0 && released.elapsed() < timeout {
        tokio::time::sleep(Duration::from_millis(10)).await;
        match lowest_pending().fetch_one(db.pool()).await? {
            None => left = 0,
            Some(lowest) if first.is_none() && lowest > before + 1 => {
                left = count(0).fetch_one(db.pool()).await?;
                first = Some((Instant::now(), left));
            }
            Some(_) => {}
        }
    }
    if left > 0 {
        left = count(0).fetch_one(db.pool()).await?;
    }
    let end = Instant::now();
    let dead = count(1).fetch_one(db.pool()).await? as u64;
    if left > 0 {
        // What the relay did not drain in time would keep it busy during the next row.
        sqlx::query("delete from outbox where id > $1 and id <= $2")
            .bind(before)
            .bind(before + total)
            .execute(db.pool())
            .await?;
    }
    let (per_sec, wake_ms) = match first {
        Some((at, remaining)) if end > at => (
            (remaining - left) as f64 / (end - at).as_secs_f64(),
            (at - released).as_secs_f64() * 1000.0,
        ),
        _ => (0.0, 0.0),
    };
    Ok(RelayResult {
        events: events as u64,
        per_sec,
        wake_ms,
        seconds: (end - released).as_secs_f64(),
        dead,
        left: left as u64,
    })
}

//! The outbox relay: drains the outbox to the realtime server (Centrifugo's `/api/batch`,
//! or the embedded server in-process), in id order, with an idempotency key per publication. Retryable failures back off exponentially with jitter;
//! the rest become dead letters with their reason. No database connection is held while
//! Centrifugo is called: rows are leased, published, then settled.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rand::Rng;
use serde_json::Value;

use super::Service;
use super::events::data_value;
use crate::centrifugo::api::Publication;
use crate::db::outbox::{self, KIND_CHAT_LIST, OutboxRow};
use crate::error::Result;
use crate::model;
use crate::realtime::Realtime;

/// What happened to the rows of one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub published: usize,
    pub retried: usize,
    pub dead: usize,
}

impl PassReport {
    pub fn rows(&self) -> usize {
        self.published + self.retried + self.dead
    }
}

/// One publication and the outbox rows it settles (chat-list rows of one user coalesce).
struct Pending {
    publication: Publication,
    rows: Vec<OutboxRow>,
}

impl Service {
    /// Runs the relay until `stop` turns true.
    pub async fn run_relay(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let signal = self.outbox_signal();
        let realtime = self.realtime().clone();
        let mut failing_passes: i64 = 0;
        let mut last_warning: Option<tokio::time::Instant> = None;
        while !*stop.borrow() {
            let (idle, failed) = match self.relay_pass(&realtime).await {
                Ok(report) => (
                    report.rows() == 0,
                    report.retried > 0 && report.published == 0,
                ),
                Err(e) => {
                    tracing::debug!(error = %e, "outbox relay pass failed");
                    (true, true)
                }
            };
            failing_passes = if failed { failing_passes + 1 } else { 0 };
            if failed {
                // One warning per 10 s while Centrifugo stays unreachable, not one per pass.
                if last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                    tracing::warn!(
                        passes = failing_passes,
                        "outbox relay: Centrifugo is failing; events wait in the outbox"
                    );
                    last_warning = Some(tokio::time::Instant::now());
                }
                // Back off the whole loop too: new commits must not turn it into a busy loop.
                tokio::select! {
                    () = tokio::time::sleep(self.backoff(failing_passes.min(8))) => {}
                    _ = stop.changed() => {}
                }
            } else if idle {
                if last_warning.take().is_some() {
                    tracing::info!("outbox relay: Centrifugo is back; delivering");
                }
                tokio::select! {
                    () = signal.notified() => {}
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Claims one batch of due rows and publishes it.
    pub async fn relay_pass(&self, realtime: &Realtime) -> Result<PassReport> {
        let config = self.config();
        let now = model::now_ms();
        let lease = 2 * config.centrifugo.api_timeout.get().as_millis() as i64 + 5_000;
        let rows = outbox::claim(
            self.db().pool(),
            self.db().backend(),
            now,
            now + lease,
            config.relay.batch_size,
        )
        .await?;
        if rows.is_empty() {
            return Ok(PassReport::default());
        }
        let (pending, unknown) = self.prepare(rows).await?;
        let mut report = PassReport::default();
        let publications: Vec<Publication> =
            pending.iter().map(|p| p.publication.clone()).collect();
        let outcomes = if publications.is_empty() {
            Vec::new()
        } else {
            match realtime.publish_batch(&publications).await {
                Ok(results) => results,
                Err(failure) => vec![Err(failure); publications.len()],
            }
        };
        // Settled after the call, in a transaction of its own: nothing is held across it.
        let mut tx = self.db().begin_write().await?;
        let mut delivered = Vec::with_capacity(pending.len());
        // Failed rows are settled a statement per (attempts, reason), not per row: after a
        // refused batch of thousands, per-row updates held the write lock that long.
        let mut retries: BTreeMap<(i64, String), Vec<i64>> = BTreeMap::new();
        let mut dead: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        if !unknown.is_empty() {
            let reason = "the user of this chat list no longer exists".to_string();
            dead.entry(reason)
                .or_default()
                .extend(unknown.iter().map(|r| r.id));
        }
        for (item, outcome) in pending.iter().zip(outcomes) {
            for row in &item.rows {
                match &outcome {
                    Ok(_) => delivered.push(row.id),
                    Err(failure) if failure.retryable() => retries
                        .entry((row.attempts, failure.to_string()))
                        .or_default()
                        .push(row.id),
                    Err(failure) => dead.entry(failure.to_string()).or_default().push(row.id),
                }
            }
        }
        for ((attempts, reason), ids) in &retries {
            let at = model::now_ms() + self.backoff(*attempts).as_millis() as i64;
            outbox::retry_later(&mut tx, ids, at, reason).await?;
            report.retried += ids.len();
        }
        for (reason, ids) in &dead {
            outbox::bury(&mut tx, ids, reason).await?;
            report.dead += ids.len();
        }
        report.published = delivered.len();
        outbox::delete(&mut tx, &delivered).await?;
        tx.commit().await?;
        if report.dead > 0 {
            tracing::warn!(
                dead = report.dead,
                "outbox relay: publications refused for good (dead letters)"
            );
        }
        Ok(report)
    }

    /// Turns rows into publications, rendering chat lists now (they are snapshots, so the
    /// freshest state is the right one; all of a pass's lists with a fixed number of
    /// statements) and coalescing several rows of one list.
    async fn prepare(&self, rows: Vec<OutboxRow>) -> Result<(Vec<Pending>, Vec<OutboxRow>)> {
        let mut owners: Vec<i64> = rows
            .iter()
            .filter(|row| row.kind == KIND_CHAT_LIST)
            .map(|row| row.payload.parse().unwrap_or(0))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let mut lists = if owners.is_empty() {
            HashMap::new()
        } else {
            self.chat_lists_of(&owners).await?
        };
        let mut pending: Vec<Pending> = Vec::with_capacity(rows.len());
        let mut list_slot: HashMap<String, usize> = HashMap::new();
        let mut unknown = Vec::new();
        for row in rows {
            if row.kind == KIND_CHAT_LIST {
                if let Some(&slot) = list_slot.get(&row.channel) {
                    pending[slot].rows.push(row);
                    continue;
                }
                let user_id: i64 = row.payload.parse().unwrap_or(0);
                let Some(list) = lists.remove(&user_id) else {
                    unknown.push(row);
                    continue;
                };
                list_slot.insert(row.channel.clone(), pending.len());
                let data = data_value(&list);
                pending.push(Pending {
                    publication: self.publication(&row, data),
                    rows: vec![row],
                });
            } else {
                let data: Value = serde_json::from_str(&row.payload)
                    .unwrap_or(Value::String(row.payload.clone()));
                pending.push(Pending {
                    publication: self.publication(&row, data),
                    rows: vec![row],
                });
            }
        }
        Ok((pending, unknown))
    }

    fn publication(&self, row: &OutboxRow, data: Value) -> Publication {
        Publication {
            channel: row.channel.clone(),
            data,
            idempotency_key: Some(format!("chatctl-outbox-{}", row.id)),
            skip_history: false,
        }
    }

    /// Exponential backoff with full jitter, between `retry_base` and `retry_max`.
    fn backoff(&self, attempts: i64) -> Duration {
        let relay = &self.config().relay;
        let base = relay.retry_base.get().as_millis().max(1) as u64;
        let cap = relay.retry_max.get().as_millis().max(1) as u64;
        let ceiling = base.saturating_mul(1u64 << attempts.clamp(0, 20)).min(cap);
        Duration::from_millis(rand::rng().random_range(base.min(ceiling)..=ceiling))
    }
}

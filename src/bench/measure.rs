//! One backend's run: scratch database, seed, then `serve` with the defaults (ceiling, reads,
//! POST), with batching off, with `synchronous=NORMAL` (SQLite), and with Centrifugo
//! (relay, delivery). Each measurement samples the server's CPU and memory from `/proc`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hyper::header::HeaderValue;
use rand::Rng;
use tokio::time::Instant;

use super::http::{Target, bearer};
use super::load::{self, MakeRequest, Spec};
use super::probes::{self, Ticks};
use super::report::Row;
use super::seed;
use super::stats::Summary;
use super::{Plan, Session};
use crate::db::users::Profile;

/// API tokens of every seeded user, ready as `Authorization` values.
pub struct Tokens(Vec<HeaderValue>);

impl Tokens {
    pub fn mint(secret: &str) -> anyhow::Result<Tokens> {
        let now = crate::auth::now_secs();
        let mut all = vec![HeaderValue::from_static("Bearer none")];
        for user in 1..=seed::LAST_USER {
            let token = crate::auth::api::mint(secret, user, &Profile::default(), 86_400, now)
                .map_err(anyhow::Error::msg)?;
            all.push(bearer(&token));
        }
        Ok(Tokens(all))
    }

    pub fn get(&self, user: i64) -> &HeaderValue {
        &self.0[user as usize]
    }
}

/// A closed-loop measurement with the server's resources over its window.
pub struct Measured {
    pub summary: Summary,
    /// Server CPU µs per successful request.
    pub cpu_us: Option<f64>,
    /// Highest server RSS seen inside the window, bytes.
    pub rss_max: u64,
    pub note: String,
}

/// Runs `make` at `concurrency` against the server `pid` and samples it.
pub async fn measure(
    session: &Session,
    target: &Target,
    pid: u32,
    concurrency: usize,
    make: MakeRequest,
) -> anyhow::Result<Measured> {
    let plan = &session.plan;
    let running = load::start(Spec {
        target: target.clone(),
        concurrency,
        warmup: plan.warmup,
        duration: plan.duration,
        make,
    })
    .await?;
    tokio::time::sleep_until(running.from).await;
    let server0 = probes::process_cpu(pid);
    let threads0 = probes::thread_cpu(pid);
    let client0 = probes::process_cpu(std::process::id());
    let pg0 = probes::named_cpu("postgres");
    let mut rss_max = 0;
    while Instant::now() < running.to {
        if let Some((rss, _)) = probes::rss(pid) {
            rss_max = rss_max.max(rss);
        }
        let next = (Instant::now() + Duration::from_millis(100)).min(running.to);
        tokio::time::sleep_until(next).await;
    }
    let server1 = probes::process_cpu(pid);
    let threads1 = probes::thread_cpu(pid);
    let client1 = probes::process_cpu(std::process::id());
    let pg1 = probes::named_cpu("postgres");
    let summary = running.finish().await;
    let per_request = |ticks: u64| {
        (summary.ok > 0)
            .then(|| ticks as f64 * 1e6 / session.clock_ticks as f64 / summary.ok as f64)
    };
    let server = server0.zip(server1).map(|(a, b)| b.since(a));
    let cpu_us = server.and_then(|t| per_request(t.total()));
    let mut notes = Vec::new();
    if let Some(t) = server.filter(|t| t.total() > 0) {
        notes.push(format!(
            "user {}% / sys {}%",
            t.user * 100 / t.total(),
            t.system * 100 / t.total()
        ));
        notes.push(thread_split(&threads0, &threads1));
    }
    if let Some(us) = client0
        .zip(client1)
        .and_then(|(a, b)| per_request(b.since(a).total()))
    {
        notes.push(format!("client {} µs/req", super::report::num(us)));
    }
    if session.backend == crate::db::Backend::Postgres
        && let Some(us) = pg0
            .zip(pg1)
            .and_then(|(a, b)| per_request(b.since(a).total()))
    {
        notes.push(format!("postgres {} µs/req", super::report::num(us)));
    }
    if summary.errors > 0 {
        notes.push(format!("errors: {}", summary.error_kinds.join("; ")));
    }
    Ok(Measured {
        summary,
        cpu_us,
        rss_max,
        note: notes.join(", "),
    })
}

/// The largest thread groups' shares of the server's CPU, e.g. `tokio-runtime-w 61%`.
fn thread_split(before: &BTreeMap<String, Ticks>, after: &BTreeMap<String, Ticks>) -> String {
    let mut used: Vec<(String, u64)> = after
        .iter()
        .map(|(name, t)| {
            let was = before.get(name).copied().unwrap_or_default();
            (name.clone(), t.since(was).total())
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let total: u64 = used.iter().map(|(_, n)| n).sum();
    used.sort_by_key(|u| std::cmp::Reverse(u.1));
    let parts: Vec<String> = used
        .iter()
        .take(3)
        .map(|(name, n)| format!("{name} {}%", n * 100 / total.max(1)))
        .collect();
    format!("threads: {}", parts.join(" "))
}

/// A measurement row.
pub fn row(name: impl Into<String>, m: &Measured) -> Row {
    Row {
        name: name.into(),
        per_sec: Some(m.summary.per_sec),
        p50_ms: m.summary.p50_ms,
        p99_ms: m.summary.p99_ms,
        errors: Some(m.summary.errors),
        cpu_us: m.cpu_us,
        note: m.note.clone(),
    }
}

/// POST message from random members of the 500 one-to-one chats.
pub fn post_messages(target: &Target, tokens: &Arc<Tokens>) -> MakeRequest {
    let (target, tokens) = (target.clone(), tokens.clone());
    Arc::new(move |rng, seq| {
        let chat = rng.random_range(1..=seed::PAIRS);
        let (a, b) = seed::members(chat);
        let sender = if rng.random_bool(0.5) { a } else { b };
        let body = format!(r#"{{"text":"bench message {seq}: a short line of chat text"}}"#);
        target.post_json(
            &format!("/api/chats/{chat}/messages"),
            tokens.get(sender),
            body,
        )
    })
}

/// The same GET again and again, as `user` (or anonymous).
pub fn get(target: &Target, tokens: &Arc<Tokens>, path: String, user: Option<i64>) -> MakeRequest {
    let (target, tokens) = (target.clone(), tokens.clone());
    Arc::new(move |_, _| target.get(&path, user.map(|u| tokens.get(u))))
}

/// Megabytes of a byte count.
pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Seeds the scratch database; returns a note on what it took.
pub async fn seed_database(
    scratch: &super::scratch::Scratch,
    plan: &Plan,
) -> anyhow::Result<String> {
    let started = Instant::now();
    let db = scratch.open("off").await?;
    let base = crate::model::now_ms() - 7 * 86_400_000;
    let rows = seed::seed(&db, plan.big_messages, base).await?;
    let finish = match db.backend() {
        crate::db::Backend::Sqlite => "pragma wal_checkpoint(truncate)",
        crate::db::Backend::Postgres => "analyze",
    };
    sqlx::query(finish).execute(db.pool()).await?;
    db.close().await;
    Ok(format!(
        "seeded {} rows ({} messages in the big chat) in {:.1} s",
        super::report::num(rows as f64),
        super::report::num(plan.big_messages as f64),
        started.elapsed().as_secs_f64()
    ))
}

/// Marks every user offline so that the presence sweeper of the next `serve` finds no one
/// to turn offline in the middle of a measurement.
pub async fn reset_presence(db: &crate::db::Db) -> anyhow::Result<()> {
    sqlx::query("update users set is_online = 0")
        .execute(db.pool())
        .await?;
    Ok(())
}

//! The realtime rows, on a `serve` of their own with a real Centrifugo: the relay draining a
//! backlog, then POST → WebSocket client latency.

use std::time::Duration;

use anyhow::Context;

use super::Session;
use super::measure::{self, Tokens};
use super::probes::{self, Ticks};
use super::report::{Row, num};
use super::server::{Centrifugo, Serve, ServeEnv};
use super::{delivery, relay};

pub type RealtimeRows = (Row, Row, (Option<f64>, Option<f64>));

pub async fn rows(
    session: &Session,
    control: &crate::db::Db,
    tokens: &Tokens,
    env: &ServeEnv,
    bin: &std::path::Path,
) -> anyhow::Result<RealtimeRows> {
    let plan = &session.plan;
    // Earlier phases left events for a Centrifugo that was not there; start from empty.
    sqlx::query("delete from outbox")
        .execute(control.pool())
        .await?;
    measure::reset_presence(control).await?;
    let centrifugo = Centrifugo::start(bin, &session.dir).await?;
    let env = ServeEnv {
        centrifugo: Some(centrifugo.keys.clone()),
        ..env.clone()
    };
    let label = format!("{}-realtime", session.backend.name());
    let serve = Serve::start(&session.dir, &label, &env).await?;
    let watch = [
        ("serve", serve.process.pid),
        ("centrifugo", centrifugo.process.pid),
        ("bench", std::process::id()),
    ];
    let before = probes::snapshot(&watch[..2]);
    let relay = relay::relay(control, plan.relay_events, Duration::from_secs(30)).await;
    let relay_cpu = per_event(
        &before,
        &probes::snapshot(&watch[..2]),
        &relay,
        session.clock_ticks,
    );
    let delivery = match &relay {
        Ok(_) => Some(
            delivery::delivery(
                &serve.target,
                &centrifugo.keys,
                tokens,
                &delivery::DeliveryLoad {
                    subscribers: plan.subscribers,
                    rate: plan.realtime_rate,
                    duration: plan.realtime_duration,
                },
                &watch,
                session.clock_ticks,
            )
            .await,
        ),
        Err(_) => None,
    };
    serve.process.stop().await;
    centrifugo.process.stop().await;
    let relay = relay?;
    let delivery = delivery.context("BUG: delivery runs after the relay")??;
    let relay_row = Row {
        name: "relay → Centrifugo /api/batch (events/s)".into(),
        per_sec: Some(relay.per_sec),
        errors: Some(relay.dead + relay.left),
        cpu_us: relay_cpu.0,
        note: format!(
            "{} events in {:.2} s incl. {:.0} ms until the first batch; dead {} left {}; {}",
            num(relay.events as f64),
            relay.seconds,
            relay.wake_ms,
            relay.dead,
            relay.left,
            relay_cpu.1
        ),
        ..Row::default()
    };
    let d = &delivery;
    let delivery_row = Row {
        name: format!(
            "POST → client received, {} msg/s, {} subscribers",
            num(plan.realtime_rate),
            num(plan.subscribers as f64)
        ),
        per_sec: Some(d.summary.per_sec),
        p50_ms: d.summary.p50_ms,
        p99_ms: d.summary.p99_ms,
        errors: Some(d.lost + d.post_errors),
        cpu_us: None,
        note: format!(
            "deliveries/s; {} messages, {} of {} received, {} before the POST's response; \
             from POST sent: p50 {} p99 {} ms; {} s to connect; {}",
            d.sent,
            d.expected - d.lost,
            d.expected,
            d.early,
            d.from_send.p50_ms.map_or("?".into(), num),
            d.from_send.p99_ms.map_or("?".into(), num),
            num(d.connect_seconds),
            d.cpu
        ),
    };
    // Measured but nothing arrived: a failure, not a skipped row.
    let figures = (
        Some(relay.per_sec),
        Some(d.summary.p99_ms.unwrap_or(f64::INFINITY)),
    );
    Ok((relay_row, delivery_row, figures))
}

/// Serve CPU µs per drained event, and Centrifugo's, as a note.
fn per_event(
    before: &[(&'static str, Option<Ticks>)],
    after: &[(&'static str, Option<Ticks>)],
    relay: &Result<relay::RelayResult, anyhow::Error>,
    clock_ticks: u64,
) -> (Option<f64>, String) {
    let Ok(r) = relay else {
        return (None, String::new());
    };
    let drained = (r.events - r.left) as f64;
    let us = |i: usize| -> Option<f64> {
        let used = after.get(i)?.1?.since(before.get(i)?.1?).total() as f64;
        (drained > 0.0).then(|| used * 1e6 / clock_ticks.max(1) as f64 / drained)
    };
    let note = us(1).map_or(String::new(), |c| format!("centrifugo {} µs/event", num(c)));
    (us(0), note)
}

//! SIGTERM under load (security plan check 50, figure R10), against the real binary:
//! `/readyz` turns 503 at once while requests are still served for the drain delay; then the
//! process stops accepting, every request it read is answered (a message is stored only if
//! its sender got the 200), it exits 0, and the events Centrifugo has not taken yet stay in
//! the outbox and are delivered by the next start.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chatctl::config::{DatabaseConfig, Secret};
use chatctl::db::Db;
use sqlx::Row;

use crate::common::fresh_database_url;
use crate::process::{Outcome, Served, start_senders};
use crate::standin::{API_KEY, Mode, StandIn, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_drains_answers_what_it_read_and_keeps_undelivered_events() {
    let standin = StandIn::start(Mode::Error(100)).await;
    let url = fresh_database_url().await;
    let env = [
        ("CENTRIFUGO_URL", standin.url.clone()),
        ("CENTRIFUGO_API_KEY", API_KEY.to_string()),
        ("CHATCTL_DRAIN_DELAY", "1s".to_string()),
        ("CHATCTL_RATE_SEND_PER_MINUTE", "0".to_string()),
        ("CHATCTL_RELAY_RETRY_BASE", "50ms".to_string()),
        ("CHATCTL_RELAY_RETRY_MAX", "200ms".to_string()),
    ];
    let mut served = Served::start(&url, &env).await;
    let (stop, signalled) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let senders = start_senders(&served.base, 8, &stop, &signalled).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    signalled.store(true, Ordering::SeqCst);
    let sent_at = Instant::now();
    served.terminate();
    // Readiness turns first, while the server still answers.
    let probe = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let unready_after = loop {
        let status = probe
            .get(format!("{}/readyz", served.base))
            .send()
            .await
            .unwrap()
            .status();
        if status == 503 {
            break sent_at.elapsed();
        }
        assert!(
            sent_at.elapsed() < Duration::from_secs(1),
            "/readyz still {status} 1 s after SIGTERM"
        );
    };
    let code = served.wait(Duration::from_secs(15)).await;
    let stopped_after = sent_at.elapsed();
    stop.store(true, Ordering::SeqCst);
    let mut outcomes: Vec<Outcome> = Vec::new();
    for s in senders {
        outcomes.extend(s.await.unwrap());
    }
    assert_eq!(code, Some(0), "clean exit:\n{}", served.log_text());

    let answered: BTreeSet<String> = outcomes
        .iter()
        .filter(|(_, r, _)| r == &Ok(200))
        .map(|(k, _, _)| k.clone())
        .collect();
    let other: Vec<_> = outcomes
        .iter()
        .filter(|(_, r, _)| matches!(r, Ok(s) if *s != 200))
        .collect();
    assert!(other.is_empty(), "only 200s are answered: {other:?}");
    let during_drain = outcomes
        .iter()
        .filter(|(_, r, after)| *after && r == &Ok(200))
        .count();
    assert!(
        during_drain > 0,
        "requests sent after SIGTERM were still served during the drain"
    );

    let db = Db::connect(&DatabaseConfig {
        url: Secret::new(url.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let stored: BTreeSet<String> = sqlx::query("select client_message_id from messages")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(
        stored, answered,
        "a message is stored exactly when its sender got the 200"
    );
    let waiting: i64 = sqlx::query_scalar(
        "select count(*) from outbox where state = 0 and channel like '%-messages'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(
        waiting as usize,
        stored.len(),
        "every message's event waits in the outbox"
    );
    let ids: BTreeSet<i64> = sqlx::query_scalar("select id from messages")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    db.close().await;
    eprintln!(
        "R10: {} messages stored and answered, {during_drain} served during the drain; /readyz 503 after {unready_after:?}, exit after {stopped_after:?}; 0 lost",
        stored.len()
    );

    // The next start delivers them.
    standin.set(Mode::Ok);
    let mut restarted = Served::start(&url, &env).await;
    eventually(
        "every stored message published after the restart",
        Duration::from_secs(20),
        || async {
            let published: BTreeSet<i64> = standin.message_ids().into_iter().collect();
            ids.is_subset(&published)
        },
    )
    .await;
    restarted.terminate();
    assert_eq!(restarted.wait(Duration::from_secs(15)).await, Some(0));
}

//! A crash between commit and publish (security plan check 45, figure R11): `chatctl serve`
//! is SIGKILLed while messages stream in and the relay publishes them. Every stored message
//! is published after the restart (at least once: a publication repeated because the crash
//! fell between publish and settle carries the same idempotency key, which Centrifugo drops);
//! every message a sender got a 200 for is stored.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chatctl::config::{DatabaseConfig, Secret};
use chatctl::db::Db;
use sqlx::Row;

use crate::common::fresh_database_url;
use crate::process::{Outcome, Served, start_senders};
use crate::standin::{API_KEY, Mode, StandIn, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_crash_under_load_every_stored_message_is_published() {
    let standin = StandIn::start(Mode::Late(Duration::from_millis(20))).await;
    let url = fresh_database_url().await;
    let env = [
        ("CENTRIFUGO_URL", standin.url.clone()),
        ("CENTRIFUGO_API_KEY", API_KEY.to_string()),
        ("CHATCTL_RATE_SEND_PER_MINUTE", "0".to_string()),
    ];
    let mut served = Served::start(&url, &env).await;
    let (stop, never) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let senders = start_senders(&served.base, 8, &stop, &never).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    served.crash();
    stop.store(true, Ordering::SeqCst);
    let mut outcomes: Vec<Outcome> = Vec::new();
    for s in senders {
        outcomes.extend(s.await.unwrap());
    }
    let published_before = standin.message_ids().len();

    let db = Db::connect(&DatabaseConfig {
        url: Secret::new(url.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let rows = sqlx::query("select id, client_message_id from messages")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let stored: BTreeMap<String, i64> = rows.iter().map(|r| (r.get(1), r.get(0))).collect();
    db.close().await;
    let answered: BTreeSet<&String> = outcomes
        .iter()
        .filter(|(_, r, _)| r == &Ok(200))
        .map(|(k, _, _)| k)
        .collect();
    let unanswered = answered
        .iter()
        .filter(|k| !stored.contains_key(**k))
        .count();
    assert_eq!(unanswered, 0, "every 200 was committed");

    standin.set(Mode::Ok);
    let _restarted = Served::start(&url, &env).await;
    let ids: BTreeSet<i64> = stored.values().copied().collect();
    eventually(
        "every stored message published after the restart",
        Duration::from_secs(20),
        || async { ids.is_subset(&standin.message_ids().into_iter().collect()) },
    )
    .await;
    let published = standin.messages();
    let mut keys_per_id: BTreeMap<i64, BTreeSet<Option<String>>> = BTreeMap::new();
    for (id, p) in &published {
        keys_per_id
            .entry(*id)
            .or_default()
            .insert(p.idempotency_key.clone());
    }
    let repeated = published.len() - keys_per_id.len();
    let rekeyed: Vec<_> = keys_per_id
        .iter()
        .filter(|(_, keys)| keys.len() != 1)
        .collect();
    eprintln!(
        "R11: SIGKILL after {} stored ({published_before} published before the crash): 0 lost, {repeated} republished with their idempotency key",
        stored.len()
    );
    assert!(
        rekeyed.is_empty(),
        "a repeat must carry the same idempotency key: {rekeyed:?}"
    );
}

//! Client retries at scale (security plan check 44, figure R7): 10 senders at once, each
//! sending 10 idempotency keys one after another, every key 10 times at once (1,000 POSTs, with
//! group commit and with a transaction per send), store exactly 100 messages and 100 message
//! events; every repeat of a key answers the one stored message.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::common::TestApp;

const SENDERS: i64 = 10;
const KEYS_EACH: usize = 10;
const REPEATS: usize = 10;

async fn storm(app: TestApp, label: &str) {
    let mut senders = Vec::new();
    for user in 1..=SENDERS {
        let token = app.user(user, "Sender").await;
        app.user(user + 100, "Reader").await;
        let chat = app.chat(&token, user + 100).await;
        senders.push((user, token, chat));
    }
    // Senders at once; each sends its keys one after another, every key 10 times at once.
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|(user, token, chat)| {
            let (client, base) = (app.client.clone(), app.base.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for k in 0..KEYS_EACH {
                    let key = format!("key-{user}-{k}");
                    let repeats = (0..REPEATS).map(|_| {
                        let body =
                            json!({"text": format!("text of {key}"), "client_message_id": key});
                        let request = client
                            .post(format!("{base}/api/chats/{chat}/messages"))
                            .bearer_auth(&token)
                            .json(&body);
                        async move {
                            let r = request.send().await.unwrap();
                            let status = r.status().as_u16();
                            let body: serde_json::Value = r.json().await.unwrap_or_default();
                            (status, body["id"].as_i64())
                        }
                    });
                    for (status, id) in futures_util::future::join_all(repeats).await {
                        seen.push((key.clone(), status, id));
                    }
                }
                seen
            })
        })
        .collect();
    let mut ids_per_key: BTreeMap<String, BTreeSet<Option<i64>>> = BTreeMap::new();
    for task in tasks {
        for (key, status, id) in task.await.unwrap() {
            assert_eq!(status, 200, "{label}: {key}");
            ids_per_key.entry(key).or_default().insert(id);
        }
    }
    let keys = SENDERS as usize * KEYS_EACH;
    assert_eq!(ids_per_key.len(), keys);
    let split: Vec<_> = ids_per_key
        .iter()
        .filter(|(_, ids)| ids.len() != 1)
        .collect();
    assert!(
        split.is_empty(),
        "{label}: keys answered with more than one message: {split:?}"
    );
    let rows = app.count("messages").await;
    let events: i64 =
        sqlx::query_scalar("select count(*) from outbox where channel like '%-messages'")
            .fetch_one(app.service.db().pool())
            .await
            .unwrap();
    eprintln!(
        "R7 ({}, {label}): {} POSTs for {keys} keys stored {rows} rows and {events} events: {} duplicate rows",
        crate::common::backend(),
        keys * REPEATS,
        rows - keys as i64
    );
    assert_eq!((rows, events), (keys as i64, keys as i64), "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_retries_of_a_hundred_keys_store_a_hundred_messages() {
    storm(TestApp::spawn().await, "group commit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_group_commit_a_thousand_concurrent_retries_store_a_hundred_messages() {
    storm(
        TestApp::spawn_with(|c| c.database.write_batch = 1).await,
        "write_batch = 1",
    )
    .await;
}

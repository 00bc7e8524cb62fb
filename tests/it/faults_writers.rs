//! Fifty concurrent writers (security plan check 48, figure R12): 50 users each open 5 chats
//! and send 20 messages, all at once, with group commit and with one transaction per send
//! (`database.write_batch = 1`). Every request is a 200 (no SQLITE_BUSY surfacing as a 5xx,
//! no 503 from a starved pool), and exactly 250 chats and 1,000 messages are stored. Runs on
//! whichever backend the suite runs on; SQLite is the one with a single writer.

use std::time::Instant;

use serde_json::json;

use crate::common::TestApp;

const WRITERS: i64 = 50;
const CHATS_EACH: i64 = 5;
const MESSAGES_EACH: usize = 20;

async fn fifty_writers(app: TestApp, label: &str) {
    let mut tokens = Vec::new();
    for user in 1..=WRITERS {
        tokens.push(app.user(user, &format!("Writer {user}")).await);
    }
    for companion in 1..=CHATS_EACH {
        app.user(1000 + companion, "Companion").await;
    }
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (client, base) = (app.client.clone(), app.base.clone());
            tokio::spawn(async move {
                let mut seen: Vec<(u16, f64)> = Vec::new();
                let mut chats = Vec::new();
                for companion in 1..=CHATS_EACH {
                    let t = Instant::now();
                    let r = client
                        .post(format!("{base}/api/chats"))
                        .bearer_auth(&token)
                        .json(&json!({"companionId": 1000 + companion}))
                        .send()
                        .await
                        .unwrap();
                    seen.push((r.status().as_u16(), t.elapsed().as_secs_f64() * 1e3));
                    let body: serde_json::Value = r.json().await.unwrap();
                    chats.push(body["chatId"].as_i64().unwrap_or(0));
                }
                for n in 0..MESSAGES_EACH {
                    let t = Instant::now();
                    let chat = chats[n % chats.len()];
                    let r = client
                        .post(format!("{base}/api/chats/{chat}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({"text": format!("message {n}")}))
                        .send()
                        .await
                        .unwrap();
                    seen.push((r.status().as_u16(), t.elapsed().as_secs_f64() * 1e3));
                }
                seen
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut latencies = Vec::new();
    for task in tasks {
        for (status, ms) in task.await.unwrap() {
            statuses.push(status);
            latencies.push(ms);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed: Vec<&u16> = statuses.iter().filter(|s| **s != 200).collect();
    assert!(
        failed.is_empty(),
        "{label}: {} of {} requests failed: {failed:?}",
        failed.len(),
        statuses.len()
    );
    assert_eq!(app.count("chats").await, WRITERS * CHATS_EACH, "{label}");
    assert_eq!(
        app.count("messages").await,
        WRITERS * MESSAGES_EACH as i64,
        "{label}"
    );
    latencies.sort_by(f64::total_cmp);
    let p99 = latencies[latencies.len() * 99 / 100];
    eprintln!(
        "R12 ({}, {label}): {} writes by {WRITERS} writers in {elapsed:.2} s = {:.0}/s, p99 {p99:.1} ms, 0 busy errors, 0 5xx",
        crate::common::backend(),
        statuses.len(),
        statuses.len() as f64 / elapsed,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_writers_with_group_commit_all_succeed() {
    fifty_writers(TestApp::spawn().await, "group commit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_writers_with_a_transaction_per_send_all_succeed() {
    let app = TestApp::spawn_with(|c| c.database.write_batch = 1).await;
    fifty_writers(app, "write_batch = 1").await;
}

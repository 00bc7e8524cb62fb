//! Clients that hang up mid-request never leave a pooled connection inside a transaction:
//! hundreds of writes (sends with and without group commit, mark-read) are abandoned at
//! staggered moments, and afterwards every request succeeds, every pooled connection can
//! start a transaction of its own, and PostgreSQL reports no session `idle in transaction`.
//! On PostgreSQL the requests are also held inside their transaction by a row lock while
//! the clients hang up, so the drop happens mid-statement, and what they wrote is rolled
//! back.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::{Connection, Executor};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::{TestApp, backend};

/// Writes a whole request on a fresh connection, waits `delay`, and hangs up.
async fn abandon(base: String, request: String, delay: Duration) {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(delay).await;
    drop(stream);
}

fn post(path: &str, token: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// `rounds` writes abandoned after 0–5 ms, 16 at a time: sends and mark-reads.
async fn abandon_many(app: &TestApp, token: &str, chat: i64, read_up_to: i64, rounds: u64) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..rounds {
        let request = if i % 3 == 2 {
            post(
                &format!("/api/chats/{chat}/messages/{read_up_to}"),
                token,
                "{}",
            )
        } else {
            post(
                &format!("/api/chats/{chat}/messages"),
                token,
                &format!(r#"{{"text":"abandoned {i}"}}"#),
            )
        };
        let delay = Duration::from_micros((i * 397) % 5000);
        tasks.spawn(abandon(app.base.clone(), request, delay));
        if tasks.len() >= 16 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// Every following request succeeds and no pooled connection is inside a transaction.
async fn assert_clean(app: &Arc<TestApp>, anna: &str, boris: &str, chat: i64) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (app, anna, boris) = (app.clone(), anna.to_string(), boris.to_string());
        tasks.spawn(async move {
            let sent = app.send(&anna, chat, &format!("after {i}")).await;
            let id = sent["id"].as_i64().unwrap();
            let path = format!("/api/chats/{chat}/messages/{id}");
            assert_eq!(app.post(&path, &boris, json!({})).await.0, StatusCode::OK);
            assert_eq!(app.get("/api/chats", &boris).await.0, StatusCode::OK);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let pool = app.service.db().pool();
    if backend() == "postgres" {
        // Pooled connections that were returned mid-transaction would sit here.
        let url = app.service.config().database.url.expose().to_string();
        let mut admin = sqlx::AnyConnection::connect(&url).await.unwrap();
        let stuck: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity \
             where datname = current_database() and state like 'idle in transaction%'",
        )
        .fetch_one(&mut admin)
        .await
        .unwrap();
        assert_eq!(stuck, 0, "sessions idle in transaction");
        admin.close().await.unwrap();
    }
    // Take every connection the pool may hold at once; none may be inside a transaction
    // (SQLite refuses a nested `begin`; PostgreSQL's warning is covered above).
    let max = app.service.config().database.max_connections as usize;
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        conn.execute("begin")
            .await
            .expect("a connection outside any transaction");
        conn.execute("rollback").await.unwrap();
    }
}

async fn scenario(write_batch: u32) {
    let app = Arc::new(
        TestApp::spawn_with(|c| {
            c.database.write_batch = write_batch;
            c.rate_limits.send_per_minute = 0;
        })
        .await,
    );
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let first = app.send(&anna, chat, "hello").await["id"].as_i64().unwrap();
    abandon_many(&app, &anna, chat, first, 300).await;
    abandon_many(&app, &boris, chat, first, 300).await;
    assert_clean(&app, &anna, &boris, chat).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abandoned_sends_with_group_commit_leave_no_connection_in_a_transaction() {
    scenario(256).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abandoned_sends_without_group_commit_leave_no_connection_in_a_transaction() {
    scenario(1).await;
}

/// PostgreSQL: sends (one transaction each) block inside their transaction on a row lock
/// held elsewhere; their clients hang up; the lock goes. Nothing they wrote may remain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sends_dropped_inside_their_transaction_roll_back() {
    if backend() != "postgres" {
        return; // SQLite has no row locks: a writer waits at `begin immediate`.
    }
    let app = Arc::new(
        TestApp::spawn_with(|c| {
            c.database.write_batch = 1;
            c.rate_limits.send_per_minute = 0;
        })
        .await,
    );
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    app.send(&anna, chat, "hello").await;
    let before = app.count("messages").await;

    let url = app.service.config().database.url.expose().to_string();
    let mut locker = sqlx::AnyConnection::connect(&url).await.unwrap();
    locker.execute("begin").await.unwrap();
    sqlx::query("select id from chats where id = $1 for update")
        .bind(chat)
        .execute(&mut locker)
        .await
        .unwrap();
    let (hang_up_tx, hang_up_rx) = tokio::sync::watch::channel(false);
    let mut clients = tokio::task::JoinSet::new();
    for i in 0..6 {
        let request = post(
            &format!("/api/chats/{chat}/messages"),
            &anna,
            &format!(r#"{{"text":"blocked {i}"}}"#),
        );
        let (base, mut hang_up) = (app.base.clone(), hang_up_rx.clone());
        clients.spawn(async move {
            let addr = base.trim_start_matches("http://").to_string();
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            // Hang up only once every send is seen waiting inside its transaction.
            let _ = hang_up.changed().await;
            drop(stream);
        });
    }
    // The sends are inside their transactions, waiting for the lock.
    let mut admin = sqlx::AnyConnection::connect(&url).await.unwrap();
    let waiting = "select count(*) from pg_stat_activity \
                   where datname = current_database() and wait_event_type = 'Lock'";
    let mut seen = 0;
    for _ in 0..500 {
        seen = sqlx::query_scalar::<_, i64>(waiting)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        if seen == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen, 6,
        "sends waiting on the lock inside their transaction"
    );
    hang_up_tx.send(true).unwrap();
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    locker.execute("commit").await.unwrap();
    locker.close().await.unwrap();
    admin.close().await.unwrap();
    assert_clean(&app, &anna, &boris, chat).await;
    let after = app.count("messages").await;
    // 30 from assert_clean; the 6 abandoned sends were rolled back with their transactions.
    assert_eq!(after - before, 30, "abandoned sends must not be stored");
}

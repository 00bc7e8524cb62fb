//! Counters under concurrent sends: when both members send at once, the chat's last message
//! is still its newest message, every read cursor only moves forward, and each member's
//! `unread_count` equals the companion's messages after that member's read cursor. Checked
//! with group commit (the default) and with `database.write_batch = 1` (one transaction per
//! send), and while the recipient marks read as messages arrive.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::common::TestApp;

/// (user_id, last_read_message_id, unread_count, companion messages after the cursor).
async fn counters(app: &TestApp, chat: i64) -> Vec<(i64, i64, i64, i64)> {
    sqlx::query(
        "select cm.user_id, cm.last_read_message_id, cm.unread_count, \
           (select count(*) from messages m where m.chat_id = cm.chat_id \
              and m.user_id <> cm.user_id and m.id > cm.last_read_message_id) \
         from chat_members cm where cm.chat_id = $1 order by cm.user_id",
    )
    .bind(chat)
    .fetch_all(app.service.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_sends_from_both_sides_keep_last_message_and_unread_counts_consistent() {
    storm(TestApp::spawn().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn without_group_commit_concurrent_sends_keep_last_message_and_unread_counts_consistent() {
    storm(TestApp::spawn_with(|c| c.database.write_batch = 1).await).await;
}

/// 60 sends at once, alternating between the two members, then the invariants.
async fn storm(app: TestApp) {
    let app = Arc::new(app);
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let app = app.clone();
            let token = if i % 2 == 0 {
                anna.clone()
            } else {
                boris.clone()
            };
            tokio::spawn(async move {
                app.post(
                    &format!("/api/chats/{chat}/messages"),
                    &token,
                    json!({"text": format!("m{i}")}),
                )
                .await
            })
        })
        .collect();
    let mut own_max = [0i64; 3];
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let sender = if i % 2 == 0 { 1 } else { 2 };
        own_max[sender] = own_max[sender].max(body["id"].as_i64().unwrap());
    }
    assert_eq!(app.count("messages").await, 60);
    check(&app, chat, own_max).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn marking_read_while_messages_arrive_keeps_unread_count_exact() {
    let app = Arc::new(TestApp::spawn_with(|c| c.rate_limits.send_per_minute = 0).await);
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let (app, anna) = (app.clone(), anna.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..60 {
                app.send(&anna, chat, &format!("w{writer}m{i}")).await;
            }
        }));
    }
    for _ in 0..6 {
        let (app, boris) = (app.clone(), boris.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..60 {
                let (_, page) = app
                    .get(&format!("/api/chats/{chat}/messages?limit=1"), &boris)
                    .await;
                if let Some(id) = page["messages"][0]["id"].as_i64() {
                    let path = format!("/api/chats/{chat}/messages/{id}");
                    assert_eq!(app.post(&path, &boris, json!({})).await.0, StatusCode::OK);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(app.count("messages").await, 240);
    let own_max = [0, last_of(&app, chat, 1).await, 0];
    check(&app, chat, own_max).await;
}

/// The id of `user`'s newest message in the chat.
async fn last_of(app: &TestApp, chat: i64, user: i64) -> i64 {
    sqlx::query_scalar("select max(id) from messages where chat_id = $1 and user_id = $2")
        .bind(chat)
        .bind(user)
        .fetch_one(app.service.db().pool())
        .await
        .unwrap()
}

/// The chat's last message is its newest; cursors are not behind own messages; unread counts
/// match the messages after each cursor.
async fn check(app: &TestApp, chat: i64, own_max: [i64; 3]) {
    let pool = app.service.db().pool();
    let last: Option<i64> = sqlx::query_scalar("select last_message_id from chats where id = $1")
        .bind(chat)
        .fetch_one(pool)
        .await
        .unwrap();
    let newest: i64 = sqlx::query_scalar("select max(id) from messages where chat_id = $1")
        .bind(chat)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(last, Some(newest), "the chat's last message is its newest");
    let (_, list) = app.get("/api/chats", &app.token(1, "Anna")).await;
    assert_eq!(list[0]["last_message"]["id"], newest, "{list}");

    for (user, last_read, unread, actual) in counters(app, chat).await {
        assert!(
            last_read >= own_max[user as usize],
            "user {user}: sending reads the chat, yet the cursor {last_read} is behind their own message {}",
            own_max[user as usize]
        );
        assert_eq!(
            unread, actual,
            "user {user}: unread_count {unread} vs {actual} unread messages"
        );
    }
}

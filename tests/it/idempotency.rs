//! Idempotent sends: a repeated POST with the same `client_message_id` returns the same
//! message and stores (and publishes) one row, also when the repeats race; keys are per
//! sender and cannot be replayed into another chat.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::expect::{assert_invalid, outbox};

async fn send_keyed(
    app: &TestApp,
    token: &str,
    chat: i64,
    text: &str,
    key: &str,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/chats/{chat}/messages"),
        token,
        json!({"text": text, "client_message_id": key}),
    )
    .await
}

/// Outbox rows for the chat's message channel.
async fn published(app: &TestApp, chat: i64) -> usize {
    let channel = format!("user-{chat}-messages");
    outbox(app)
        .await
        .iter()
        .filter(|(c, _, _)| *c == channel)
        .count()
}

#[tokio::test]
async fn a_repeated_send_with_the_same_key_returns_the_same_message_and_stores_one_row() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let (status, first) = send_keyed(&app, &anna, chat, "once", "k-1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    for _ in 0..3 {
        let (status, again) = send_keyed(&app, &anna, chat, "once", "k-1").await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["text"], "once");
        assert_eq!(again["created_at"], first["created_at"]);
        assert_eq!(again["user"]["id"], 1);
    }
    assert_eq!(app.count("messages").await, 1);
    assert_eq!(
        published(&app, chat).await,
        1,
        "the repeat is not published again"
    );
    let item = crate::expect::chat_item(&app, &app.token(2, "Boris"), chat).await;
    assert_eq!(
        item["unread_count"], 1,
        "the repeat is not counted as unread again"
    );
}

#[tokio::test]
async fn different_keys_and_keyless_sends_each_store_a_row() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let a = send_keyed(&app, &anna, chat, "a", "k-a").await.1;
    let b = send_keyed(&app, &anna, chat, "b", "k-b").await.1;
    let c = app.send(&anna, chat, "same text").await;
    let d = app.send(&anna, chat, "same text").await;
    let ids: std::collections::BTreeSet<_> = [&a, &b, &c, &d]
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(app.count("messages").await, 4);
}

#[tokio::test]
async fn the_same_key_from_two_senders_is_two_messages() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let (_, from_anna) = send_keyed(&app, &anna, chat, "hi", "shared").await;
    let (status, from_boris) = send_keyed(&app, &boris, chat, "hi", "shared").await;
    assert_eq!(status, StatusCode::OK, "{from_boris}");
    assert_ne!(from_anna["id"], from_boris["id"]);
    assert_eq!(from_boris["user"]["id"], 2);
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn a_key_used_in_one_chat_cannot_be_replayed_into_another() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let ab = app.chat(&anna, 2).await;
    let av = app.chat(&anna, 3).await;
    assert_eq!(
        send_keyed(&app, &anna, ab, "hi", "k").await.0,
        StatusCode::OK
    );
    let (status, body) = send_keyed(&app, &anna, av, "hi", "k").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].is_string() && body.get("id").is_none(),
        "{body}"
    );
    assert_eq!(app.count("messages").await, 1);
    assert_eq!(published(&app, av).await, 0);
}

#[tokio::test]
async fn a_malformed_key_is_a_422_on_client_message_id() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    for key in [json!(""), json!(5), json!("k".repeat(101)), json!({"a": 1})] {
        let (status, body) = app
            .post(
                &format!("/api/chats/{chat}/messages"),
                &anna,
                json!({"text": "x", "client_message_id": key}),
            )
            .await;
        assert_invalid(status, &body, "client_message_id");
    }
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_parallel_sends_with_the_same_key_store_one_row() {
    let app = Arc::new(TestApp::spawn().await);
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, anna) = (app.clone(), anna.clone());
            tokio::spawn(async move { send_keyed(&app, &anna, chat, "race", "k-race").await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.count("messages").await, 1);
    assert_eq!(published(&app, chat).await, 1);
}

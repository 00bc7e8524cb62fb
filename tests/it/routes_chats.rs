//! GET /api/chats and POST /api/chats: chat item shapes and order, `{chatId}`, validation of
//! `companionId` (missing, non-integer, own id, unknown user), one chat per pair from both
//! sides, also under 20 concurrent requests.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;
use crate::expect::{assert_chat_item, assert_invalid};

#[tokio::test]
async fn the_chat_list_has_the_contract_fields_for_chats_with_and_without_messages() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let quiet = app.chat(&anna, 3).await;
    let busy = app.chat(&anna, 2).await;
    app.send(&anna, busy, "hello").await;

    let (status, list) = app.get("/api/chats", &anna).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().expect("the chat list is a JSON array");
    assert_eq!(list.len(), 2, "{list:?}");
    list.iter().for_each(assert_chat_item);
    let item = list.iter().find(|c| c["id"] == busy).unwrap();
    assert_eq!(item["companion_id"], 2);
    assert_eq!(item["companion_name"], "Boris");
    assert!(item["avatar"].is_null());
    assert_eq!(item["unread_count"], 0);
    let last = &item["last_message"];
    assert_eq!(last["text"], "hello");
    assert_eq!(last["sender_id"], 1);
    assert_eq!(last["sender_name"], "Anna");
    assert_eq!(last["was_read"], false);
    let empty = list.iter().find(|c| c["id"] == quiet).unwrap();
    assert!(empty["last_message"].is_null(), "{empty}");
    assert_eq!(empty["companion_name"], "Vera");

    let (_, theirs) = app.get("/api/chats", &boris).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(theirs[0]["id"], busy);
    assert_eq!(theirs[0]["companion_id"], 1);
    assert_eq!(theirs[0]["unread_count"], 1);
    assert_eq!(theirs[0]["last_message"]["sender_name"], "Anna");
}

#[tokio::test]
async fn the_chat_with_the_newest_message_comes_first() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let older = app.chat(&anna, 2).await;
    let newer = app.chat(&anna, 3).await;
    app.send(&anna, newer, "first").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.send(&anna, older, "second").await;
    let (_, list) = app.get("/api/chats", &anna).await;
    let order: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(order, vec![json!(older), json!(newer)]);
}

#[tokio::test]
async fn creating_a_chat_returns_its_id_and_both_sides_get_the_same_chat() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let (status, body) = app
        .post("/api/chats", &anna, json!({"companionId": 2}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chat = body["chatId"].as_i64().expect("chatId is an integer");
    let (status, again) = app
        .post("/api/chats", &anna, json!({"companionId": 2}))
        .await;
    assert_eq!(
        (status, again["chatId"].as_i64()),
        (StatusCode::OK, Some(chat))
    );
    let (status, other) = app
        .post("/api/chats", &boris, json!({"companionId": 1}))
        .await;
    assert_eq!(
        (status, other["chatId"].as_i64()),
        (StatusCode::OK, Some(chat))
    );
    // Laravel's `integer` rule also takes a numeric string.
    let (status, text) = app
        .post("/api/chats", &boris, json!({"companionId": "1"}))
        .await;
    assert_eq!(
        (status, text["chatId"].as_i64()),
        (StatusCode::OK, Some(chat))
    );
    assert_eq!(app.count("chats").await, 1);
    assert_eq!(app.count("chat_members").await, 2);
}

#[tokio::test]
async fn a_bad_companion_id_is_a_422_on_companion_id_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let cases = [
        json!({}),
        json!({"companion_id": 2}),
        json!({"companionId": null}),
        json!({"companionId": ""}),
        json!({"companionId": "abc"}),
        json!({"companionId": 1.5}),
        json!({"companionId": "1.5"}),
        json!({"companionId": true}),
        json!({"companionId": [2]}),
        json!({"companionId": 99_999_999_999_999_999_999.0}),
        json!({"companionId": 1}),
        json!({"companionId": "1"}),
        json!({"companionId": 999}),
        json!({"companionId": -2}),
        json!({"companionId": 0}),
    ];
    for body in cases {
        let (status, reply) = app.post("/api/chats", &anna, body.clone()).await;
        assert_invalid(status, &reply, "companionId");
        assert!(
            reply["errors"].get("companion_id").is_none(),
            "{body}: {reply}"
        );
    }
    assert_eq!(app.count("chats").await, 0);
    assert_eq!(app.count("chat_members").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_creations_from_both_sides_make_one_chat() {
    let app = Arc::new(TestApp::spawn().await);
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        let (token, companion) = if i % 2 == 0 {
            (anna.clone(), 2)
        } else {
            (boris.clone(), 1)
        };
        tasks.push(tokio::spawn(async move {
            app.post("/api/chats", &token, json!({"companionId": companion}))
                .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(body["chatId"].as_i64().expect("chatId"));
    }
    assert_eq!(ids.len(), 20);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.count("chats").await, 1);
    assert_eq!(app.count("chat_members").await, 2);
    let (_, list) = app.get("/api/chats", &anna).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

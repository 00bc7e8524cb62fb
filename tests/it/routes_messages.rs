//! GET/POST /api/chats/{chatId}/messages, POST /api/chats/{chatId}/messages/{messageId} and
//! POST /api/typing: the happy path with the contract's exact field names and JSON types, and
//! each route's validation failure in Laravel's shape.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;
use crate::expect::{assert_invalid, assert_message, assert_user};

/// Anna (1) and Boris (2) with their chat.
async fn pair(app: &TestApp) -> (String, String, i64) {
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    (anna, boris, chat)
}

#[tokio::test]
async fn sending_returns_the_message_with_id_created_at_and_the_caller_as_user() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    let (status, sent) = app
        .post(
            &format!("/api/chats/{chat}/messages"),
            &anna,
            json!({"text": "Привет"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_message(&sent);
    assert_eq!(sent["text"], "Привет");
    assert_eq!(sent["user"]["id"], 1);
    assert_eq!(sent["user"]["name"], "Anna");
    assert_eq!(
        sent["user"]["is_online"], true,
        "sending marks the sender online"
    );
    assert_eq!(sent["was_read"], false);
    assert!(sent["id"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn the_messages_page_has_messages_companion_chat_id_and_chat_id_camel() {
    let app = TestApp::spawn().await;
    let (anna, boris, chat) = pair(&app).await;
    let first = app.send(&anna, chat, "one").await;
    let second = app.send(&boris, chat, "two").await;
    let (status, page) = app.get(&format!("/api/chats/{chat}/messages"), &anna).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["chat_id"], chat);
    assert_eq!(page["chatId"], chat);
    assert!(page["chat_id"].is_i64() && page["chatId"].is_i64());
    assert_user(&page["companion"]);
    assert_eq!(page["companion"]["id"], 2);
    assert_eq!(page["companion"]["name"], "Boris");
    assert!(page["has_more"].is_boolean());
    let messages = page["messages"].as_array().expect("messages is an array");
    assert_eq!(messages.len(), 2);
    messages.iter().for_each(assert_message);
    assert_eq!(messages[0]["id"], first["id"]);
    assert_eq!(messages[0]["user"]["id"], 1);
    assert_eq!(messages[1]["id"], second["id"]);
    assert_eq!(messages[1]["user"]["name"], "Boris");
    assert_eq!(messages[0]["created_at"], first["created_at"]);
}

#[tokio::test]
async fn marking_a_message_read_returns_an_empty_object() {
    let app = TestApp::spawn().await;
    let (anna, boris, chat) = pair(&app).await;
    let sent = app.send(&anna, chat, "read me").await;
    let id = sent["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/chats/{chat}/messages/{id}"),
            &boris,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
}

#[tokio::test]
async fn typing_returns_an_empty_object_for_laravel_booleans_and_string_ids() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    for body in [
        json!({"chatId": chat, "typing": true}),
        json!({"chatId": chat, "typing": false}),
        json!({"chatId": chat.to_string(), "typing": 1}),
        json!({"chatId": chat, "typing": "false"}),
    ] {
        let (status, reply) = app.post("/api/typing", &anna, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}: {reply}");
        assert_eq!(reply, json!({}));
    }
}

#[tokio::test]
async fn a_bad_page_parameter_is_a_422_on_that_parameter() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("before=abc", "before"),
        ("before=-5", "before"),
        ("after=1.5", "after"),
    ] {
        let (status, body) = app
            .get(&format!("/api/chats/{chat}/messages?{query}"), &anna)
            .await;
        assert_invalid(status, &body, field);
    }
}

#[tokio::test]
async fn sending_without_a_string_text_is_a_422_on_text() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    for body in [
        json!({}),
        json!({"text": null}),
        json!({"text": 5}),
        json!({"text": ["a"]}),
        json!({"message": "hi"}),
    ] {
        let (status, reply) = app
            .post(&format!("/api/chats/{chat}/messages"), &anna, body)
            .await;
        assert_invalid(status, &reply, "text");
    }
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test]
async fn typing_with_a_bad_chat_id_or_typing_flag_is_a_422_on_that_field() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    for (body, field) in [
        (json!({"typing": true}), "chatId"),
        (json!({"chatId": "abc", "typing": true}), "chatId"),
        (json!({"chatId": 1.5, "typing": true}), "chatId"),
        (json!({"chat_id": chat, "typing": true}), "chatId"),
        (json!({"chatId": chat}), "typing"),
        (json!({"chatId": chat, "typing": "yes"}), "typing"),
        (json!({"chatId": chat, "typing": 2}), "typing"),
    ] {
        let (status, reply) = app.post("/api/typing", &anna, body).await;
        assert_invalid(status, &reply, field);
    }
}

#[tokio::test]
async fn typing_into_a_missing_chat_is_a_404() {
    let app = TestApp::spawn().await;
    let (anna, _, chat) = pair(&app).await;
    let (status, body) = app
        .post(
            "/api/typing",
            &anna,
            json!({"chatId": chat + 1000, "typing": true}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body["message"].is_string(), "{body}");
}

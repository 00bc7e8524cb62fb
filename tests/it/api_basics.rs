//! A first walk through the original's routes.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn a_message_round_trip_uses_the_original_shapes() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Анна").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let sent = app.send(&anna, chat, "Привет").await;
    assert_eq!(sent["text"], "Привет");
    assert_eq!(sent["user"]["id"], 1);
    assert_eq!(sent["was_read"], false);
    let (status, page) = app
        .get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["chat_id"], chat);
    assert_eq!(page["chatId"], chat);
    assert_eq!(page["companion"]["id"], 1);
    assert_eq!(page["messages"][0]["text"], "Привет");
    let (_, list) = app.get("/api/chats", &anna).await;
    assert_eq!(list[0]["id"], chat);
    assert_eq!(list[0]["last_message"]["was_read"], true, "{list}");
    let (status, _) = app
        .post("/api/chats", "garbage", json!({"companionId": 2}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

//! Text rules of POST /api/chats/{chatId}/messages: required, not blank after trimming, at
//! most 4000 characters (characters, not bytes; configurable), no NUL; a refused text stores
//! nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::expect::{assert_invalid, messages};

async fn setup(app: &TestApp) -> (String, i64) {
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    (anna, chat)
}

async fn send_text(app: &TestApp, token: &str, chat: i64, text: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/api/chats/{chat}/messages"),
        token,
        json!({"text": text}),
    )
    .await
}

#[tokio::test]
async fn empty_blank_too_long_and_nul_texts_are_422_on_text() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    let refused = [
        String::new(),
        " ".into(),
        "   \t\n\r  ".into(),
        "\u{3000}\u{2003}".into(),
        "a".repeat(4001),
        "ж".repeat(4001),
        "😀".repeat(4001),
        "a\0b".into(),
        "\0".into(),
        format!("{}\0", "a".repeat(10)),
    ];
    let outbox_before = app.count("outbox").await;
    for text in &refused {
        let (status, body) = send_text(&app, &anna, chat, text).await;
        assert_invalid(status, &body, "text");
    }
    assert_eq!(app.count("messages").await, 0);
    assert_eq!(
        app.count("outbox").await,
        outbox_before,
        "nothing published"
    );
    let item = crate::expect::chat_item(&app, &anna, chat).await;
    assert!(item["last_message"].is_null(), "{item}");
}

#[tokio::test]
async fn exactly_4000_multi_byte_characters_are_accepted_and_stored_whole() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    for unit in ["ж", "😀", "a"] {
        let text = unit.repeat(4000);
        let (status, sent) = send_text(&app, &anna, chat, &text).await;
        assert_eq!(status, StatusCode::OK, "{unit} x 4000: {sent}");
        assert_eq!(sent["text"].as_str().unwrap().chars().count(), 4000);
        let stored = messages(&app).await.pop().unwrap();
        assert_eq!(stored.3, text, "stored unchanged");
    }
}

#[tokio::test]
async fn surrounding_whitespace_does_not_make_a_text_blank() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    let (status, sent) = send_text(&app, &anna, chat, "  hi \n").await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert!(sent["text"].as_str().unwrap().contains("hi"));
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn the_length_limit_follows_the_configuration() {
    let app = TestApp::spawn_with(|c| c.limits.text_max_chars = 10).await;
    let (anna, chat) = setup(&app).await;
    let (status, body) = send_text(&app, &anna, chat, &"ё".repeat(11)).await;
    assert_invalid(status, &body, "text");
    let (status, body) = send_text(&app, &anna, chat, &"ё".repeat(10)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

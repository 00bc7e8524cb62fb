//! The transactional outbox: a send writes the message to `user-{chatId}-messages` (data is a
//! JSON string holding the Message, as the original's client `JSON.parse`s it) and chat-list
//! rows for both members; reading and creating chats refresh both lists; going online writes
//! a status row.

use serde_json::Value;

use crate::common::TestApp;
use crate::expect::{assert_hhmm, outbox};

/// Parses a publication's data: a JSON string whose content is JSON.
fn unwrap_data(payload: &str) -> Value {
    let outer: Value = serde_json::from_str(payload).expect("the payload is JSON");
    let inner = outer
        .as_str()
        .unwrap_or_else(|| panic!("data is a JSON string: {payload}"));
    serde_json::from_str(inner).expect("the string holds JSON")
}

fn chat_lists(rows: &[(String, String, String)]) -> Vec<String> {
    let mut channels: Vec<String> = rows
        .iter()
        .filter(|(_, kind, _)| kind == "chat_list")
        .map(|(channel, _, _)| channel.clone())
        .collect();
    channels.sort();
    channels
}

#[tokio::test]
async fn a_send_writes_the_message_and_both_chat_lists() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let before = outbox(&app).await.len();
    let sent = app.send(&anna, chat, "в outbox").await;
    let rows = outbox(&app).await.split_off(before);

    let channel = format!("user-{chat}-messages");
    let published: Vec<_> = rows.iter().filter(|(c, _, _)| *c == channel).collect();
    assert_eq!(published.len(), 1, "{rows:?}");
    let message = unwrap_data(&published[0].2);
    assert_eq!(
        message, sent,
        "the publication is the Message the sender got back"
    );
    assert_eq!(message["text"], "в outbox");
    assert_eq!(message["user"]["id"], 1);
    assert_eq!(chat_lists(&rows), vec!["user-1-chats", "user-2-chats"]);
}

#[tokio::test]
async fn nothing_about_a_chat_goes_to_an_outsiders_channels() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let mallory = app.user(3, "Mallory").await;
    app.get("/api/get-user-info", &mallory).await;
    let chat = app.chat(&anna, 2).await;
    app.send(&anna, chat, "private").await;
    let rows = outbox(&app).await;
    assert!(
        rows.iter().any(|(c, _, _)| c == "user-3-status"),
        "Mallory's own status is there"
    );
    for (channel, _, payload) in rows {
        assert_ne!(channel, "user-3-chats", "{payload}");
        if channel.ends_with("-messages") {
            assert_eq!(channel, format!("user-{chat}-messages"));
        }
    }
}

#[tokio::test]
async fn creating_a_chat_and_reading_it_refresh_both_chat_lists() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    app.get("/api/get-user-info", &boris).await;
    let before = outbox(&app).await.len();
    let chat = app.chat(&anna, 2).await;
    let rows = outbox(&app).await.split_off(before);
    assert_eq!(
        chat_lists(&rows),
        vec!["user-1-chats", "user-2-chats"],
        "{rows:?}"
    );

    app.send(&anna, chat, "hi").await;
    let before = outbox(&app).await.len();
    app.get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    let rows = outbox(&app).await.split_off(before);
    assert_eq!(
        chat_lists(&rows),
        vec!["user-1-chats", "user-2-chats"],
        "{rows:?}"
    );

    // Opening it again reads nothing new and refreshes nothing.
    let before = outbox(&app).await.len();
    app.get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    assert_eq!(outbox(&app).await.len(), before);
}

#[tokio::test]
async fn going_online_writes_a_status_publication() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    assert_eq!(app.count("outbox").await, 0);
    app.get("/api/get-user-info", &anna).await;
    let rows = outbox(&app).await;
    let status: Vec<_> = rows
        .iter()
        .filter(|(c, _, _)| c == "user-1-status")
        .collect();
    assert_eq!(status.len(), 1, "{rows:?}");
    let data = unwrap_data(&status[0].2);
    assert_eq!(data["userId"], 1);
    assert_eq!(data["isOnline"], true);
    assert_hhmm(&data["lastSeen"]);
    // Already online: no second status row.
    app.get("/api/get-user-info", &anna).await;
    assert_eq!(
        outbox(&app)
            .await
            .iter()
            .filter(|(c, _, _)| c == "user-1-status")
            .count(),
        1
    );
}

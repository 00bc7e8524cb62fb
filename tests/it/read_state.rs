//! Read state: opening a chat reads what the page shows (was_read for the sender, unread_count
//! for the reader); the mark-read route moves the cursor forward only and is idempotent;
//! sending reads the chat for the sender.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;
use crate::expect::{chat_item, outbox};

/// Anna (1) has sent `n` messages to Boris (2); returns both tokens, the chat and the ids.
async fn anna_wrote(app: &TestApp, n: usize) -> (String, String, i64, Vec<i64>) {
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.send(&anna, chat, &format!("m{i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    (anna, boris, chat, ids)
}

async fn mark(app: &TestApp, token: &str, chat: i64, id: i64) {
    let (status, body) = app
        .post(
            &format!("/api/chats/{chat}/messages/{id}"),
            token,
            json!({}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
}

#[tokio::test]
async fn opening_the_chat_reads_the_companions_messages() {
    let app = TestApp::spawn().await;
    let (anna, boris, chat, _) = anna_wrote(&app, 3).await;
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 3);
    assert_eq!(
        chat_item(&app, &anna, chat).await["last_message"]["was_read"],
        false
    );
    assert_eq!(
        chat_item(&app, &anna, chat).await["unread_count"],
        0,
        "own messages are not unread"
    );

    let (status, page) = app
        .get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for m in page["messages"].as_array().unwrap() {
        assert_eq!(m["was_read"], true, "{m}");
    }
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 0);
    assert_eq!(
        chat_item(&app, &anna, chat).await["last_message"]["was_read"],
        true
    );
    let (_, mine) = app.get(&format!("/api/chats/{chat}/messages"), &anna).await;
    assert!(
        mine["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["was_read"] == true),
        "{mine}"
    );
}

#[tokio::test]
async fn opening_an_older_page_reads_only_up_to_that_page() {
    let app = TestApp::spawn().await;
    let (_, boris, chat, ids) = anna_wrote(&app, 5).await;
    let (status, page) = app
        .get(
            &format!("/api/chats/{chat}/messages?limit=2&before={}", ids[2]),
            &boris,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 3);
    app.get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 0);
}

#[tokio::test]
async fn the_companion_reading_does_not_read_for_the_sender() {
    let app = TestApp::spawn().await;
    let (anna, _, chat, _) = anna_wrote(&app, 2).await;
    // Anna opening her own chat does not mark her messages read by Boris.
    app.get(&format!("/api/chats/{chat}/messages"), &anna).await;
    assert_eq!(
        chat_item(&app, &anna, chat).await["last_message"]["was_read"],
        false
    );
    assert_eq!(
        chat_item(&app, &app.token(2, "Boris"), chat).await["unread_count"],
        2
    );
}

#[tokio::test]
async fn mark_read_moves_unread_count_forward_only_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let (anna, boris, chat, ids) = anna_wrote(&app, 3).await;
    mark(&app, &boris, chat, ids[1]).await;
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 1);
    assert_eq!(
        chat_item(&app, &anna, chat).await["last_message"]["was_read"],
        false,
        "m2 is not the last"
    );

    let published = outbox(&app).await.len();
    mark(&app, &boris, chat, ids[1]).await;
    mark(&app, &boris, chat, ids[0]).await;
    assert_eq!(
        chat_item(&app, &boris, chat).await["unread_count"],
        1,
        "never backwards"
    );
    assert_eq!(
        outbox(&app).await.len(),
        published,
        "a no-op publishes no chat lists"
    );

    mark(&app, &boris, chat, ids[2]).await;
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 0);
    assert_eq!(
        chat_item(&app, &anna, chat).await["last_message"]["was_read"],
        true
    );
    mark(&app, &boris, chat, ids[2]).await;
    assert_eq!(chat_item(&app, &boris, chat).await["unread_count"], 0);
}

#[tokio::test]
async fn sending_reads_the_chat_for_the_sender() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    app.send(&boris, chat, "b1").await;
    app.send(&boris, chat, "b2").await;
    assert_eq!(chat_item(&app, &anna, chat).await["unread_count"], 2);

    app.send(&anna, chat, "reply").await;
    assert_eq!(
        chat_item(&app, &anna, chat).await["unread_count"],
        0,
        "the reply read the chat"
    );
    let theirs = chat_item(&app, &boris, chat).await;
    assert_eq!(theirs["unread_count"], 1);
    assert_eq!(
        theirs["last_message"]["was_read"], false,
        "Boris has not read the reply"
    );
    let (_, page) = app
        .get(&format!("/api/chats/{chat}/messages"), &boris)
        .await;
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["was_read"], true, "Anna read b1 by replying");
    assert_eq!(messages[1]["was_read"], true, "Anna read b2 by replying");
}

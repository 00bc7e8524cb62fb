//! Membership and the server's authority over a message: a user outside a chat can neither
//! read it, post to it, type into it nor mark read in it (the same 404 as a missing chat, and
//! nothing stored); body fields cannot choose a message's sender, chat, id, time or read
//! state.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::expect::{members, messages, snapshot};

/// The four chat routes against `chat`, as Mallory: (route, status, body).
async fn attempts(
    app: &TestApp,
    token: &str,
    chat: i64,
    message: i64,
) -> Vec<(String, StatusCode, Value)> {
    let mut out = Vec::new();
    for query in ["", "?limit=5", "?after=0", "?before=999999"] {
        let path = format!("/api/chats/{chat}/messages{query}");
        let (status, body) = app.get(&path, token).await;
        out.push((format!("GET {path}"), status, body));
    }
    let path = format!("/api/chats/{chat}/messages");
    let (status, body) = app.post(&path, token, json!({"text": "let me in"})).await;
    out.push((format!("POST {path}"), status, body));
    let path = format!("/api/chats/{chat}/messages/{message}");
    let (status, body) = app.post(&path, token, json!({})).await;
    out.push((format!("POST {path}"), status, body));
    let (status, body) = app
        .post(
            "/api/typing",
            token,
            json!({"chatId": chat, "typing": true}),
        )
        .await;
    out.push(("POST /api/typing".into(), status, body));
    out
}

#[tokio::test]
async fn an_outsider_gets_the_missing_chat_404_everywhere_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let mallory = app.user(3, "Mallory").await;
    let chat = app.chat(&anna, 2).await;
    let message = app.send(&anna, chat, "secret").await["id"]
        .as_i64()
        .unwrap();
    app.send(&boris, chat, "also secret").await;
    // Mallory has a chat of her own, and has already been seen online.
    app.chat(&mallory, 1).await;
    let (before, cursors, stored) = (
        snapshot(&app).await,
        members(&app).await,
        messages(&app).await,
    );

    let missing = attempts(&app, &mallory, chat + 1000, message).await;
    let foreign = attempts(&app, &mallory, chat, message).await;
    for ((route, status, body), (_, missing_status, missing_body)) in foreign.iter().zip(&missing) {
        assert_eq!(*status, StatusCode::NOT_FOUND, "{route}: {body}");
        assert_eq!(
            *missing_status,
            StatusCode::NOT_FOUND,
            "{route} on a missing chat"
        );
        assert_eq!(
            body, missing_body,
            "{route}: a foreign chat looks exactly like a missing one"
        );
        assert!(body["message"].is_string(), "{route}: {body}");
        assert!(
            body.get("messages").is_none() && body.get("text").is_none(),
            "{route} leaks: {body}"
        );
    }
    assert_eq!(snapshot(&app).await, before, "no rows written");
    assert_eq!(members(&app).await, cursors, "no read cursor moved");
    assert_eq!(messages(&app).await, stored, "no message stored");
}

#[tokio::test]
async fn body_fields_cannot_choose_the_sender_chat_id_time_or_read_state() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let chat = app.chat(&anna, 2).await;
    let other_chat = app.chat(&boris, 3).await;
    let body = json!({
        "text": "x",
        "user_id": 2, "userId": 2, "sender_id": 2, "user": {"id": 2, "name": "Boris"},
        "chat_id": other_chat, "chatId": other_chat,
        "was_read": true, "id": 999, "created_at": "2000-01-01T00:00:00Z",
        "timestamp": "00:00",
    });
    let (status, sent) = app
        .post(&format!("/api/chats/{chat}/messages"), &anna, body)
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["user"]["id"], 1);
    assert_eq!(sent["user"]["name"], "Anna");
    assert_eq!(sent["chat_id"], chat);
    assert_eq!(sent["was_read"], false);
    assert_ne!(sent["id"], 999);
    assert!(
        !sent["created_at"].as_str().unwrap().starts_with("2000"),
        "{sent}"
    );

    let id = sent["id"].as_i64().unwrap();
    assert_eq!(messages(&app).await, vec![(id, chat, 1, "x".to_string())]);
    let item = crate::expect::chat_item(&app, &boris, chat).await;
    assert_eq!(item["unread_count"], 1, "was_read from the body is ignored");
    let (_, page) = app
        .get(&format!("/api/chats/{other_chat}/messages"), &boris)
        .await;
    assert_eq!(
        page["messages"],
        json!([]),
        "nothing landed in the body's chat"
    );
}

#[tokio::test]
async fn malformed_ids_in_paths_are_404_never_5xx() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let message = app.send(&anna, chat, "hi").await["id"].as_i64().unwrap();
    let bad = [
        "abc",
        "-1",
        "0",
        "00",
        "+1",
        "1.5",
        "1e3",
        "%20",
        "%201",
        "0x10",
        "99999999999999999999",
        "9223372036854775808",
        "9223372036854775807",
    ];
    for id in bad {
        for (is_get, path) in [
            (true, format!("/api/chats/{id}/messages")),
            (false, format!("/api/chats/{id}/messages")),
            (false, format!("/api/chats/{id}/messages/{message}")),
            (false, format!("/api/chats/{chat}/messages/{id}")),
        ] {
            let (status, body) = if is_get {
                app.get(&path, &anna).await
            } else {
                app.post(&path, &anna, json!({"text": "x"})).await
            };
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(body["message"].is_string(), "{path}: {body}");
        }
    }
    assert_eq!(
        app.count("messages").await,
        1,
        "nothing was sent through a bad path"
    );
}

#[tokio::test]
async fn marking_read_a_message_of_another_chat_is_404_and_moves_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let vera = app.user(3, "Vera").await;
    let ab = app.chat(&anna, 2).await;
    let av = app.chat(&anna, 3).await;
    app.send(&boris, ab, "to anna").await;
    let elsewhere = app.send(&vera, av, "from vera").await["id"]
        .as_i64()
        .unwrap();
    let cursors = members(&app).await;
    let (status, body) = app
        .post(
            &format!("/api/chats/{ab}/messages/{elsewhere}"),
            &anna,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = app
        .post(
            &format!("/api/chats/{ab}/messages/{}", elsewhere + 1000),
            &anna,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(members(&app).await, cursors, "no read cursor moved");
    assert_eq!(
        crate::expect::chat_item(&app, &anna, ab).await["unread_count"],
        1
    );
}

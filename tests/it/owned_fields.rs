//! Server-owned fields in request bodies (security plan check 27, OWASP API3): `user_id`,
//! `chat_id`, `id`, `was_read`, `created_at` and their camel-case forms are ignored on every
//! writing route, never applied: a chat is between the caller and the companion, a read mark
//! moves only the caller's cursor in the path's chat, a typing event names the caller. (Sends:
//! `membership::body_fields_cannot_choose_the_sender_chat_id_time_or_read_state`.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::expect::members;
use crate::standin::{Mode, StandIn, configure};

#[tokio::test]
async fn server_owned_fields_in_bodies_are_ignored_on_every_writing_route() {
    let standin = StandIn::start(Mode::Ok).await;
    let app = TestApp::spawn_with(|c| configure(c, &standin)).await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let owned = |extra: Value| {
        let mut body = json!({"user_id": 2, "userId": 2, "chat_id": 999, "id": 999, "was_read": true,
                              "created_at": "2000-01-01T00:00:00Z", "unread_count": 0});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // Creating a chat: between the caller and the companion, with an id of the server's.
    let (status, created) = app
        .post("/api/chats", &anna, owned(json!({"companionId": 3})))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let chat = created["chatId"].as_i64().unwrap();
    assert_ne!(chat, 999);
    let pair: Vec<(i64, i64)> = members(&app).await.iter().map(|m| (m.0, m.1)).collect();
    assert_eq!(
        pair,
        vec![(chat, 1), (chat, 3)],
        "the chat is Anna and Vera's"
    );
    // Marking read: only the caller's cursor, only in the path's chat.
    let ab = app.chat(&anna, 2).await;
    let sent = app.send(&boris, ab, "to anna").await["id"]
        .as_i64()
        .unwrap();
    let before = members(&app).await;
    let (status, _) = app
        .post(
            &format!("/api/chats/{ab}/messages/{sent}"),
            &boris,
            owned(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        members(&app).await,
        before,
        "Boris marking his own message read moves nothing"
    );
    // Typing: the published user is the caller, whatever the body says.
    let body = owned(json!({"chatId": ab, "typing": true, "userId": 2, "user_id": 2}));
    let (status, _) = app.post("/api/typing", &anna, body).await;
    assert_eq!(status, StatusCode::OK);
    crate::standin::eventually(
        "the typing publication",
        std::time::Duration::from_secs(5),
        || async { !standin.published().is_empty() },
    )
    .await;
    let (channel, data) = standin
        .published()
        .into_iter()
        .find(|(c, _)| c.starts_with("chat."))
        .unwrap();
    let payload: Value = serde_json::from_str(data.as_str().unwrap()).unwrap();
    assert_eq!(channel, format!("chat.{ab}"));
    assert_eq!(payload["userId"], 1, "{payload}");
    // Sending: see membership::body_fields_cannot_choose_the_sender_chat_id_time_or_read_state.
}

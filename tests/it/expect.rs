//! Shared assertions for the integration tests: the contract's JSON shapes (User, Message,
//! chat item), Laravel's error bodies, raw requests (no token, odd headers, any method) and
//! direct reads of stored state (row snapshots, the outbox, read cursors).

#![allow(dead_code)]

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use crate::common::{self, TestApp};

/// Does `text` have exactly the shape of `pattern`, where `9` stands for any ASCII digit?
pub fn shaped(text: &str, pattern: &str) -> bool {
    text.len() == pattern.len()
        && text.bytes().zip(pattern.bytes()).all(|(t, p)| match p {
            b'9' => t.is_ascii_digit(),
            _ => t == p,
        })
}

/// "HH:MM" with a real hour and minute.
pub fn assert_hhmm(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(shaped(text, "99:99"), "not HH:MM: {text}");
    let (h, m) = text.split_once(':').unwrap();
    assert!(
        h.parse::<u8>().unwrap() < 24 && m.parse::<u8>().unwrap() < 60,
        "{text}"
    );
}

/// A User of the contract: id int, email string, avatar string|null, is_online bool,
/// name string, last_seen_at "dd.mm.YYYY HH:MM" or null.
pub fn assert_user(user: &Value) {
    assert!(user["id"].is_i64(), "user.id: {user}");
    assert!(user["email"].is_string(), "user.email: {user}");
    assert!(
        user["avatar"].is_null() || user["avatar"].is_string(),
        "user.avatar: {user}"
    );
    assert!(user["is_online"].is_boolean(), "user.is_online: {user}");
    assert!(user["name"].is_string(), "user.name: {user}");
    let seen = user
        .get("last_seen_at")
        .expect("user.last_seen_at is present");
    if let Some(text) = seen.as_str() {
        assert!(shaped(text, "99.99.9999 99:99"), "last_seen_at: {text}");
    } else {
        assert!(seen.is_null(), "last_seen_at: {seen}");
    }
}

/// A Message of the contract plus `id` and an RFC 3339 `created_at`.
pub fn assert_message(message: &Value) {
    assert!(message["id"].is_i64(), "message.id: {message}");
    assert!(message["text"].is_string(), "message.text: {message}");
    assert_user(&message["user"]);
    assert!(
        message["was_read"].is_boolean(),
        "message.was_read: {message}"
    );
    assert_hhmm(&message["timestamp"]);
    let created = message["created_at"]
        .as_str()
        .expect("created_at is a string");
    time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("created_at {created} is not RFC 3339: {e}"));
}

/// A chat item: id, companion_name, avatar, last_message null|{...}, companion_id,
/// unread_count.
pub fn assert_chat_item(item: &Value) {
    assert!(item["id"].is_i64(), "chat.id: {item}");
    assert!(item["companion_id"].is_i64(), "chat.companion_id: {item}");
    assert!(
        item["companion_name"].is_string(),
        "chat.companion_name: {item}"
    );
    assert!(
        item["avatar"].is_null() || item["avatar"].is_string(),
        "chat.avatar: {item}"
    );
    assert!(item["unread_count"].is_i64(), "chat.unread_count: {item}");
    let last = item.get("last_message").expect("last_message is present");
    if !last.is_null() {
        assert!(last["text"].is_string(), "last_message.text: {last}");
        assert_hhmm(&last["timestamp"]);
        assert!(last["sender_id"].is_i64(), "last_message.sender_id: {last}");
        assert!(
            last["sender_name"].is_string(),
            "last_message.sender_name: {last}"
        );
        assert!(
            last["was_read"].is_boolean(),
            "last_message.was_read: {last}"
        );
    }
}

/// 401 with exactly `{"message":"Unauthenticated."}`.
pub fn assert_unauthenticated(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body, &json!({"message": "Unauthenticated."}));
}

/// 422 in Laravel's shape with an error list for `field`.
pub fn assert_invalid(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["message"].as_str().expect("422 has a message");
    assert!(!message.is_empty(), "{body}");
    let errors = body["errors"]
        .as_object()
        .expect("422 has an errors object");
    let list = errors[field]
        .as_array()
        .unwrap_or_else(|| panic!("errors.{field} is a list: {body}"));
    assert!(
        !list.is_empty()
            && list
                .iter()
                .all(|e| e.as_str().is_some_and(|s| !s.is_empty()))
    );
    if errors.len() == 1 && list.len() == 1 {
        assert_eq!(list[0], message, "Laravel's message is the first error");
    }
}

/// A request with full control over the Authorization header (or none) and the method.
pub async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    if let Some(value) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let headers = response.headers().clone();
    let (status, body) = common::read(response).await;
    (status, headers, body)
}

/// Row counts of every table, for "nothing was stored" assertions.
pub async fn snapshot(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in ["users", "chats", "chat_members", "messages", "outbox"] {
        counts.push((table, app.count(table).await));
    }
    counts
}

/// Every outbox row as (channel, kind, payload), oldest first.
pub async fn outbox(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query("select channel, kind, payload from outbox order by id")
        .fetch_all(app.service.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Every member's (chat_id, user_id, last_read_message_id, unread_count).
pub async fn members(app: &TestApp) -> Vec<(i64, i64, i64, i64)> {
    sqlx::query(
        "select chat_id, user_id, last_read_message_id, unread_count from chat_members \
         order by chat_id, user_id",
    )
    .fetch_all(app.service.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

/// Stored messages as (id, chat_id, user_id, text), oldest first.
pub async fn messages(app: &TestApp) -> Vec<(i64, i64, i64, String)> {
    sqlx::query("select id, chat_id, user_id, text from messages order by id")
        .fetch_all(app.service.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// The chat item of `chat_id` in the caller's chat list.
pub async fn chat_item(app: &TestApp, token: &str, chat_id: i64) -> Value {
    let (status, list) = app.get("/api/chats", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .expect("chat list is an array")
        .iter()
        .find(|c| c["id"] == chat_id)
        .cloned()
        .unwrap_or_else(|| panic!("chat {chat_id} not in {list}"))
}

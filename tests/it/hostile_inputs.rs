//! Hostile input on every route that reads a body or parameters (security plan checks
//! 30–36): wrong content types (415), broken or unreadable JSON (400), bodies over the limit
//! (413), out-of-range page parameters and search terms (422), SQL in search (200, matched
//! literally). Each answer is the documented 4xx, never a 5xx, and nothing is stored. Text
//! rules (empty, blank, 4001 characters, NUL) are in `text_rules`; `%` and `_` in `search`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::expect::snapshot;

/// A user, a companion and their chat: (token, chat id).
async fn setup(app: &TestApp) -> (String, i64) {
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    (anna, chat)
}

/// The three routes that read a JSON body, with a body each would accept.
fn body_routes(chat: i64) -> [(String, Value); 3] {
    [
        ("/api/chats".into(), json!({"companionId": 2})),
        (format!("/api/chats/{chat}/messages"), json!({"text": "hi"})),
        (
            "/api/typing".into(),
            json!({"chatId": chat, "typing": true}),
        ),
    ]
}

async fn post_raw(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::common::read(response).await
}

#[tokio::test]
async fn broken_bodies_get_their_documented_4xx_on_every_body_route_and_store_nothing() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    let json = "application/json";
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            "text/plain",
            "text/plain",
            b"{\"text\":\"hi\"}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "xml",
            "application/xml",
            b"<text>hi</text>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "multipart",
            "multipart/form-data; boundary=x",
            b"--x--".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "truncated JSON",
            json,
            b"{\"text\": \"hi".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "trailing garbage",
            json,
            b"{\"text\": \"hi\"} x".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a lone surrogate",
            json,
            b"{\"text\": \"\\ud800\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "invalid UTF-8",
            json,
            b"{\"text\": \"\xff\xfe\"}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "nested 10,000 deep",
            json,
            deep.into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a number out of range",
            json,
            b"{\"companionId\": 1e999}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "1 MB",
            json,
            big_body(1024 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "3 MB",
            json,
            big_body(3 * 1024 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "just over the 64 KB limit",
            json,
            big_body(64 * 1024 + 1),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    let before = snapshot(&app).await;
    let mut wrong = Vec::new();
    for (path, _) in body_routes(chat) {
        for (what, content_type, body, expected) in &cases {
            let (status, reply) = post_raw(&app, &anna, &path, content_type, body.clone()).await;
            if status != *expected || !reply["message"].is_string() {
                wrong.push(format!("{path} with {what}: {status} {reply}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(snapshot(&app).await, before, "nothing stored");
}

/// `{"text": "aaa…"}` of exactly `size` bytes.
fn big_body(size: usize) -> Vec<u8> {
    let mut body = b"{\"text\": \"".to_vec();
    body.resize(size - 2, b'a');
    body.extend_from_slice(b"\"}");
    body
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read_and_judged_by_the_text_rules() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    let path = format!("/api/chats/{chat}/messages");
    let (status, body) =
        post_raw(&app, &anna, &path, "application/json", big_body(64 * 1024)).await;
    crate::expect::assert_invalid(status, &body, "text");
}

#[tokio::test]
async fn duplicate_keys_take_the_last_value_and_odd_json_is_judged_by_the_rules() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    let path = format!("/api/chats/{chat}/messages");
    let (status, sent) = post_raw(
        &app,
        &anna,
        &path,
        "application/json",
        br#"{"text":"a","text":"b"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(
        sent["text"], "b",
        "serde_json keeps the last of duplicate keys"
    );
    for (body, field) in [
        (json!({"companionId": "2\u{0}"}), "companionId"),
        (json!({"companionId": [2]}), "companionId"),
        (json!({"companionId": {"id": 2}}), "companionId"),
        (json!({"companionId": 1.5}), "companionId"),
        (json!({"companionId": -2}), "companionId"),
    ] {
        let (status, reply) = app.post("/api/chats", &anna, body.clone()).await;
        assert!(status.is_client_error(), "{body}: {status} {reply}");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            crate::expect::assert_invalid(status, &reply, field);
        }
    }
    for key in [
        json!("k\u{0}"),
        json!(""),
        json!("k".repeat(101)),
        json!(7),
        json!(["k"]),
    ] {
        let body = json!({"text": "x", "client_message_id": key});
        let (status, reply) = app.post(&path, &anna, body).await;
        crate::expect::assert_invalid(status, &reply, "client_message_id");
    }
}

#[tokio::test]
async fn page_parameters_out_of_range_are_422_on_that_parameter() {
    let app = TestApp::spawn().await;
    let (anna, chat) = setup(&app).await;
    app.send(&anna, chat, "one").await;
    let huge = "99999999999999999999";
    let cases = [
        ("limit", "100000".to_string()),
        ("limit", "4294967296".into()),
        ("limit", huge.into()),
        ("limit", "-1".into()),
        ("limit", "0".into()),
        ("limit", "1e3".into()),
        ("limit", "".into()),
        ("before", huge.into()),
        ("before", "-1".into()),
        ("after", huge.into()),
        ("after", "1.5".into()),
        ("after", "%00".into()),
    ];
    for (name, value) in cases {
        let (status, body) = app
            .get(&format!("/api/chats/{chat}/messages?{name}={value}"), &anna)
            .await;
        assert!(status != StatusCode::OK, "{name}={value}: {body}");
        crate::expect::assert_invalid(status, &body, name);
    }
    let (status, body) = app
        .get(&format!("/api/chats/{chat}/messages?limit=100"), &anna)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the maximum itself is accepted: {body}"
    );
}

#[tokio::test]
async fn sql_and_odd_characters_in_search_match_literally_and_never_fail() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    app.user(2, "Anna").await;
    app.user(3, "O'Brien").await;
    for (query, expected) in [
        ("' OR 1=1 --", vec![]),
        ("\") UNION SELECT email FROM users --", vec![]),
        ("'; DROP TABLE users; --", vec![]),
        ("\\", vec![]),
        ("a%b", vec![]),
        ("O'B", vec![3]),
        ("Anna' --", vec![]),
    ] {
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let (status, body) = app
            .get(&format!("/api/search-users?search={encoded}"), &me)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let ids: Vec<i64> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected, "{query}");
    }
    assert_eq!(app.count("users").await, 3, "the users table is intact");
    for bad in [format!("a{}", "%00"), "a".repeat(10 * 1024)] {
        let (status, body) = app
            .get(&format!("/api/search-users?search={bad}"), &me)
            .await;
        crate::expect::assert_invalid(status, &body, "search");
    }
}

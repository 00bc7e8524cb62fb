//! HTTP plumbing: /healthz and /readyz, unknown routes as JSON 404s, the security headers on
//! every kind of response, and malformed or oversized bodies refused with JSON messages.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;
use crate::expect::raw;

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}"
    );
    assert_eq!(
        headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..]),
        "{what}"
    );
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let (status, headers, body) = raw(&app, Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body.is_object(), "{path}: {body}");
        assert_security_headers(path, &headers);
    }
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let app = TestApp::spawn().await;
    let anna = format!("Bearer {}", app.user(1, "Anna").await);
    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::GET, "/api/nope"),
        (Method::POST, "/api/chat"),
        (Method::GET, "/api/chats/1/messages/2/3"),
        (Method::GET, "/"),
    ] {
        for auth in [None, Some(anna.as_str())] {
            let (status, headers, body) = raw(&app, method.clone(), path, auth, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert!(body["message"].is_string(), "{method} {path}: {body}");
            let content_type = headers.get("content-type").unwrap().to_str().unwrap();
            assert!(
                content_type.starts_with("application/json"),
                "{content_type}"
            );
        }
    }
}

#[tokio::test]
async fn every_kind_of_response_carries_nosniff_and_no_store() {
    let app = TestApp::spawn().await;
    let token = app.user(1, "Anna").await;
    let anna = format!("Bearer {token}");
    let cases = [
        (
            "200",
            Method::GET,
            "/api/get-user-info",
            Some(anna.as_str()),
            None,
        ),
        ("401", Method::GET, "/api/chats", None, None),
        (
            "404",
            Method::GET,
            "/api/chats/999/messages",
            Some(anna.as_str()),
            None,
        ),
        (
            "422",
            Method::POST,
            "/api/chats",
            Some(anna.as_str()),
            Some(json!({})),
        ),
        ("unknown route", Method::GET, "/nope", None, None),
    ];
    for (what, method, path, auth, body) in cases {
        let (_, headers, _) = raw(&app, method, path, auth, body).await;
        assert_security_headers(what, &headers);
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_json_message_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let response = app
        .client
        .post(format!("{}/api/chats", app.base))
        .bearer_auth(&anna)
        .header("content-type", "application/json")
        .body("{\"companionId\": 2")
        .send()
        .await
        .unwrap();
    let (status, body) = crate::common::read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(app.count("chats").await, 0);
}

#[tokio::test]
async fn a_laravel_style_form_body_works_like_json() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let response = app
        .client
        .post(format!("{}/api/chats", app.base))
        .bearer_auth(&anna)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("companionId=2")
        .send()
        .await
        .unwrap();
    let (status, body) = crate::common::read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["chatId"].is_i64(), "{body}");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let (status, body) = app
        .post(
            &format!("/api/chats/{chat}/messages"),
            &anna,
            json!({"text": "a".repeat(70 * 1024)}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(app.count("messages").await, 0);
}

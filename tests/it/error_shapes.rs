//! Error bodies a Laravel frontend can read, beyond validation: a wrong method is a JSON 405,
//! a path id that is not even UTF-8 is the usual JSON 404, and a JSON body that is not an
//! object fails validation in Laravel's shape (as Laravel does: `errors` per field).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;
use crate::expect::{assert_invalid, raw};

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_a_json_405() {
    let app = TestApp::spawn().await;
    let anna = format!("Bearer {}", app.user(1, "Anna").await);
    for (method, path) in [
        (Method::DELETE, "/api/chats"),
        (Method::PUT, "/api/chats/1/messages"),
        (Method::GET, "/api/typing"),
    ] {
        let (status, headers, body) = raw(&app, method.clone(), path, Some(&anna), None).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(
            body["message"].is_string(),
            "{method} {path}: a JSON message, got {body:?}"
        );
    }
}

#[tokio::test]
async fn a_path_id_that_is_not_utf8_is_the_json_404_of_any_bad_id() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let (_, expected) = app.get("/api/chats/abc/messages", &anna).await;
    for (get, path) in [
        (true, "/api/chats/%FF/messages".to_string()),
        (false, "/api/chats/%FF/messages".to_string()),
        (false, format!("/api/chats/{chat}/messages/%C3%28")),
    ] {
        let (status, body) = if get {
            app.get(&path, &anna).await
        } else {
            app.post(&path, &anna, json!({"text": "x"})).await
        };
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        if path.starts_with("/api/chats/%FF") {
            assert_eq!(body, expected, "{path}");
        }
        assert!(body["message"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_a_422_with_field_errors() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    for body in [json!([]), json!(null), json!("companionId"), json!(2)] {
        let (status, reply) = app.post("/api/chats", &anna, body).await;
        assert_invalid(status, &reply, "companionId");
    }
    assert_eq!(app.count("chats").await, 0);
}

//! Authorization failures on every route of the contract: no token, a malformed token, a
//! foreign or expired signature, `alg: none`, a Centrifugo token, a token in the query string.
//! Each is 401 with exactly `{"message":"Unauthenticated."}` and provisions nobody.

use jsonwebtoken::{EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{AUTH_SECRET, TestApp};
use crate::expect::{assert_unauthenticated, raw};

/// Every route of the contract with a body that would otherwise be valid.
fn routes(chat: i64, message: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/get-user-info".into(), None),
        (Method::GET, "/api/chats".into(), None),
        (
            Method::POST,
            "/api/chats".into(),
            Some(json!({"companionId": 2})),
        ),
        (Method::GET, format!("/api/chats/{chat}/messages"), None),
        (
            Method::POST,
            format!("/api/chats/{chat}/messages"),
            Some(json!({"text": "x"})),
        ),
        (
            Method::POST,
            format!("/api/chats/{chat}/messages/{message}"),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/typing".into(),
            Some(json!({"chatId": chat, "typing": true})),
        ),
        (Method::GET, "/api/search-users?search=a".into(), None),
        (Method::GET, "/api/update-centrifugo-token".into(), None),
        (
            Method::GET,
            "/api/centrifugo/subscription-token?channel=user-1-chats".into(),
            None,
        ),
    ]
}

fn sign(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// Authorization header values that must all be refused.
fn bad_credentials(app: &TestApp, centrifugo_token: &str) -> Vec<(&'static str, Option<String>)> {
    let now = chatctl::auth::now_secs();
    let valid = app.token(1, "Anna");
    let body = valid.split('.').nth(1).unwrap();
    vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("garbage", Some("Bearer garbage".into())),
        ("basic auth", Some("Basic dXNlcjpwYXNz".into())),
        ("no scheme", Some(valid.clone())),
        (
            "truncated signature",
            Some(format!("Bearer {}", &valid[..valid.len() - 4])),
        ),
        // {"alg":"none"} over a real payload, no signature.
        (
            "alg none",
            Some(format!("Bearer eyJhbGciOiJub25lIn0.{body}.")),
        ),
        (
            "other secret",
            Some(format!(
                "Bearer {}",
                sign(
                    json!({"sub": "1", "exp": now + 600}),
                    "another-secret-0123456789abcdef"
                )
            )),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(
                    json!({"sub": "1", "iat": now - 7200, "exp": now - 3600}),
                    AUTH_SECRET
                )
            )),
        ),
        (
            "no exp",
            Some(format!("Bearer {}", sign(json!({"sub": "1"}), AUTH_SECRET))),
        ),
        (
            "sub not an id",
            Some(format!(
                "Bearer {}",
                sign(json!({"sub": "abc", "exp": now + 600}), AUTH_SECRET)
            )),
        ),
        (
            "sub zero",
            Some(format!(
                "Bearer {}",
                sign(json!({"sub": "0", "exp": now + 600}), AUTH_SECRET)
            )),
        ),
        (
            "centrifugo token",
            Some(format!("Bearer {centrifugo_token}")),
        ),
    ]
}

#[tokio::test]
async fn every_route_refuses_missing_and_bad_tokens_with_the_laravel_body() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let message = app.send(&anna, chat, "hi").await["id"].as_i64().unwrap();
    let (_, token) = app.get("/api/update-centrifugo-token", &anna).await;
    let centrifugo = token["centrifugo_token"].as_str().unwrap().to_string();
    let before = crate::expect::snapshot(&app).await;

    for (why, credential) in bad_credentials(&app, &centrifugo) {
        for (method, path, body) in routes(chat, message) {
            let (status, _, reply) =
                raw(&app, method.clone(), &path, credential.as_deref(), body).await;
            assert_eq!(
                status,
                reqwest::StatusCode::UNAUTHORIZED,
                "{why}: {method} {path}: {reply}"
            );
            assert_unauthenticated(status, &reply);
        }
    }
    assert_eq!(
        crate::expect::snapshot(&app).await,
        before,
        "refused requests store nothing"
    );
}

#[tokio::test]
async fn a_token_in_the_query_string_is_not_accepted() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    for path in [
        format!("/api/get-user-info?token={anna}"),
        format!("/api/get-user-info?access_token={anna}"),
        format!("/api/get-user-info?api_token={anna}"),
    ] {
        let (status, _, body) = raw(&app, Method::GET, &path, None, None).await;
        assert_unauthenticated(status, &body);
    }
}

#[tokio::test]
async fn a_bad_signature_for_an_unknown_user_provisions_nobody() {
    let app = TestApp::spawn().await;
    let now = chatctl::auth::now_secs();
    let forged = sign(
        json!({"sub": "77", "name": "Mallory", "exp": now + 600}),
        "another-secret-0123456789abcdef",
    );
    let (status, body) = app.get("/api/get-user-info", &forged).await;
    assert_unauthenticated(status, &body);
    assert_eq!(app.count("users").await, 0);
}

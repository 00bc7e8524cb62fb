//! Just-in-time user provisioning: with `auth.provision_users` on, a valid token for an
//! unknown user creates them from the token's claims; with it off, that token is a 401.

use reqwest::StatusCode;

use crate::common::TestApp;
use crate::expect::assert_unauthenticated;

#[tokio::test]
async fn with_provisioning_off_a_valid_token_for_an_unknown_user_is_401() {
    let app = TestApp::spawn_with(|c| c.auth.provision_users = false).await;
    let ghost = app.token(7, "Ghost");
    for path in [
        "/api/get-user-info",
        "/api/chats",
        "/api/update-centrifugo-token",
    ] {
        let (status, body) = app.get(path, &ghost).await;
        assert_unauthenticated(status, &body);
    }
    assert_eq!(app.count("users").await, 0, "nobody was created");
}

#[tokio::test]
async fn with_provisioning_off_known_users_still_get_in() {
    let app = TestApp::spawn_with(|c| c.auth.provision_users = false).await;
    let known = app.user(8, "Known").await;
    let (status, body) = app.get("/api/get-user-info", &known).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Known");
    // ...but cannot open a chat with someone who was never provisioned.
    let (status, body) = app
        .post("/api/chats", &known, serde_json::json!({"companionId": 7}))
        .await;
    crate::expect::assert_invalid(status, &body, "companionId");
}

#[tokio::test]
async fn with_provisioning_on_the_user_is_created_from_the_name_claim() {
    let app = TestApp::spawn().await;
    assert_eq!(app.count("users").await, 0);
    let vera = app.token(9, "Вера Новая");
    let (status, body) = app.get("/api/get-user-info", &vera).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], 9);
    assert_eq!(body["name"], "Вера Новая");
    assert_eq!(body["email"], "u9@example.test");
    assert_eq!(app.count("users").await, 1);

    // The provisioned user is a real user: others find them and can chat with them.
    let boris = app.token(10, "Boris");
    let (status, found) = app
        .get("/api/search-users?search=%D0%B2%D0%B5%D1%80%D0%B0", &boris)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["id"], 9, "{found}");
    assert_eq!(found[0]["name"], "Вера Новая");
    let chat = app.chat(&boris, 9).await;
    assert!(chat > 0);
    assert_eq!(app.count("users").await, 2);
}

#[tokio::test]
async fn a_second_request_does_not_provision_the_user_twice() {
    let app = TestApp::spawn().await;
    let vera = app.token(9, "Vera");
    for _ in 0..3 {
        assert_eq!(app.get("/api/get-user-info", &vera).await.0, StatusCode::OK);
    }
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn a_token_without_a_name_claim_still_provisions_a_named_user() {
    let app = TestApp::spawn().await;
    let nameless = app.token(11, "");
    let (status, body) = app.get("/api/get-user-info", &nameless).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], 11);
    let name = body["name"].as_str().expect("name is a string");
    assert!(
        !name.trim().is_empty(),
        "a provisioned user has a usable name: {body}"
    );
}

#[tokio::test]
async fn a_token_without_a_name_claim_keeps_its_email_claim() {
    // The token carries `email` (u11@example.test) but no `name`.
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/api/get-user-info", &app.token(11, "")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["email"], "u11@example.test",
        "the email claim was dropped: {body}"
    );
}

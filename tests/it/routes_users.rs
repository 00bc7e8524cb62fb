//! GET /api/get-user-info and GET /api/search-users: the happy path with the contract's
//! exact field names and JSON types, and the validation failure of search (401s for every
//! route are in `auth_failures`).

use chatctl::db::users::Profile;
use reqwest::StatusCode;

use crate::common::TestApp;
use crate::expect::{assert_invalid, assert_user, shaped};

#[tokio::test]
async fn user_info_returns_the_callers_id_name_avatar_and_email() {
    let app = TestApp::spawn().await;
    let anna = app.user(5, "Анна").await;
    let (status, info) = app.get("/api/get-user-info", &anna).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["id"], 5);
    assert!(info["id"].is_i64());
    assert_eq!(info["name"], "Анна");
    assert!(info["avatar"].is_null(), "{info}");
    assert_eq!(info["email"], "u5@example.test");
}

#[tokio::test]
async fn user_info_returns_the_avatar_as_a_string_when_there_is_one() {
    let app = TestApp::spawn().await;
    let profile = Profile {
        name: "Boris".into(),
        email: "boris@example.test".into(),
        avatar: Some("https://cdn.example.test/b.png".into()),
    };
    app.service.upsert_user(6, &profile).await.unwrap();
    let (status, info) = app.get("/api/get-user-info", &app.token(6, "Boris")).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["avatar"], "https://cdn.example.test/b.png");
    assert_eq!(info["email"], "boris@example.test");
}

#[tokio::test]
async fn search_returns_users_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    app.user(2, "Anna Never Seen").await;
    let seen = app.user(3, "Anna Active").await;
    // Any API call marks the caller online, so user 3 has a last_seen_at.
    assert_eq!(app.get("/api/get-user-info", &seen).await.0, StatusCode::OK);

    let (status, found) = app.get("/api/search-users?search=anna", &me).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let found = found.as_array().expect("search returns a JSON array");
    assert_eq!(found.len(), 2, "{found:?}");
    for user in found {
        assert_user(user);
    }
    let by_id = |id: i64| found.iter().find(|u| u["id"] == id).unwrap();
    let never = by_id(2);
    assert_eq!(never["name"], "Anna Never Seen");
    assert_eq!(never["email"], "u2@example.test");
    assert_eq!(never["is_online"], false);
    assert!(never["last_seen_at"].is_null(), "{never}");
    let active = by_id(3);
    assert_eq!(active["is_online"], true);
    let seen_at = active["last_seen_at"]
        .as_str()
        .expect("an active user was seen");
    assert!(shaped(seen_at, "99.99.9999 99:99"), "{seen_at}");
}

#[tokio::test]
async fn search_without_a_search_parameter_is_a_422_on_search() {
    let app = TestApp::spawn().await;
    let me = app.user(1, "Caller").await;
    for path in [
        "/api/search-users",
        "/api/search-users?search=",
        "/api/search-users?search=%20%20",
        "/api/search-users?other=anna",
    ] {
        let (status, body) = app.get(path, &me).await;
        assert_invalid(status, &body, "search");
    }
}

//! `serve --demo`: the page, its assets and the development sign-in exist only in demo mode;
//! sign-in creates or picks users through the core and hands out working API tokens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, read};

async fn sign_in(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/demo/sign-in", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    read(response).await
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn without_demo_there_is_no_page_and_no_sign_in() {
    let app = TestApp::spawn().await;
    for path in ["/", "/demo/config", "/demo/users", "/demo/assets/app.js"] {
        assert_eq!(
            get(&app, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (status, _) = sign_in(&app, json!({ "name": "Mallory" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn the_page_and_its_assets_are_embedded() {
    let app = TestApp::spawn_with(|c| {
        c.server.demo = true;
        c.centrifugo.url = "http://127.0.0.1:8000".into();
    })
    .await;
    let page = get(&app, "/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' ws://127.0.0.1:8000"),
        "{csp}"
    );
    assert!(page.text().await.unwrap().contains("/demo/assets/app.js"));
    for (asset, kind) in [
        ("app.js", "text/javascript"),
        ("centrifuge.js", "text/javascript"),
        ("app.css", "text/css"),
        ("centrifuge.LICENSE", "text/plain"),
    ] {
        let response = get(&app, &format!("/demo/assets/{asset}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{asset}: {content_type}");
    }
    assert_eq!(
        get(&app, "/demo/assets/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, config) = read(get(&app, "/demo/config").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["ws_url"], "ws://127.0.0.1:8000/connection/websocket");
    assert!(config["notice"].as_str().unwrap().contains("--demo"));
}

#[tokio::test]
async fn sign_in_creates_or_picks_users_and_mints_working_tokens() {
    let app = TestApp::spawn_with(|c| c.server.demo = true).await;
    app.user(7, "Existing Person").await;
    let (status, anna) = sign_in(&app, json!({ "name": "  Anna " })).await;
    assert_eq!(status, StatusCode::OK, "{anna}");
    assert_eq!(anna["user"], json!({ "id": 8, "name": "Anna" }));
    let (_, again) = sign_in(&app, json!({ "name": "ANNA" })).await;
    assert_eq!(
        again["user"]["id"], 8,
        "the same name in another case is the same user"
    );
    let (_, existing) = sign_in(&app, json!({ "user_id": 7 })).await;
    assert_eq!(existing["user"]["name"], "Existing Person");

    let token = anna["token"].as_str().unwrap();
    let (status, me) = app.get("/api/get-user-info", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "Anna");
    let (_, found) = app.get("/api/search-users?search=exist", token).await;
    assert_eq!(found[0]["id"], 7);

    let (status, users) = read(get(&app, "/demo/users").await).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Existing Person", "Anna"]);
    assert_eq!(
        users[1]["is_online"], true,
        "the token's first call marked Anna online"
    );

    for bad in [
        json!({}),
        json!({ "name": " " }),
        json!({ "name": "x".repeat(41) }),
    ] {
        let (status, body) = sign_in(&app, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["errors"]["name"].is_array(), "{body}");
    }
    let (status, _) = sign_in(&app, json!({ "user_id": 99 })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("users").await, 2);
}

/// With no Centrifugo configured the page uses the embedded server on its own host: a relative
/// WebSocket path, a CSP that needs nothing beyond 'self', and the page's origin accepted with
/// a token of a demo sign-in.
#[tokio::test]
async fn without_centrifugo_the_page_uses_the_embedded_server_of_its_own_host() {
    let rt = crate::rt::Rt::spawn_with(|c| c.server.demo = true).await;
    let app = &rt.app;
    let page = get(app, "/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    let (_, config) = read(get(app, "/demo/config").await).await;
    assert_eq!(config["ws_url"], "/connection/websocket");

    let (_, anna) = sign_in(app, json!({ "name": "Anna" })).await;
    let token = anna["token"].as_str().unwrap();
    let origin = app.base.clone();
    let mut ws = crate::rt::ws::Ws::open_with(&rt.ws_url(), &[("origin", &origin)])
        .await
        .expect("the page's own origin is accepted");
    let connect = rt.connection_token(token).await;
    let reply = ws
        .call(json!({"id": 1, "connect": {"token": connect}}))
        .await;
    assert!(reply["connect"]["client"].is_string(), "{reply}");
    let refused = crate::rt::ws::Ws::open_with(&rt.ws_url(), &[("origin", "http://evil.test")])
        .await
        .err();
    assert_eq!(refused, Some(403), "another origin is refused");
}

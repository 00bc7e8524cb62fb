//! Rate limits: over the limit a user gets 429 with `Retry-After`, the throttled request
//! stores and publishes nothing, and other users are unaffected.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn a_sender_over_the_limit_gets_429_and_nothing_is_stored() {
    // 4 a minute: bursts of 1.
    let app = TestApp::spawn_with(|c| c.rate_limits.send_per_minute = 4).await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    app.send(&anna, chat, "first").await;
    let (messages, outbox) = (app.count("messages").await, app.count("outbox").await);
    let response = app
        .client
        .post(format!("{}/api/chats/{chat}/messages", app.base))
        .bearer_auth(&anna)
        .json(&json!({"text": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["message"].is_string());
    assert_eq!(
        app.count("messages").await,
        messages,
        "a throttled send stores nothing"
    );
    assert_eq!(
        app.count("outbox").await,
        outbox,
        "a throttled send publishes nothing"
    );
    // Boris has his own budget.
    app.send(&boris, chat, "hello").await;
}

#[tokio::test]
async fn search_typing_and_tokens_are_limited_per_user() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.search_per_minute = 4;
        c.rate_limits.typing_per_minute = 4;
        c.rate_limits.tokens_per_minute = 4;
    })
    .await;
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let typing = json!({"chatId": chat, "typing": true});
    for (path, body) in [
        ("/api/search-users?search=bo".to_string(), None),
        ("/api/typing".to_string(), Some(typing.clone())),
        ("/api/update-centrifugo-token".to_string(), None),
    ] {
        let call = |token: String| {
            let (app, path, body) = (&app, path.clone(), body.clone());
            async move {
                match body {
                    Some(b) => app.post(&path, &token, b).await.0,
                    None => app.get(&path, &token).await.0,
                }
            }
        };
        assert_eq!(call(anna.clone()).await, StatusCode::OK, "{path}");
        assert_eq!(
            call(anna.clone()).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{path}"
        );
        assert_eq!(
            call(boris.clone()).await,
            StatusCode::OK,
            "{path}: other users are unaffected"
        );
    }
}

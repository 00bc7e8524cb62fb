//! Rate limits beyond `rate_limits` (security plan checks 25, 34, 37): every limited action,
//! the send and both token routes included, answers 429 with `Retry-After` and Laravel's body;
//! waiting that long is enough; a throttled send or typing request reaches Centrifugo neither
//! through the outbox nor directly; and 100 typing requests in a second publish once (R15).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::standin::{Mode, StandIn, configure, eventually, start_background};

/// (status, Retry-After, body) of a call.
async fn call(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<u64>, Value) {
    let url = format!("{}{path}", app.base);
    let request = match body {
        Some(b) => app.client.post(url).json(&b),
        None => app.client.get(url),
    };
    let response = request.bearer_auth(token).send().await.unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let status = response.status();
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_limited_action_answers_429_with_retry_after_and_laravels_body() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.send_per_minute = 4;
        c.rate_limits.typing_per_minute = 4;
        c.rate_limits.search_per_minute = 4;
        c.rate_limits.tokens_per_minute = 4;
    })
    .await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let routes = [
        (
            format!("/api/chats/{chat}/messages"),
            Some(json!({"text": "x"})),
        ),
        (
            "/api/typing".to_string(),
            Some(json!({"chatId": chat, "typing": true})),
        ),
        ("/api/search-users?search=bo".to_string(), None),
        ("/api/update-centrifugo-token".to_string(), None),
    ];
    for (path, body) in routes {
        let (first, _, reply) = call(&app, &anna, &path, body.clone()).await;
        assert_eq!(first, StatusCode::OK, "{path}: {reply}");
        let (second, retry_after, reply) = call(&app, &anna, &path, body).await;
        assert_eq!(second, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert!(
            retry_after.is_some_and(|s| (1..=15).contains(&s)),
            "{path}: Retry-After {retry_after:?}"
        );
        assert_eq!(reply, json!({"message": "Too Many Attempts."}), "{path}");
    }
    // Subscription tokens share the token budget, which is spent by now.
    let path = format!("/api/centrifugo/subscription-token?channel=user-{chat}-messages");
    let (status, retry_after, _) = call(&app, &anna, &path, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some());
}

#[tokio::test]
async fn waiting_for_retry_after_is_enough_to_be_let_in_again() {
    // 60 a minute: a burst of 15, then one a second.
    let app = TestApp::spawn_with(|c| c.rate_limits.send_per_minute = 60).await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let path = format!("/api/chats/{chat}/messages");
    let mut admitted = 0;
    let wait = loop {
        let (status, retry_after, _) = call(&app, &anna, &path, Some(json!({"text": "x"}))).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break retry_after.unwrap();
        }
        admitted += 1;
        assert!(admitted <= 16, "the burst never ended");
    };
    assert!((15..=16).contains(&admitted), "a burst of 15: {admitted}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (status, _, _) = call(&app, &anna, &path, Some(json!({"text": "x"}))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "admitted again after Retry-After ({wait} s)"
    );
}

#[tokio::test]
async fn throttled_sends_and_typing_publish_nothing() {
    let standin = StandIn::start(Mode::Ok).await;
    let app = TestApp::spawn_with(|c| {
        configure(c, &standin);
        c.rate_limits.send_per_minute = 4;
        c.rate_limits.typing_per_minute = 4;
    })
    .await;
    let _relay = start_background(&app);
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let first = app.send(&anna, chat, "admitted").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/chats/{chat}/messages");
    for text in ["throttled 1", "throttled 2"] {
        let (status, _, _) = call(&app, &anna, &path, Some(json!({"text": text}))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    for typing in [true, false, true] {
        call(
            &app,
            &anna,
            "/api/typing",
            Some(json!({"chatId": chat, "typing": typing})),
        )
        .await;
    }
    eventually(
        "the admitted message published",
        Duration::from_secs(10),
        || async { !standin.message_ids().is_empty() },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        standin.message_ids(),
        vec![first],
        "throttled sends were never published"
    );
    let typing: Vec<_> = standin
        .published()
        .into_iter()
        .filter(|(c, _)| c.starts_with("chat."))
        .collect();
    assert_eq!(
        typing.len(),
        1,
        "only the admitted typing event: {typing:?}"
    );
}

#[tokio::test]
async fn a_hundred_typing_requests_in_a_second_publish_once() {
    let standin = StandIn::start(Mode::Ok).await;
    let app = TestApp::spawn_with(|c| configure(c, &standin)).await;
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    let started = std::time::Instant::now();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let (status, _, _) = call(
            &app,
            &anna,
            "/api/typing",
            Some(json!({"chatId": chat, "typing": true})),
        )
        .await;
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the burst took {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let published = standin
        .published()
        .iter()
        .filter(|(c, _)| c.starts_with("chat."))
        .count();
    eprintln!(
        "R15: 100 typing requests in {:?} ({statuses:?}) made {published} publication(s)",
        started.elapsed()
    );
    assert_eq!(published, 1, "coalesced to one publication");
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
}

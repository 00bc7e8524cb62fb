//! Paging of GET /api/chats/{chatId}/messages: the newest 15 by default, oldest first;
//! `limit` 1..=100; `before=<id>` pages back, `after=<id>` catches up, both together fill the
//! gap between; `has_more` tells whether more exist in that direction; other chats' messages
//! never appear.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::TestApp;
use crate::expect::assert_invalid;

/// Anna's chat with Boris holding `n` messages (interleaved with another chat's); returns
/// Anna's token, the chat and the message ids, oldest first.
async fn chat_with(app: &TestApp, n: usize) -> (String, i64, Vec<i64>) {
    let anna = app.user(1, "Anna").await;
    app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let chat = app.chat(&anna, 2).await;
    let noise = app.chat(&anna, 3).await;
    let mut ids = Vec::new();
    for i in 1..=n {
        ids.push(
            app.send(&anna, chat, &format!("m{i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
        if i % 5 == 0 {
            app.send(&anna, noise, "elsewhere").await;
        }
    }
    (anna, chat, ids)
}

async fn page(app: &TestApp, token: &str, chat: i64, query: &str) -> (Vec<i64>, bool) {
    let (status, body) = app
        .get(&format!("/api/chats/{chat}/messages?{query}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    let ids = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["chat_id"], chat, "{query}: another chat's message");
            m["id"].as_i64().unwrap()
        })
        .collect();
    (ids, body["has_more"].as_bool().expect("has_more is a bool"))
}

#[tokio::test]
async fn the_default_page_is_the_newest_fifteen_oldest_first() {
    let app = TestApp::spawn().await;
    let (anna, chat, ids) = chat_with(&app, 20).await;
    let (got, more) = page(&app, &anna, chat, "").await;
    assert_eq!(got, ids[5..].to_vec());
    assert!(more);
    let (status, body) = app.get(&format!("/api/chats/{chat}/messages"), &anna).await;
    assert_eq!(status, StatusCode::OK);
    let texts: Vec<&Value> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["text"])
        .collect();
    assert_eq!(texts.first().unwrap().as_str(), Some("m6"));
    assert_eq!(texts.last().unwrap().as_str(), Some("m20"));
}

#[tokio::test]
async fn has_more_is_false_when_the_page_holds_everything() {
    let app = TestApp::spawn().await;
    let (anna, chat, ids) = chat_with(&app, 15).await;
    assert_eq!(page(&app, &anna, chat, "").await, (ids.clone(), false));
    app.send(&anna, chat, "m16").await;
    let (got, more) = page(&app, &anna, chat, "").await;
    assert_eq!(got.len(), 15);
    assert!(more, "16 messages do not fit in 15");
}

#[tokio::test]
async fn limit_chooses_the_page_size_up_to_one_hundred() {
    // 120 sends in a row: lift the per-user send rate for this one.
    let app = TestApp::spawn_with(|c| c.rate_limits.send_per_minute = 0).await;
    let (anna, chat, ids) = chat_with(&app, 101).await;
    assert_eq!(
        page(&app, &anna, chat, "limit=5").await,
        (ids[96..].to_vec(), true)
    );
    assert_eq!(
        page(&app, &anna, chat, "limit=1").await,
        (ids[100..].to_vec(), true)
    );
    assert_eq!(
        page(&app, &anna, chat, "limit=100").await,
        (ids[1..].to_vec(), true)
    );
    let before = ids[1];
    assert_eq!(
        page(&app, &anna, chat, &format!("limit=100&before={before}")).await,
        (vec![ids[0]], false)
    );
}

#[tokio::test]
async fn limits_outside_one_to_one_hundred_are_422_on_limit() {
    let app = TestApp::spawn().await;
    let (anna, chat, _) = chat_with(&app, 1).await;
    for query in [
        "limit=101",
        "limit=0",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "limit=99999999999",
    ] {
        let (status, body) = app
            .get(&format!("/api/chats/{chat}/messages?{query}"), &anna)
            .await;
        assert_invalid(status, &body, "limit");
    }
}

#[tokio::test]
async fn before_pages_back_through_the_whole_history() {
    let app = TestApp::spawn().await;
    let (anna, chat, ids) = chat_with(&app, 20).await;
    assert_eq!(
        page(&app, &anna, chat, &format!("before={}", ids[5])).await,
        (ids[..5].to_vec(), false)
    );
    assert_eq!(
        page(&app, &anna, chat, &format!("before={}&limit=5", ids[15])).await,
        (ids[10..15].to_vec(), true)
    );
    let mut seen = Vec::new();
    let (mut got, mut more) = page(&app, &anna, chat, "limit=7").await;
    loop {
        seen.splice(0..0, got.iter().copied());
        if !more {
            break;
        }
        (got, more) = page(&app, &anna, chat, &format!("limit=7&before={}", seen[0])).await;
    }
    assert_eq!(seen, ids, "every message once, in order");
}

#[tokio::test]
async fn after_catches_up_with_newer_messages() {
    let app = TestApp::spawn().await;
    let (anna, chat, ids) = chat_with(&app, 20).await;
    assert_eq!(
        page(&app, &anna, chat, &format!("after={}", ids[14])).await,
        (ids[15..].to_vec(), false)
    );
    assert_eq!(
        page(&app, &anna, chat, &format!("after={}&limit=5", ids[4])).await,
        (ids[5..10].to_vec(), true)
    );
    assert_eq!(
        page(&app, &anna, chat, &format!("after={}", ids[19])).await,
        (vec![], false)
    );
    assert_eq!(
        page(&app, &anna, chat, "after=0&limit=3").await,
        (ids[..3].to_vec(), true)
    );
}

#[tokio::test]
async fn before_and_after_together_give_the_messages_between() {
    let app = TestApp::spawn().await;
    let (anna, chat, ids) = chat_with(&app, 10).await;
    let between = format!("after={}&before={}", ids[1], ids[8]);
    assert_eq!(
        page(&app, &anna, chat, &between).await,
        (ids[2..8].to_vec(), false)
    );
    assert_eq!(
        page(&app, &anna, chat, &format!("{between}&limit=4")).await,
        (ids[2..6].to_vec(), true),
        "a limited gap fills from the older end"
    );
    let empty = format!("after={}&before={}", ids[5], ids[6]);
    assert_eq!(page(&app, &anna, chat, &empty).await, (vec![], false));
}

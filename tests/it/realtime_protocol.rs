//! The embedded server's client protocol: connect and its result, the documented error and
//! disconnect codes, token rules, newline-batched frames, pings, refresh, size limit, origin.

use std::time::Duration;

use chatctl::auth::realtime::Claims;
use serde_json::json;

use crate::common::CENTRIFUGO_SECRET;
use crate::rt::Rt;
use crate::rt::ws::{Got, Ws};

fn token(claims: serde_json::Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(CENTRIFUGO_SECRET.as_bytes()).unwrap();
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

fn now() -> i64 {
    chatctl::auth::now_secs()
}

#[tokio::test]
async fn connect_with_the_apis_token_answers_like_centrifugo() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (c, reply) = rt.client(&anna).await;
    let connect = &reply["connect"];
    assert_eq!(reply["id"], 1);
    assert_eq!(
        connect["client"].as_str().unwrap().len(),
        36,
        "a UUID: {reply}"
    );
    assert!(connect["version"].as_str().unwrap().ends_with("chatctl"));
    assert_eq!(connect["expires"], true);
    let ttl = connect["ttl"].as_i64().unwrap();
    assert!((3598..=3600).contains(&ttl), "{reply}");
    assert_eq!(
        (connect["ping"].clone(), connect["pong"].clone()),
        (json!(25), json!(true))
    );
    let raw = &c.frames[0];
    let at = |key: &str| raw.find(&format!("\"{key}\":")).unwrap();
    let order = ["client", "version", "expires", "ttl", "ping", "pong"].map(at);
    assert!(order.is_sorted(), "Centrifugo's field order: {raw}");
}

#[tokio::test]
async fn bad_first_commands_and_bad_frames_close_with_3501() {
    let rt = Rt::spawn().await;
    for frame in [
        r#"{"id":1,"subscribe":{"channel":"x"}}"#,
        "not json",
        r#"{"id":1,"connect":{}}"#,
        r#"{"id":-1,"connect":{"token":"x"}}"#,
    ] {
        let mut c = Ws::open(&rt.ws_url()).await;
        c.send_text(frame).await;
        assert_eq!(c.closed().await, (3501, "bad request".into()), "{frame}");
    }
}

#[tokio::test]
async fn commands_of_one_frame_are_answered_in_order_and_a_bad_line_ends_the_connection() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let connect = rt.connection_token(&anna).await;
    let mut c = Ws::open(&rt.ws_url()).await;
    let frame = format!(
        "{}\n{}\n\n{}",
        json!({"id": 1, "connect": {"token": connect}}),
        json!({"id": 2, "unsubscribe": {"channel": "a"}}),
        json!({"id": 3, "unsubscribe": {"channel": "b"}})
    );
    c.send_text(&frame).await;
    assert_eq!(c.msg().await["id"], 1);
    assert_eq!(c.msg().await, json!({"id": 2, "unsubscribe": {}}));
    assert_eq!(c.closed().await.0, 3501, "the empty line is a bad request");
    assert_eq!(
        c.frames.len(),
        1,
        "both replies were written as one frame: {:?}",
        c.frames
    );
}

#[tokio::test]
async fn connection_tokens_are_checked_as_centrifugo_checks_them() {
    let rt = Rt::spawn().await;
    let mut expired = Ws::open(&rt.ws_url()).await;
    let t = token(json!({"sub": "1", "exp": now() - 5}));
    let reply = expired
        .call(json!({"id": 1, "connect": {"token": t}}))
        .await;
    assert_eq!(
        reply,
        json!({"id": 1, "error": {"code": 109, "message": "token expired"}})
    );

    for bad in [
        token(json!({"sub": "1", "channel": "user-1-chats"})),
        Claims::connection(1, 60, now())
            .sign("another-secret")
            .unwrap(),
        "abc".to_string(),
    ] {
        let mut c = Ws::open(&rt.ws_url()).await;
        c.send(json!({"id": 1, "connect": {"token": bad}})).await;
        assert_eq!(c.closed().await, (3500, "invalid token".into()));
    }

    let mut forever = Ws::open(&rt.ws_url()).await;
    let reply = forever
        .call(json!({"id": 1, "connect": {"token": token(json!({"sub": "1"}))}}))
        .await;
    assert!(reply["connect"].get("expires").is_none(), "no exp: {reply}");
}

#[tokio::test]
async fn subscription_tokens_must_match_the_connection_and_the_channel() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let sub = |user: &str, channel: &str, exp: i64| {
        token(json!({"sub": user, "channel": channel, "exp": now() + exp}))
    };
    let (mut c, _) = rt.client(&anna).await;
    let cases = [
        (
            json!({"channel": "user-1-chats"}),
            json!({"code": 103, "message": "permission denied"}),
        ),
        (
            json!({"channel": "user-1-chats", "token": sub("1", "user-1-chats", -5)}),
            json!({"code": 109, "message": "token expired"}),
        ),
        (
            json!({"channel": "user-1-chats", "token": token(json!({"sub": "1"}))}),
            json!({"code": 103, "message": "permission denied"}),
        ),
        (
            json!({"channel": "ns:x", "token": sub("1", "ns:x", 60)}),
            json!({"code": 102, "message": "unknown channel"}),
        ),
        (
            json!({"channel": "ü", "token": sub("1", "ü", 60)}),
            json!({"code": 107, "message": "bad request"}),
        ),
    ];
    for (i, (request, error)) in cases.into_iter().enumerate() {
        let reply = c.call(json!({"id": 10 + i, "subscribe": request})).await;
        assert_eq!(reply["error"], error, "{request}");
    }
    let ok = c
        .call(json!({"id": 20, "subscribe": {"channel": "user-1-chats", "token": sub("1", "user-1-chats", 60)}}))
        .await;
    assert_eq!(ok["subscribe"]["recoverable"], true, "{ok}");
    let again = c
        .call(json!({"id": 21, "subscribe": {"channel": "user-1-chats", "token": sub("1", "user-1-chats", 60)}}))
        .await;
    assert_eq!(again["error"]["code"], 105, "already subscribed");

    for wrong in [sub("2", "user-2-chats", 60), sub("1", "user-1-status", 60)] {
        let (mut c, _) = rt.client(&anna).await;
        c.send(json!({"id": 2, "subscribe": {"channel": "user-2-chats", "token": wrong}}))
            .await;
        assert_eq!(c.closed().await, (3500, "invalid token".into()));
    }
}

#[tokio::test]
async fn clients_may_not_publish_or_read_presence_and_history() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, _) = rt.client(&anna).await;
    for (id, command) in [
        (
            2,
            json!({"publish": {"channel": "user-1-chats", "data": {}}}),
        ),
        (3, json!({"presence": {"channel": "user-1-chats"}})),
        (4, json!({"presence_stats": {"channel": "user-1-chats"}})),
        (5, json!({"history": {"channel": "user-1-chats"}})),
    ] {
        let mut command = command;
        command["id"] = json!(id);
        assert_eq!(c.call(command).await["error"]["code"], 103);
    }
    assert_eq!(
        c.call(json!({"id": 6, "rpc": {"method": "m"}})).await["error"]["code"],
        108
    );
    c.send(json!({"send": {"data": {}}})).await;
    assert_eq!(c.closed().await, (3508, "not available".into()));
}

#[tokio::test]
async fn the_server_pings_and_a_client_that_does_not_pong_is_closed_with_3012() {
    let rt = Rt::spawn_with(|c| {
        c.realtime.ping_interval = chatctl::config::Duration(Duration::from_secs(2));
        c.realtime.pong_timeout = chatctl::config::Duration(Duration::from_secs(1));
    })
    .await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut polite, reply) = rt.client(&anna).await;
    assert_eq!(reply["connect"]["ping"], 2);
    let (mut silent, _) = rt.client(&anna).await;
    for _ in 0..2 {
        assert_eq!(
            polite.next(Duration::from_secs(3)).await,
            Got::Msg(json!({}))
        );
        polite.send_text("{}").await;
    }
    polite.send_text("{}").await;
    assert_eq!(
        polite.closed().await.0,
        3501,
        "a pong without a ping is a bad request"
    );
    assert_eq!(
        silent.next(Duration::from_secs(3)).await,
        Got::Msg(json!({}))
    );
    assert_eq!(silent.closed().await, (3012, "no pong".into()));
}

#[tokio::test]
async fn refresh_extends_the_connection_and_an_expired_token_ends_it() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, _) = rt.client(&anna).await;
    let fresh = token(json!({"sub": "1", "exp": now() + 7200}));
    let reply = c.call(json!({"id": 2, "refresh": {"token": fresh}})).await;
    assert_eq!(reply["refresh"]["expires"], true);
    assert!(reply["refresh"]["ttl"].as_i64().unwrap() > 7000);
    let channel_token = token(json!({"sub": "1", "channel": "user-1-chats", "exp": now() + 60}));
    c.call(json!({"id": 3, "subscribe": {"channel": "user-1-chats", "token": channel_token}}))
        .await;
    let longer = token(json!({"sub": "1", "channel": "user-1-chats", "exp": now() + 600}));
    let reply = c
        .call(json!({"id": 4, "sub_refresh": {"channel": "user-1-chats", "token": longer}}))
        .await;
    assert_eq!(reply["sub_refresh"]["expires"], true);
    let other = c
        .call(json!({"id": 5, "sub_refresh": {"channel": "user-9-chats", "token": "x"}}))
        .await;
    assert_eq!(other["error"]["code"], 103, "not subscribed");
    c.send(json!({"id": 6, "refresh": {"token": token(json!({"sub": "1", "exp": now() - 1}))}}))
        .await;
    assert_eq!(c.closed().await, (3005, "connection expired".into()));
}

#[tokio::test]
async fn frames_above_the_size_limit_close_with_1009() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, _) = rt.client(&anna).await;
    c.send_text(&"x".repeat(65_537)).await;
    assert_eq!(c.closed().await.0, 1009);
}

#[tokio::test]
async fn browsers_connect_only_from_allowed_origins() {
    let rt =
        Rt::spawn_with(|c| c.realtime.allowed_origins = vec!["https://*.example.com".into()]).await;
    let url = rt.ws_url();
    let host = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        Ws::open_with(&url, &[("origin", "https://evil.test")])
            .await
            .err(),
        Some(403)
    );
    for origin in ["https://app.example.com", &format!("http://{host}")] {
        assert!(
            Ws::open_with(&url, &[("origin", origin)]).await.is_ok(),
            "{origin}"
        );
    }
    assert!(
        Ws::open_with(&url, &[]).await.is_ok(),
        "no Origin: not a browser"
    );
}

#[tokio::test]
async fn without_connect_a_connection_is_closed_as_stale() {
    let rt = Rt::spawn().await;
    let mut c = Ws::open(&rt.ws_url()).await;
    assert_eq!(
        c.next(Duration::from_secs(12)).await,
        Got::Closed(3502, "stale".into())
    );
}

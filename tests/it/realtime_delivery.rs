//! The embedded server fed by the core: the outbox relay delivers in-process, recovery after
//! a gap, typing without history, online status from connections, shutdown and slow clients.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::rt::Rt;
use crate::rt::ws::Got;

/// The data of a publication push: the original's JSON string, decoded.
fn decoded(push: &Value) -> Value {
    let data = push["push"]["pub"]["data"].as_str().expect("string data");
    serde_json::from_str(data).unwrap()
}

#[tokio::test]
async fn a_sent_message_reaches_the_subscriber_through_the_relay_in_process() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let boris = rt.app.user(2, "Boris").await;
    let chat = rt.app.chat(&anna, 2).await;
    let (mut c, _) = rt.client(&boris).await;
    let channel = format!("user-{chat}-messages");
    let sub = rt.subscribe(&mut c, &boris, &channel, 2).await;
    assert_eq!(
        (sub["recoverable"].clone(), sub["positioned"].clone()),
        (json!(true), json!(true))
    );

    let started = Instant::now();
    let sent = rt.app.send(&anna, chat, "привет").await;
    let push = c.msg().await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(push["push"]["channel"], channel);
    assert_eq!(
        decoded(&push),
        sent,
        "the Message, string-encoded like the original"
    );
    assert_eq!(push["push"]["pub"]["offset"], 1);
    assert_eq!(
        push["push"]["pub"]["epoch"], sub["epoch"],
        "the first publication names the epoch"
    );

    rt.app.send(&anna, chat, "second").await;
    let second = c.msg().await;
    assert_eq!(second["push"]["pub"]["offset"], 2);
    assert!(second["push"]["pub"].get("epoch").is_none());
}

#[tokio::test]
async fn a_resubscribe_recovers_what_was_missed_or_says_it_could_not() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let boris = rt.app.user(2, "Boris").await;
    let chat = rt.app.chat(&anna, 2).await;
    let channel = format!("user-{chat}-messages");
    let (mut c, _) = rt.client(&boris).await;
    let first = rt.subscribe(&mut c, &boris, &channel, 2).await;
    rt.app.send(&anna, chat, "seen").await;
    let seen = c.msg().await;
    let epoch = first["epoch"].clone();
    c.call(json!({"id": 3, "unsubscribe": {"channel": channel}}))
        .await;
    let mut missed = Vec::new();
    for text in ["one", "two", "three"] {
        missed.push(rt.app.send(&anna, chat, text).await);
    }
    // The relay publishes right after each commit; under load that can take a while, so wait
    // until the stream's top offset says all four are in (the server API sees what a resubscribe
    // will).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let history = rt
            .app
            .client
            .post(format!("{}/api/history", rt.app.base))
            .header("X-API-Key", crate::rt::API_KEY)
            .json(&json!({"channel": channel}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let have = history["result"]["offset"].as_u64().unwrap_or(0);
        if have >= 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the relay published {have} of 4: {history}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let token = rt.subscription_token(&boris, &channel).await;
    let offset = seen["push"]["pub"]["offset"].clone();
    let reply = c
        .call(json!({"id": 4, "subscribe": {"channel": channel, "token": token, "recover": true, "epoch": epoch, "offset": offset}}))
        .await;
    let result = &reply["subscribe"];
    assert_eq!(
        (
            result["recovered"].clone(),
            result["was_recovering"].clone()
        ),
        (json!(true), json!(true)),
        "{reply}"
    );
    assert_eq!(
        result["offset"], 1,
        "the client's own offset, as Centrifugo answers"
    );
    let texts: Vec<Value> = result["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            serde_json::from_str::<Value>(p["data"].as_str().unwrap()).unwrap()["text"].clone()
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);

    c.call(json!({"id": 5, "unsubscribe": {"channel": channel}}))
        .await;
    let token = rt.subscription_token(&boris, &channel).await;
    let reply = c
        .call(json!({"id": 6, "subscribe": {"channel": channel, "token": token, "recover": true, "epoch": "gone", "offset": 1}}))
        .await;
    assert!(
        reply["subscribe"].get("recovered").is_none(),
        "another epoch: {reply}"
    );
    assert_eq!(
        reply["subscribe"]["offset"], 4,
        "the stream's top, to continue from"
    );
    assert!(reply["subscribe"].get("publications").is_none());
}

#[tokio::test]
async fn typing_events_arrive_without_history() {
    let rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let boris = rt.app.user(2, "Boris").await;
    let chat = rt.app.chat(&anna, 2).await;
    let (mut c, _) = rt.client(&boris).await;
    rt.subscribe(&mut c, &boris, &format!("chat.{chat}"), 2)
        .await;
    let (status, _) = rt
        .app
        .post(
            "/api/typing",
            &anna,
            json!({"chatId": chat, "typing": true}),
        )
        .await;
    assert_eq!(status, 200);
    let push = c.msg().await;
    assert_eq!(
        decoded(&push),
        json!({"chatId": chat, "userId": 1, "typing": true})
    );
    assert!(
        push["push"]["pub"].get("offset").is_none(),
        "skip_history: {push}"
    );
}

async fn is_online(rt: &Rt, token: &str, chat: i64) -> bool {
    let (_, page) = rt
        .app
        .get(&format!("/api/chats/{chat}/messages"), token)
        .await;
    page["companion"]["is_online"].as_bool().unwrap()
}

#[tokio::test]
async fn users_go_online_on_connect_and_offline_within_a_second_of_their_last_disconnect() {
    let rt = Rt::spawn_with(|c| {
        c.presence.idle_after = chatctl::config::Duration(Duration::from_secs(1));
    })
    .await;
    let anna = rt.app.user(1, "Anna").await;
    let boris = rt.app.user(2, "Boris").await;
    let chat = rt.app.chat(&anna, 2).await;
    let (mut watcher, _) = rt.client(&anna).await;
    rt.subscribe(&mut watcher, &anna, "user-2-status", 2).await;
    let connect_token = rt.connection_token(&boris).await;
    // Boris made API calls: once idle, and without a connection, he goes offline.
    while decoded(&watcher.msg().await)["isOnline"] != false {}

    let mut first = crate::rt::ws::Ws::open(&rt.ws_url()).await;
    let started = Instant::now();
    first
        .call(json!({"id": 1, "connect": {"token": connect_token}}))
        .await;
    let online = decoded(&watcher.msg().await);
    assert_eq!(online["isOnline"], true);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let (second, _) = rt.client(&boris).await;

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(is_online(&rt, &anna, chat).await, "connected, though idle");
    drop(first);
    assert_eq!(
        watcher.next(Duration::from_millis(1500)).await,
        Got::Nothing,
        "one connection left"
    );
    let closed = Instant::now();
    drop(second);
    let offline = decoded(&watcher.msg().await);
    assert_eq!(offline["isOnline"], false);
    assert!(
        closed.elapsed() < Duration::from_millis(1500),
        "{:?}",
        closed.elapsed()
    );
    assert!(!is_online(&rt, &anna, chat).await);
}

#[tokio::test]
async fn shutdown_closes_connections_with_3001() {
    let mut rt = Rt::spawn().await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, _) = rt.client(&anna).await;
    rt.app.stop();
    assert_eq!(c.closed().await, (3001, "shutdown".into()));
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_as_slow() {
    let rt = Rt::spawn_with(|c| c.realtime.queue_max_bytes = 65_536).await;
    let anna = rt.app.user(1, "Anna").await;
    let (mut c, _) = rt.client(&anna).await;
    rt.subscribe(&mut c, &anna, "user-1-chats", 2).await;
    let hub = rt.app.service.realtime().embedded().unwrap().clone();
    let big = serde_json::value::to_raw_value(&"x".repeat(60_000)).unwrap();
    // Far more than the socket buffers hold, while the client reads nothing.
    for _ in 0..2000 {
        let _ = hub.publish(chatctl::realtime::Publish {
            channel: "user-1-chats",
            data: big.clone(),
            skip_history: true,
            tags: None,
            idempotency_key: None,
            version: 0,
            version_epoch: "",
        });
    }
    assert_eq!(c.closed().await, (3008, "slow".into()));
}

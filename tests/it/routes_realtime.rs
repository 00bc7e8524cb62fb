//! GET /api/update-centrifugo-token (HS256 over the Centrifugo secret, `sub`/`iat`/`exp` only,
//! one hour by default) and GET /api/centrifugo/subscription-token (minted only for channels
//! the caller may read; 403 otherwise, 422 without a channel).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Map, Value};

use crate::common::{CENTRIFUGO_SECRET, TestApp};
use crate::expect::assert_invalid;

/// The payload of a JWT, decoded by hand (base64url without padding).
fn payload(token: &str) -> Map<String, Value> {
    let part = token.split('.').nth(1).expect("a JWT has three parts");
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in part.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {part}"),
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    serde_json::from_slice(&bytes).expect("the payload is a JSON object")
}

/// Verifies an HS256 signature over `secret` and returns the claims.
fn verify(token: &str, secret: &str) -> jsonwebtoken::errors::Result<Map<String, Value>> {
    let validation = Validation::new(Algorithm::HS256);
    jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_secret(secret.as_bytes())?,
        &validation,
    )
    .map(|data| data.claims)
}

#[tokio::test]
async fn the_connection_token_names_the_caller_and_lasts_one_hour() {
    let app = TestApp::spawn().await;
    let anna = app.user(42, "Anna").await;
    let (status, body) = app.get("/api/update-centrifugo-token", &anna).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["centrifugo_token"]
        .as_str()
        .expect("centrifugo_token is a string");
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    let claims = payload(token);
    let mut keys: Vec<&str> = claims.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["exp", "iat", "sub"], "nothing else: {claims:?}");
    assert_eq!(claims["sub"], "42", "sub is the caller's id as a string");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    let now = chatctl::auth::now_secs();
    assert!((iat - now).abs() < 60, "iat {iat} is now ({now})");
    assert_eq!(verify(token, CENTRIFUGO_SECRET).unwrap(), claims);
    assert!(verify(token, "some-other-centrifugo-secret").is_err());
    assert!(
        verify(token, crate::common::AUTH_SECRET).is_err(),
        "not the API secret"
    );
}

#[tokio::test]
async fn the_connection_token_lifetime_follows_the_configuration() {
    let app =
        TestApp::spawn_with(|c| c.centrifugo.token_ttl = chatctl::config::Duration::secs(600))
            .await;
    let anna = app.user(1, "Anna").await;
    let (_, body) = app.get("/api/update-centrifugo-token", &anna).await;
    let claims = payload(body["centrifugo_token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
}

/// Anna (1) and Boris (2) share chat `ab`; Boris and Vera (3) share chat `bv`.
async fn three(app: &TestApp) -> (String, i64, i64) {
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    app.user(3, "Vera").await;
    let ab = app.chat(&anna, 2).await;
    let bv = app.chat(&boris, 3).await;
    (anna, ab, bv)
}

async fn subscribe(app: &TestApp, token: &str, channel: &str) -> (StatusCode, Value) {
    app.get(
        &format!("/api/centrifugo/subscription-token?channel={channel}"),
        token,
    )
    .await
}

#[tokio::test]
async fn subscription_tokens_are_minted_for_the_callers_own_channels() {
    let app = TestApp::spawn().await;
    let (anna, ab, _) = three(&app).await;
    for channel in [
        "user-1-chats".to_string(),
        format!("user-{ab}-messages"),
        format!("chat.{ab}"),
        "user-1-status".to_string(),
        "user-2-status".to_string(),
    ] {
        let (status, body) = subscribe(&app, &anna, &channel).await;
        assert_eq!(status, StatusCode::OK, "{channel}: {body}");
        let token = body["token"].as_str().expect("token is a string");
        let claims = verify(token, CENTRIFUGO_SECRET).expect("signed with the Centrifugo secret");
        assert_eq!(claims["channel"], channel.as_str());
        assert_eq!(claims["sub"], "1");
    }
}

#[tokio::test]
async fn subscription_tokens_for_other_peoples_channels_are_403() {
    let app = TestApp::spawn().await;
    let (anna, _, bv) = three(&app).await;
    for channel in [
        "user-2-chats".to_string(),
        format!("user-{bv}-messages"),
        format!("chat.{bv}"),
        "user-3-status".to_string(),
        "user-999999-messages".to_string(),
        "chat.999999".to_string(),
        "user-0-chats".to_string(),
    ] {
        let (status, body) = subscribe(&app, &anna, &channel).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{channel}: {body}");
        assert!(
            body["message"].is_string() && body.get("token").is_none(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn subscription_tokens_for_garbage_channels_are_403() {
    let app = TestApp::spawn().await;
    let (anna, ab, _) = three(&app).await;
    for channel in [
        "foo".to_string(),
        "user-abc-chats".into(),
        "user--chats".into(),
        "user-1-chats-extra".into(),
        "chat.".into(),
        format!("chat.{ab}.1"),
        format!("chat.-{ab}"),
        "%24private".into(),
        "user-1-chats%00".into(),
        "user-99999999999999999999-chats".into(),
    ] {
        let (status, body) = subscribe(&app, &anna, &channel).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{channel}: {body}");
    }
}

#[tokio::test]
async fn a_subscription_token_without_a_channel_is_a_422_on_channel() {
    let app = TestApp::spawn().await;
    let (anna, _, _) = three(&app).await;
    for path in [
        "/api/centrifugo/subscription-token",
        "/api/centrifugo/subscription-token?channel=",
        "/api/centrifugo/subscription-token?chanel=user-1-chats",
    ] {
        let (status, body) = app.get(path, &anna).await;
        assert_invalid(status, &body, "channel");
    }
}

//! The token attacks of the security plan (checks 1–12), over HTTP, against a server set up
//! the way a Laravel Passport site runs it: an RS256 public key and an audience allow-list.
//! Every forged, mangled, expired, premature, mistyped or foreign token is a 401 with exactly
//! `{"message":"Unauthenticated."}` and a `WWW-Authenticate: Bearer` challenge, never a 5xx;
//! the controls next to each attack (the same token done right) are 200, so the table proves
//! the server tells them apart rather than refusing everything.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{CENTRIFUGO_SECRET, TestApp};
use crate::expect::{assert_unauthenticated, raw};

const AUDIENCE: &str = "3";

mod forge;

use forge::*;

/// The server as a Passport site configures it (leeway: the default 30 s).
async fn passport_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.auth.secret = Default::default();
        c.auth.public_key = fixture("passport-public.pem");
        c.auth.audiences = vec![AUDIENCE.into()];
    })
    .await
}

/// (what, Authorization header, expected status).
fn passport_cases(now: i64) -> Vec<(String, Option<String>, StatusCode)> {
    let ok = StatusCode::OK;
    let no = StatusCode::UNAUTHORIZED;
    let base = passport_claims(now);
    let good = passport(&base);
    let public = std::fs::read(fixture("passport-public.pem")).unwrap();
    let public_trimmed = String::from_utf8_lossy(&public)
        .trim_end()
        .as_bytes()
        .to_vec();
    let signature_cut = good[..good.len() - 10].to_string();
    let two_parts = good.rsplit_once('.').unwrap().0.to_string();
    let mut cases: Vec<(String, Value, StatusCode)> = vec![];
    let mut token = |what: &str, claims: Value, status| cases.push((what.into(), claims, status));
    // Controls: the baseline, and each boundary from the inside.
    token("control: Passport's own shape", base.clone(), ok);
    let inside = json!({"exp": now - 25, "nbf": now + 25, "iat": now + 25});
    token(
        "control: exp and nbf inside the leeway",
        with(base.clone(), inside),
        ok,
    );
    let aud_list = json!({"aud": ["other", AUDIENCE]});
    token(
        "control: aud list holding ours",
        with(base.clone(), aud_list),
        ok,
    );
    token(
        "control: sub as a number",
        with(base.clone(), json!({"sub": 42})),
        ok,
    );
    // Claims.
    for (what, change) in [
        ("expired beyond the leeway", json!({"exp": now - 35})),
        ("expired a year ago", json!({"exp": now - 365 * 86400})),
        ("nbf beyond the leeway", json!({"nbf": now + 35})),
        ("iat in the future", json!({"iat": now + 3600})),
        ("exp as a string", json!({"exp": (now + 3600).to_string()})),
        ("nbf as a string", json!({"nbf": (now + 3600).to_string()})),
        ("exp missing", json!({"exp": Value::Null})),
        ("exp negative", json!({"exp": -1})),
        ("exp a bool", json!({"exp": true})),
        ("exp 1e300", json!({"exp": 1e300})),
        ("sub missing", json!({"sub": Value::Null})),
        ("sub empty", json!({"sub": ""})),
        ("sub not a number", json!({"sub": "abc"})),
        ("sub with a space", json!({"sub": "42 "})),
        ("sub negative", json!({"sub": "-1"})),
        ("sub zero", json!({"sub": "0"})),
        ("sub beyond i64", json!({"sub": "9223372036854775808"})),
        ("sub a float", json!({"sub": 42.5})),
        ("sub an object", json!({"sub": {"id": 42}})),
        ("foreign aud", json!({"aud": "4"})),
        ("aud list of foreigners", json!({"aud": ["4", "5"]})),
        ("aud missing", json!({"aud": Value::Null})),
        ("aud a number", json!({"aud": 3})),
        (
            "a subscription token's channel claim",
            json!({"channel": "user-42-chats"}),
        ),
    ] {
        token(what, with(base.clone(), change), no);
    }
    let mut exp_null = base.clone();
    exp_null["exp"] = Value::Null;
    token("exp null", exp_null, no);
    let mut out: Vec<(String, Option<String>, StatusCode)> = cases
        .into_iter()
        .map(|(what, claims, status)| (what, Some(format!("Bearer {}", passport(&claims))), status))
        .collect();
    let mut header =
        |what: &str, value: Option<String>, status| out.push((what.into(), value, status));
    header(
        "control: lower-case bearer",
        Some(format!("bearer {good}")),
        ok,
    );
    // Algorithm and key.
    for alg in ["none", "None", "NONE", "nOnE"] {
        header(
            &format!("alg {alg}"),
            Some(format!("Bearer {}", unsigned(alg, &base))),
            no,
        );
        let signed = format!(
            "{}{}",
            unsigned(alg, &base),
            good.rsplit_once('.').unwrap().1
        );
        header(
            &format!("alg {alg} with a real signature"),
            Some(format!("Bearer {signed}")),
            no,
        );
    }
    for (what, secret) in [
        ("HS256 over the public key PEM", public.clone()),
        ("HS256 over the PEM without its newline", public_trimmed),
        ("HS256 over the public key DER", der(&public)),
    ] {
        header(what, Some(format!("Bearer {}", hs256(&base, &secret))), no);
    }
    let other_key = rs256(&base, "other-private.pem");
    header(
        "RS256 by another key",
        Some(format!("Bearer {other_key}")),
        no,
    );
    header(
        "a flipped signature bit",
        Some(format!("Bearer {}", flip_a_signature_bit(&good))),
        no,
    );
    header(
        "a truncated signature",
        Some(format!("Bearer {signature_cut}")),
        no,
    );
    header("no signature part", Some(format!("Bearer {two_parts}")), no);
    header(
        "four parts",
        Some(format!(
            "Bearer {good}.{}",
            good.rsplit_once('.').unwrap().1
        )),
        no,
    );
    header("junk base64", Some("Bearer e30.!!!.###".into()), no);
    header("empty bearer", Some("Bearer ".into()), no);
    header(
        "a 64 KB token",
        Some(format!("Bearer {}", "a".repeat(64 * 1024))),
        no,
    );
    header("no header", None, no);
    out
}

#[tokio::test]
async fn with_a_passport_key_every_token_attack_is_401_and_every_control_200() {
    let app = passport_app().await;
    let now = chatctl::auth::now_secs();
    let cases = passport_cases(now);
    let mut refused = 0;
    for (what, authorization, expected) in &cases {
        let (status, headers, body) = raw(
            &app,
            Method::GET,
            "/api/get-user-info",
            authorization.as_deref(),
            None,
        )
        .await;
        assert_eq!(status, *expected, "{what}: {body}");
        if *expected == StatusCode::OK {
            assert_eq!(body["id"], 42, "{what}");
        } else {
            assert_unauthenticated(status, &body);
            let challenge = headers.get("www-authenticate").map(|v| v.to_str().unwrap());
            assert_eq!(
                challenge,
                Some("Bearer"),
                "{what}: the 401 names the scheme"
            );
            refused += 1;
        }
    }
    assert!(refused >= 45, "the table has shrunk: {refused} attacks");
    assert_eq!(
        app.count("users").await,
        1,
        "only the controls' user 42 exists"
    );
}

#[tokio::test]
async fn centrifugo_tokens_are_not_api_tokens() {
    let app = TestApp::spawn().await;
    app.user(1, "Anna").await;
    let now = chatctl::auth::now_secs();
    use chatctl::auth::realtime::Claims;
    let connection = Claims::connection(1, 600, now)
        .sign(CENTRIFUGO_SECRET)
        .unwrap();
    let subscription = Claims::subscription(1, "user-1-chats", 600, now)
        .sign(CENTRIFUGO_SECRET)
        .unwrap();
    for token in [connection, subscription] {
        let (status, body) = app.get("/api/get-user-info", &token).await;
        assert_unauthenticated(status, &body);
    }
    // And a deployment cannot make them one: equal secrets are refused at start.
    let mut config = crate::common::test_config("sqlite://x.db".into());
    config.centrifugo.secret = config.auth.secret.clone();
    let refused = config.validate().unwrap_err();
    assert!(refused.contains("must differ"), "{refused}");
}

#[tokio::test]
async fn a_token_only_in_the_query_string_or_a_cookie_is_401() {
    let app = passport_app().await;
    let good = passport(&passport_claims(chatctl::auth::now_secs()));
    for path in [
        format!("/api/get-user-info?token={good}"),
        format!("/api/get-user-info?access_token={good}"),
        format!("/api/chats?api_token={good}"),
    ] {
        let (status, _, body) = raw(&app, Method::GET, &path, None, None).await;
        assert_unauthenticated(status, &body);
    }
    let response = app
        .client
        .get(format!("{}/api/get-user-info", app.base))
        .header("cookie", format!("laravel_token={good}; token={good}"))
        .send()
        .await
        .unwrap();
    let (status, body) = crate::common::read(response).await;
    assert_unauthenticated(status, &body);
}

#[tokio::test]
async fn two_authorization_headers_are_401_not_a_guess() {
    let app = TestApp::spawn().await;
    let anna = app.user(1, "Anna").await;
    let response = app
        .client
        .get(format!("{}/api/get-user-info", app.base))
        .header("authorization", format!("Bearer {anna}"))
        .header("authorization", "Bearer garbage")
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST,
        "{status}"
    );
}

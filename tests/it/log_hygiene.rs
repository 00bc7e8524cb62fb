//! No secret in any log line at any level (security plan check 20): `chatctl serve` runs with
//! `CHATCTL_LOG=trace` through a small workload touching every route, the relay, typing, token
//! minting and refused tokens (also one in a query string); its stderr must not contain the
//! auth secret, the Centrifugo secret, the API key, the database password or any token that
//! went over the wire, in full or as its signature. Centrifugo fails for a moment so that the
//! relay's warnings are among the lines checked: the log has lines of every level but ERROR
//! (which only an internal failure writes).

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{AUTH_SECRET, CENTRIFUGO_SECRET, fresh_database_url};
use crate::process::{Served, api_token};
use crate::standin::{API_KEY, Mode, StandIn, eventually};

/// The password in a database URL, if it has one.
fn password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_string()).filter(|p| !p.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_of_a_workload_contain_no_secret_and_no_token() {
    let standin = StandIn::start(Mode::Ok).await;
    let url = fresh_database_url().await;
    let env = [
        ("CENTRIFUGO_URL", standin.url.clone()),
        ("CENTRIFUGO_API_KEY", API_KEY.to_string()),
        ("CHATCTL_LOG", "trace".to_string()),
    ];
    let mut served = Served::start(&url, &env).await;
    let client = reqwest::Client::new();
    let base = served.base.clone();
    let (anna, boris) = (api_token(1), api_token(2));
    let mut tokens = vec![anna.clone(), boris.clone()];
    let call = |method: reqwest::Method, path: String, token: String, body: Option<Value>| {
        let request = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method as M;
    call(M::GET, "/api/get-user-info".into(), boris.clone(), None).await;
    let (_, chat) = call(
        M::POST,
        "/api/chats".into(),
        anna.clone(),
        Some(json!({"companionId": 2})),
    )
    .await;
    let chat = chat["chatId"].as_i64().expect("chat created");
    // Centrifugo failing for a moment: the relay's warnings are logged too.
    standin.set(Mode::Error(100));
    for text in ["one", "two", "three"] {
        let body = json!({"text": text, "client_message_id": text});
        call(
            M::POST,
            format!("/api/chats/{chat}/messages"),
            anna.clone(),
            Some(body),
        )
        .await;
    }
    call(
        M::GET,
        format!("/api/chats/{chat}/messages"),
        boris.clone(),
        None,
    )
    .await;
    call(
        M::POST,
        "/api/typing".into(),
        boris.clone(),
        Some(json!({"chatId": chat, "typing": true})),
    )
    .await;
    call(
        M::GET,
        "/api/search-users?search=user".into(),
        anna.clone(),
        None,
    )
    .await;
    let (_, minted) = call(
        M::GET,
        "/api/update-centrifugo-token".into(),
        anna.clone(),
        None,
    )
    .await;
    tokens.push(minted["centrifugo_token"].as_str().unwrap().to_string());
    let path = format!("/api/centrifugo/subscription-token?channel=user-{chat}-messages");
    let (_, minted) = call(M::GET, path, anna.clone(), None).await;
    tokens.push(minted["token"].as_str().unwrap().to_string());
    // Refused: a forged token, and a real one in the query string.
    let forged = chatctl::auth::api::mint(
        "forged-secret-0123456789abcdef",
        1,
        &Default::default(),
        600,
        chatctl::auth::now_secs(),
    )
    .unwrap();
    call(M::GET, "/api/chats".into(), forged.clone(), None).await;
    tokens.push(forged);
    let in_query = api_token(3);
    client
        .get(format!("{base}/api/chats?token={in_query}"))
        .send()
        .await
        .unwrap();
    tokens.push(in_query);
    eventually("the relay warned", Duration::from_secs(5), || async {
        served.log_text().contains(" WARN ")
    })
    .await;
    standin.set(Mode::Ok);
    eventually("the relay published", Duration::from_secs(10), || async {
        standin.message_ids().len() == 3
    })
    .await;
    served.terminate();
    assert_eq!(served.wait(Duration::from_secs(15)).await, Some(0));

    let log = served.log_text();
    // Trace logging prints the lines of every level; the grep below covers each of them.
    let levels: Vec<(&str, usize)> = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]
        .into_iter()
        .map(|level| {
            let tag = format!(" {level} ");
            (level, log.lines().filter(|l| l.contains(&tag)).count())
        })
        .collect();
    for (level, lines) in &levels {
        assert!(
            *lines > 0 || *level == "ERROR",
            "no {level} line to check: {levels:?}"
        );
    }
    assert!(log.lines().count() > 50, "trace logging was on:\n{log}");
    let mut secrets: Vec<(String, String)> = vec![
        ("auth secret".into(), AUTH_SECRET.into()),
        ("Centrifugo secret".into(), CENTRIFUGO_SECRET.into()),
        ("Centrifugo API key".into(), API_KEY.into()),
    ];
    if let Some(p) = password(&url) {
        secrets.push(("database password".into(), format!(":{p}@")));
    }
    for (n, token) in tokens.iter().enumerate() {
        secrets.push((format!("token {n}"), token.clone()));
        secrets.push((
            format!("token {n}'s signature"),
            token.rsplit('.').next().unwrap().into(),
        ));
    }
    let leaks: Vec<String> = secrets
        .iter()
        .filter_map(|(what, secret)| {
            log.lines()
                .find(|l| l.contains(secret.as_str()))
                .map(|l| format!("{what}: {l}"))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "secrets in the log:\n{}",
        leaks.join("\n")
    );
}

//! An exhausted database pool (security plan check 49, figure R13): with every connection
//! held elsewhere, requests fail fast (within the acquire timeout, 3 s by default) with 503 and
//! `Retry-After`, never hang and never 500; `/healthz` stays 200 so the process is not
//! restarted; and everything works again within a second of the connections coming back.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;
use crate::expect::raw;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_an_exhausted_pool_fail_fast_with_503_and_recover_within_a_second() {
    // The default acquire timeout (3 s), a pool of 2.
    let app = TestApp::spawn_with(|c| c.database.max_connections = 2).await;
    let timeout = app.service.config().database.acquire_timeout.get();
    let anna = format!("Bearer {}", app.user(1, "Anna").await);
    app.user(2, "Boris").await;
    let chat = app.chat(&anna[7..], 2).await;
    let pool = app.service.db().pool();
    let held = vec![pool.acquire().await.unwrap(), pool.acquire().await.unwrap()];

    let calls = [
        (Method::GET, "/api/chats".to_string(), None),
        (Method::GET, format!("/api/chats/{chat}/messages"), None),
        (
            Method::POST,
            format!("/api/chats/{chat}/messages"),
            Some(json!({"text": "x"})),
        ),
        (Method::GET, "/readyz".to_string(), None),
    ];
    let started = Instant::now();
    let tasks: Vec<_> = (0..5)
        .flat_map(|_| calls.clone())
        .map(|(method, path, body)| {
            let (app_base, client, anna) = (app.base.clone(), app.client.clone(), anna.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let mut request = client
                    .request(method, format!("{app_base}{path}"))
                    .header("authorization", anna);
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let response = request.send().await.unwrap();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                (path, response.status(), retry_after, t.elapsed())
            })
        })
        .collect();
    let (status, _, _) = raw(&app, Method::GET, "/healthz", None, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "liveness does not depend on the database"
    );
    let mut slowest = Duration::ZERO;
    for task in tasks {
        let (path, status, retry_after, took) = task.await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(retry_after.as_deref(), Some("1"), "{path}");
        slowest = slowest.max(took);
    }
    assert!(
        slowest < timeout + Duration::from_millis(500),
        "failed fast: slowest {slowest:?}"
    );
    let waited = started.elapsed();

    drop(held);
    let released = Instant::now();
    loop {
        let (status, _, _) = raw(&app, Method::GET, "/api/chats", Some(&anna), None).await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            released.elapsed() < Duration::from_secs(1),
            "not recovered within 1 s"
        );
    }
    let recovered = released.elapsed();
    eprintln!(
        "R13: 20 requests on an exhausted pool all 503 within {slowest:?} (acquire timeout {timeout:?}, {waited:?} in all); recovered {recovered:?} after release"
    );
    let (status, body) = app
        .post(
            &format!("/api/chats/{chat}/messages"),
            &anna[7..],
            json!({"text": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

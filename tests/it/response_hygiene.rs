//! Response hygiene (security plan checks 29 and 38): CORS answers only configured exact
//! origins, echoing the origin and never `*` (and never `*` with credentials); a hostile or
//! look-alike origin gets no `Access-Control-Allow-Origin`; without configured origins no CORS
//! header is sent at all; and error answers of every kind carry `nosniff` and `no-store` like
//! the rest (see `http_basics` for 200, 401, 404 and 422).

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::common::TestApp;

const ALLOWED: &str = "https://app.example";

async fn with_origin(
    app: &TestApp,
    method: Method,
    path: &str,
    origin: &str,
) -> (StatusCode, HeaderMap) {
    let mut request = app
        .client
        .request(method.clone(), format!("{}{path}", app.base))
        .header("origin", origin);
    if method == Method::OPTIONS {
        request = request
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            );
    }
    let response = request.send().await.unwrap();
    (response.status(), response.headers().clone())
}

fn allow_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn only_configured_exact_origins_are_allowed_and_never_as_a_wildcard() {
    let app = TestApp::spawn_with(|c| c.server.cors_origins = vec![ALLOWED.into()]).await;
    for method in [Method::OPTIONS, Method::GET] {
        let (_, headers) = with_origin(&app, method.clone(), "/api/chats", ALLOWED).await;
        assert_eq!(
            allow_origin(&headers),
            Some(ALLOWED),
            "{method}: the allowed origin is echoed"
        );
        assert_ne!(
            headers
                .get("access-control-allow-credentials")
                .map(|v| v.as_bytes()),
            Some(&b"true"[..]),
            "bearer tokens need no credentials mode"
        );
        let vary = headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        assert!(
            vary.contains("origin"),
            "{method}: caches must key on Origin: {vary}"
        );
    }
    let (status, headers) = with_origin(&app, Method::OPTIONS, "/api/chats", ALLOWED).await;
    assert!(status.is_success(), "{status}");
    let methods = headers
        .get("access-control-allow-methods")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && !methods.contains('*'),
        "{methods}"
    );
    for hostile in [
        "https://evil.example",
        "https://app.example.evil.example",
        "http://app.example",
        "https://app.example:8443",
        "null",
    ] {
        for method in [Method::OPTIONS, Method::GET, Method::POST] {
            let (_, headers) = with_origin(&app, method.clone(), "/api/chats", hostile).await;
            assert_eq!(allow_origin(&headers), None, "{method} from {hostile}");
        }
    }
}

#[tokio::test]
async fn without_configured_origins_no_cors_header_is_sent() {
    let app = TestApp::spawn().await;
    for origin in [ALLOWED, "https://evil.example"] {
        for method in [Method::OPTIONS, Method::GET] {
            let (_, headers) = with_origin(&app, method.clone(), "/api/chats", origin).await;
            let cors: Vec<_> = headers
                .keys()
                .filter(|k| k.as_str().starts_with("access-control-"))
                .collect();
            assert!(cors.is_empty(), "{method} from {origin}: {cors:?}");
        }
    }
}

#[tokio::test]
async fn error_answers_of_every_kind_carry_nosniff_and_no_store() {
    let app = TestApp::spawn_with(|c| c.rate_limits.search_per_minute = 4).await;
    let anna = app.user(1, "Anna").await;
    let post = |content_type: &str, body: Vec<u8>| {
        app.client
            .post(format!("{}/api/chats", app.base))
            .bearer_auth(&anna)
            .header("content-type", content_type)
            .body(body)
    };
    let search = || {
        app.client
            .get(format!("{}/api/search-users?search=x", app.base))
            .bearer_auth(&anna)
    };
    search().send().await.unwrap();
    let cases = [
        ("400", post("application/json", b"{".to_vec())),
        ("413", post("application/json", vec![b' '; 70 * 1024])),
        ("415", post("text/plain", b"companionId=2".to_vec())),
        ("429", search()),
        (
            "405",
            app.client
                .delete(format!("{}/api/chats", app.base))
                .bearer_auth(&anna),
        ),
    ];
    for (expected, request) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_str(), expected);
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{expected}");
        assert_eq!(headers["cache-control"], "no-store", "{expected}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{expected}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["message"].is_string(), "{expected}: {body}");
    }
}

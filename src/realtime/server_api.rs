//! Centrifugo's server HTTP API, the subset chatctl's tools and the `cent` client use:
//! `POST /api/{publish,broadcast,batch,presence,presence_stats,history,history_remove,info}`
//! with the same authentication (`X-API-Key`, `Authorization: apikey`, `?api_key=`; a
//! failure is a bare 401), envelopes (`{"result":..}` / `{"error":..}` with status 200, or
//! real statuses with `X-Centrifugo-Error-Mode: transport`) and `400 Bad Request` for a body
//! that is not the expected JSON.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::api_methods::{self as m, Method};
use super::hub::Hub;
use super::protocol::ReplyError;

/// The WebSocket endpoint and the server API, on the hub's state.
pub fn router(hub: Hub) -> Router {
    let mut api = Router::new();
    for method in m::METHODS {
        api = api.route(
            &format!("/api/{}", method.name()),
            post(call).with_state((hub.clone(), *method)),
        );
    }
    api.layer(DefaultBodyLimit::max(16 * 1024 * 1024)).merge(
        Router::new()
            .route("/connection/websocket", get(super::ws::upgrade))
            .with_state(hub),
    )
}

/// Constant-time comparison of the key.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Centrifugo's key lookup: `X-API-Key` alone when present, else `Authorization: apikey K`,
/// else `?api_key=K`. An empty configured key refuses everything.
fn authorized(key: &str, headers: &HeaderMap, uri: &Uri) -> bool {
    if key.is_empty() {
        return false;
    }
    if let Some(given) = headers.get("x-api-key") {
        return given.to_str().is_ok_and(|g| same(g, key));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let mut parts = v.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(scheme), Some(k), None) if scheme.eq_ignore_ascii_case("apikey") => Some(k),
                _ => None,
            }
        });
    if bearer.is_some_and(|k| same(k, key)) {
        return true;
    }
    uri.query().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "api_key" && same(&v, key))
    })
}

async fn call(
    State((hub, method)): State<(Hub, Method)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if !authorized(&hub.settings().api_key, &headers, &uri) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let transport = headers
        .get("x-centrifugo-error-mode")
        .is_some_and(|v| v.as_bytes() == b"transport");
    let outcome = match method {
        Method::Batch => return parse(&body).map_or_else(bad_request, |b| json(m::batch(&hub, b))),
        Method::Publish => parse(&body).map(|b| m::publish(&hub, b)),
        Method::Broadcast => parse(&body).map(|b| m::broadcast(&hub, b)),
        Method::Presence => parse(&body).map(|b| m::presence(&hub, b)),
        Method::PresenceStats => parse(&body).map(|b| m::presence_stats(&hub, b)),
        Method::History => parse(&body).map(|b| m::history(&hub, b)),
        Method::HistoryRemove => parse(&body).map(|b| m::history_remove(&hub, b)),
        Method::Info => parse::<m::Empty>(&body).map(|_| Ok(m::info(&hub))),
    };
    match outcome {
        Err(()) => bad_request(()),
        Ok(Ok(result)) => json(format!(r#"{{"result":{result}}}"#)),
        Ok(Err(e)) if transport => (
            status_of(e),
            [(header::CONTENT_TYPE, "application/json")],
            m::error_json(e),
        )
            .into_response(),
        Ok(Err(e)) => json(format!(r#"{{"error":{}}}"#, m::error_json(e))),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ()> {
    serde_json::from_slice(body).map_err(|_| ())
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Centrifugo's answer to a body it cannot decode.
fn bad_request((): ()) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Bad Request\n",
    )
        .into_response()
}

/// HTTP status of an API error in transport error mode.
fn status_of(e: ReplyError) -> StatusCode {
    match e.code {
        102 | 104 => StatusCode::NOT_FOUND,
        107 | 108 => StatusCode::BAD_REQUEST,
        112 => StatusCode::RANGE_NOT_SATISFIABLE,
        113 => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_found_where_centrifugo_looks_for_it() {
        let uri: Uri = "/api/info?api_key=k1".parse().unwrap();
        let plain: Uri = "/api/info".parse().unwrap();
        let mut h = HeaderMap::new();
        assert!(authorized("k1", &h, &uri));
        assert!(!authorized("k1", &h, &plain));
        h.insert(header::AUTHORIZATION, "ApiKey k1".parse().unwrap());
        assert!(authorized("k1", &h, &plain));
        h.insert("x-api-key", "wrong".parse().unwrap());
        assert!(
            !authorized("k1", &h, &uri),
            "X-API-Key alone decides when present"
        );
        assert!(!authorized(
            "",
            &HeaderMap::new(),
            &"/api/info?api_key=".parse().unwrap()
        ));
    }
}

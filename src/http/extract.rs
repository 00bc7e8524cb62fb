//! Extractors: the authenticated caller (Bearer token in the header only, never the query
//! string), loosely typed request bodies validated by the core, and ids from the path.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::AppState;
use super::error::{ApiError, message};
use crate::error::Error;
use crate::service::Caller;
use crate::service::validate::parse_id;

/// The caller, authenticated by `Authorization: Bearer <JWT>`.
pub struct AuthUser(pub Caller);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Exactly one Authorization header: with two, no choice between them is safe.
        let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
        let token = values
            .next()
            .filter(|_| values.next().is_none())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(Error::Unauthenticated))?;
        Ok(AuthUser(state.service.authenticate(token).await?))
    }
}

/// A request body as JSON (or a Laravel-style form), for the core's validation rules.
/// An empty body is `{}`, so missing fields get the usual 422.
pub struct Body(pub Value);

impl FromRequest<AppState> for Body {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                message(status, "The request body is too large.")
            } else {
                message(
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read.",
                )
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Value::Object(Map::new())));
        }
        if content_type == "application/x-www-form-urlencoded" {
            let map = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            return Ok(Body(Value::Object(map)));
        }
        if !(content_type.is_empty()
            || content_type == "application/json"
            || content_type.ends_with("+json"))
        {
            return Err(message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the request body as application/json.",
            ));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value @ Value::Object(_)) => Ok(Body(value)),
            // Like Laravel: input that is not an object has no fields, so each rule reports.
            Ok(_) => Ok(Body(Value::Object(Map::new()))),
            Err(_) => Err(message(
                StatusCode::BAD_REQUEST,
                "The request body is not valid JSON.",
            )),
        }
    }
}

/// Reads an id from the path; anything that is not a positive 64-bit integer is the same 404
/// as a missing resource.
pub fn path_id(text: &str, what: &str) -> Result<i64, ApiError> {
    parse_id(text)
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError(Error::not_found(what)))
}

/// A 404 for unknown routes, in Laravel's shape.
pub async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not Found.").into_response()
}

/// The raw (still percent-encoded) path parameters, in route order. Ids are plain digits, so
/// anything encoded, even bytes that are not UTF-8, simply fails to parse as an id (404)
/// instead of being rejected with a non-JSON 400.
pub struct PathIds(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Parameters that are not even UTF-8 are no ids either: leave them out, so the
        // handler answers the same 404 as for any other bad id.
        let ids = match axum::extract::RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params.iter().map(|(_, v)| v.to_string()).collect(),
            Err(_) => Vec::new(),
        };
        Ok(PathIds(ids))
    }
}

impl PathIds {
    /// The `n`th parameter as an id of `what`.
    pub fn id(&self, n: usize, what: &str) -> Result<i64, ApiError> {
        path_id(self.0.get(n).map_or("", String::as_str), what)
    }
}

/// A JSON 405 for a known path with the wrong method, in Laravel's words.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    message(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("The {method} method is not supported for route {path}."),
    )
}

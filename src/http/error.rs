//! The one mapping from core errors to HTTP: Laravel's JSON shapes and statuses, so a
//! frontend written for the original keeps working. 5xx bodies are generic; the cause is
//! logged.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// A plain `{"message": ...}` response.
pub fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.0 {
            Error::Unauthenticated => {
                // RFC 9110 wants the scheme named on every 401; the body stays Laravel's.
                let mut response = message(StatusCode::UNAUTHORIZED, "Unauthenticated.");
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Error::NotFound(text) => message(StatusCode::NOT_FOUND, &text),
            Error::Forbidden(text) => message(StatusCode::FORBIDDEN, &text),
            Error::Conflict(text) => message(StatusCode::CONFLICT, &text),
            Error::Invalid { message, errors } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "message": message, "errors": errors })),
            )
                .into_response(),
            Error::RateLimited { retry_after_secs } => {
                let mut response = message(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
                response
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "service unavailable");
                unavailable()
            }
            Error::Database(
                ref cause @ (sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)),
            ) => {
                tracing::warn!(%cause, "database unavailable");
                unavailable()
            }
            other => {
                tracing::error!(error = %other, "request failed");
                message(StatusCode::INTERNAL_SERVER_ERROR, "Server Error.")
            }
        }
    }
}

/// 503 with `Retry-After`, for a database that cannot serve right now or a draining server.
pub fn unavailable() -> Response {
    let mut response = message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable.");
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

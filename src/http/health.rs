//! `/healthz` (the process answers) and `/readyz` (the database answers, migrations are
//! current, and the server is not draining for shutdown).

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::error::unavailable;
use axum::response::{IntoResponse, Response};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, body = crate::http::openapi::Status)))]
pub(super) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses((status = 200, body = crate::http::openapi::Status), (status = 503, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining.load(Ordering::SeqCst) {
        return unavailable();
    }
    let db = state.service.db();
    if let Err(e) = db.ping().await {
        tracing::warn!(error = %e, "not ready: database");
        return unavailable();
    }
    match db.pending_migrations().await {
        Ok(pending) if pending.is_empty() => Json(json!({ "status": "ready" })).into_response(),
        Ok(_) => unavailable(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: migrations");
            unavailable()
        }
    }
}

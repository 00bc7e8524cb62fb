//! Centrifugo tokens over HTTP: `GET /api/update-centrifugo-token` (the original's connection
//! token) and `GET /api/centrifugo/subscription-token?channel=CH` (new: minted only for
//! channels the caller is authorized for).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::AuthUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/update-centrifugo-token", get(connection_token))
        .route(
            "/api/centrifugo/subscription-token",
            get(subscription_token),
        )
}

#[utoipa::path(get, path = "/api/update-centrifugo-token", tag = "realtime",
    responses((status = 200, body = crate::http::openapi::ConnectionToken), (status = 401, body = crate::http::openapi::ErrorMessage),
        (status = 429, body = crate::http::openapi::ErrorMessage), (status = 503, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn connection_token(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let token = state.service.connection_token(&me)?;
    Ok(Json(json!({ "centrifugo_token": token })))
}

#[utoipa::path(get, path = "/api/centrifugo/subscription-token", tag = "realtime",
    params(("channel" = String, Query, min_length = 1,
        description = "user-{id}-chats, user-{chatId}-messages, user-{id}-status or chat.{chatId}")),
    responses((status = 200, body = crate::http::openapi::SubscriptionToken), (status = 401, body = crate::http::openapi::ErrorMessage),
        (status = 403, body = crate::http::openapi::ErrorMessage), (status = 422, body = crate::http::openapi::ValidationError),
        (status = 429, body = crate::http::openapi::ErrorMessage), (status = 503, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn subscription_token(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let channel = query.get("channel").map(String::as_str);
    let token = state.service.subscription_token(&me, channel).await?;
    Ok(Json(json!({ "token": token })))
}

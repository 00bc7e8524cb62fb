//! `GET /api/chats` and `POST /api/chats`.

use axum::extract::State;
use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::{AuthUser, Body};
use crate::model::ChatItem;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/chats", get(list).post(create))
}

#[utoipa::path(get, path = "/api/chats", tag = "chats",
    responses((status = 200, body = Vec<crate::model::ChatItem>), (status = 401, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn list(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<Json<Vec<ChatItem>>, ApiError> {
    Ok(Json(state.service.chat_list(&me).await?))
}

#[utoipa::path(post, path = "/api/chats", tag = "chats", request_body = crate::http::openapi::CreateChat,
    responses((status = 200, body = crate::http::openapi::ChatCreated), (status = 400, body = crate::http::openapi::ErrorMessage),
        (status = 401, body = crate::http::openapi::ErrorMessage), (status = 413, body = crate::http::openapi::ErrorMessage),
        (status = 415, body = crate::http::openapi::ErrorMessage), (status = 422, body = crate::http::openapi::ValidationError)))]
pub(super) async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let (chat_id, _created) = state.service.create_chat(&me, &body).await?;
    Ok(Json(json!({ "chatId": chat_id })))
}

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

async fn list(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<Json<Vec<ChatItem>>, ApiError> {
    Ok(Json(state.service.chat_list(&me).await?))
}

async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let (chat_id, _created) = state.service.create_chat(&me, &body).await?;
    Ok(Json(json!({ "chatId": chat_id })))
}

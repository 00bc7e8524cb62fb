//! Messages, read marks and typing: `/api/chats/{chatId}/messages[/{messageId}]` and
//! `/api/typing`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::{AuthUser, Body, PathIds};
use crate::error::Error;
use crate::model::{Message, MessagePage};
use crate::service::PageRequest;
use crate::service::validate::parse_id;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/chats/{chat_id}/messages", get(page).post(send))
        .route(
            "/api/chats/{chat_id}/messages/{message_id}",
            post(mark_read),
        )
        .route("/api/typing", post(typing))
}

#[utoipa::path(get, path = "/api/chats/{chat_id}/messages", tag = "messages",
    params(("chat_id" = i64, Path, description = "The chat", minimum = 1),
        ("before" = Option<i64>, Query, description = "Messages older than this id", minimum = 0),
        ("after" = Option<i64>, Query, description = "Messages newer than this id (with before: the messages between); 0 is the start", minimum = 0),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to limits.page_max", minimum = 1, maximum = 100)),
    responses((status = 200, body = crate::model::MessagePage), (status = 401, body = crate::http::openapi::ErrorMessage),
        (status = 404, body = crate::http::openapi::ErrorMessage), (status = 422, body = crate::http::openapi::ValidationError)))]
pub(super) async fn page(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ids: PathIds,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<MessagePage>, ApiError> {
    let chat_id = ids.id(0, "Chat")?;
    let id_param = |name: &str| -> Result<Option<i64>, ApiError> {
        query
            .get(name)
            .map(|v| {
                parse_id(v).ok_or_else(|| {
                    ApiError(Error::invalid(
                        name,
                        format!("The {name} field must be a message id."),
                    ))
                })
            })
            .transpose()
    };
    let limit = query
        .get("limit")
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                ApiError(Error::invalid(
                    "limit",
                    "The limit field must be an integer.",
                ))
            })
        })
        .transpose()?;
    let request = PageRequest {
        before: id_param("before")?,
        after: id_param("after")?,
        limit,
    };
    Ok(Json(
        state.service.messages_page(&me, chat_id, request).await?,
    ))
}

#[utoipa::path(post, path = "/api/chats/{chat_id}/messages", tag = "messages",
    params(("chat_id" = i64, Path, description = "The chat", minimum = 1)), request_body = crate::http::openapi::SendMessage,
    responses((status = 200, body = crate::model::Message), (status = 400, body = crate::http::openapi::ErrorMessage),
        (status = 401, body = crate::http::openapi::ErrorMessage), (status = 404, body = crate::http::openapi::ErrorMessage),
        (status = 413, body = crate::http::openapi::ErrorMessage), (status = 415, body = crate::http::openapi::ErrorMessage),
        (status = 409, body = crate::http::openapi::ErrorMessage),
        (status = 422, body = crate::http::openapi::ValidationError), (status = 429, body = crate::http::openapi::ErrorMessage),
        (status = 503, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn send(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ids: PathIds,
    Body(body): Body,
) -> Result<Json<Message>, ApiError> {
    let chat_id = ids.id(0, "Chat")?;
    Ok(Json(state.service.send_message(&me, chat_id, &body).await?))
}

#[utoipa::path(post, path = "/api/chats/{chat_id}/messages/{message_id}", tag = "messages",
    params(("chat_id" = i64, Path, description = "The chat", minimum = 1),
        ("message_id" = i64, Path, description = "Read up to this message", minimum = 1)),
    responses((status = 200, body = crate::http::openapi::Empty), (status = 401, body = crate::http::openapi::ErrorMessage),
        (status = 404, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn mark_read(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ids: PathIds,
) -> Result<Json<Value>, ApiError> {
    let chat_id = ids.id(0, "Chat")?;
    let message_id = ids.id(1, "Message")?;
    state.service.mark_read(&me, chat_id, message_id).await?;
    Ok(Json(json!({})))
}

#[utoipa::path(post, path = "/api/typing", tag = "messages", request_body = crate::http::openapi::Typing,
    responses((status = 200, body = crate::http::openapi::Empty), (status = 400, body = crate::http::openapi::ErrorMessage),
        (status = 401, body = crate::http::openapi::ErrorMessage), (status = 404, body = crate::http::openapi::ErrorMessage),
        (status = 413, body = crate::http::openapi::ErrorMessage), (status = 415, body = crate::http::openapi::ErrorMessage),
        (status = 422, body = crate::http::openapi::ValidationError), (status = 429, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn typing(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    state.service.typing(&me, &body).await?;
    Ok(Json(json!({})))
}

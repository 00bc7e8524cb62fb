//! `GET /api/get-user-info` and `GET /api/search-users`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};

use super::AppState;
use super::error::ApiError;
use super::extract::AuthUser;
use crate::model::{User, UserInfo};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/get-user-info", get(info))
        .route("/api/search-users", get(search))
}

#[utoipa::path(get, path = "/api/get-user-info", tag = "users",
    responses((status = 200, body = crate::model::UserInfo), (status = 401, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn info(State(state): State<AppState>, AuthUser(me): AuthUser) -> Json<UserInfo> {
    Json(state.service.user_info(&me))
}

#[utoipa::path(get, path = "/api/search-users", tag = "users",
    params(("search" = String, Query, description = "Part of a name, any case and script",
        min_length = 1, max_length = 100, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")),
    responses((status = 200, body = Vec<crate::model::User>), (status = 401, body = crate::http::openapi::ErrorMessage),
        (status = 422, body = crate::http::openapi::ValidationError), (status = 429, body = crate::http::openapi::ErrorMessage)))]
pub(super) async fn search(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<User>>, ApiError> {
    let found = state
        .service
        .search_users(&me, query.get("search").map(String::as_str))
        .await?;
    Ok(Json(found))
}

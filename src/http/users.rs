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

async fn info(State(state): State<AppState>, AuthUser(me): AuthUser) -> Json<UserInfo> {
    Json(state.service.user_info(&me))
}

async fn search(
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

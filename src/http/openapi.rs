//! The OpenAPI description of the whole API, generated from the handlers' annotations and the
//! wire types, served at `/openapi.json` (schemathesis runs against it in the test suite).

use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::AppState;
use crate::model::{ChatItem, LastMessage, Message, MessagePage, User, UserInfo};

/// `{"message": ...}`: every error except validation.
#[derive(Serialize, ToSchema)]
pub struct ErrorMessage {
    pub message: String,
}

/// Laravel's 422: the first error as `message`, all of them per field.
#[derive(Serialize, ToSchema)]
pub struct ValidationError {
    pub message: String,
    pub errors: std::collections::BTreeMap<String, Vec<String>>,
}

/// `POST /api/chats` body.
#[derive(Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct CreateChat {
    /// An existing user to chat with (not yourself).
    #[schema(schema_with = laravel_integer)]
    pub companionId: i64,
}

/// `POST /api/chats` answer.
#[derive(Serialize, ToSchema)]
#[allow(non_snake_case)]
pub struct ChatCreated {
    pub chatId: i64,
}

/// `POST /api/chats/{chatId}/messages` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct SendMessage {
    /// 1 to 4000 characters (configurable), not blank, no NUL.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00]*[^\s\x00][^\x00]*$"
    )]
    pub text: String,
    /// Makes the send idempotent per sender: a repeat returns the stored message.
    #[schema(
        nullable = true,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00]+$"
    )]
    pub client_message_id: Option<String>,
}

/// `POST /api/typing` body.
#[derive(Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct Typing {
    #[schema(schema_with = laravel_integer)]
    pub chatId: i64,
    #[schema(schema_with = laravel_boolean)]
    pub typing: bool,
}

/// `{}`.
#[derive(Serialize, ToSchema)]
pub struct Empty {}

/// `GET /api/update-centrifugo-token` answer.
#[derive(Serialize, ToSchema)]
pub struct ConnectionToken {
    pub centrifugo_token: String,
}

/// `GET /api/centrifugo/subscription-token` answer.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionToken {
    pub token: String,
}

/// `/healthz` and `/readyz` answers.
#[derive(Serialize, ToSchema)]
pub struct Status {
    pub status: String,
}

/// Laravel's `integer` rule, as the original accepted it: a number, or a string of digits.
fn laravel_integer() -> Schema {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]{1,18}$")),
        )
        .description(Some(
            "An integer, or a string of digits (Laravel's integer rule)",
        ))
        .build()
        .into()
}

/// Laravel's `boolean` rule: true, false, 1, 0, "1", "0", "true", "false".
fn laravel_boolean() -> Schema {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([0, 1])),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["0", "1", "true", "false"])),
        )
        .build()
        .into()
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "chatctl", description = "The chequite/chat API, drop-in, with membership checks."),
    paths(
        super::users::info,
        super::users::search,
        super::chats::list,
        super::chats::create,
        super::messages::page,
        super::messages::send,
        super::messages::mark_read,
        super::messages::typing,
        super::realtime::connection_token,
        super::realtime::subscription_token,
        super::health::healthz,
        super::health::readyz,
    ),
    components(schemas(
        User, UserInfo, Message, ChatItem, LastMessage, MessagePage, ErrorMessage, ValidationError,
        CreateChat, ChatCreated, SendMessage, Typing, Empty, ConnectionToken, SubscriptionToken, Status
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

//! `chatctl serve --demo`: a small web chat at `/` that uses only the original's API and
//! channels, plus a development-only sign-in that hands out API tokens to anyone. The assets
//! under `web/demo/` are embedded in the binary; none of these routes exist without `--demo`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::AppState;
use super::error::ApiError;
use super::extract::Body;
use crate::auth;
use crate::config::Config;
use crate::db::users::Profile;
use crate::error::Error;

/// Lifetime of a demo API token.
const TOKEN_TTL_SECS: i64 = 24 * 3600;
/// Longest demo user name, in characters.
const NAME_MAX: usize = 40;
/// Users offered by the sign-in picker.
const PICKER_MAX: u32 = 50;
/// What the page and the log say about the sign-in.
const NOTICE: &str = "Development sign-in: anyone who can open this page can sign in as any \
                      user. It exists only because chatctl runs with --demo.";

const JS: &str = "text/javascript; charset=utf-8";

/// Name, content type and bytes of each embedded asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/demo/app.css"),
    ),
    ("app.js", JS, include_bytes!("../../web/demo/app.js")),
    ("api.js", JS, include_bytes!("../../web/demo/api.js")),
    (
        "conversation.js",
        JS,
        include_bytes!("../../web/demo/conversation.js"),
    ),
    ("live.js", JS, include_bytes!("../../web/demo/live.js")),
    (
        "sidebar.js",
        JS,
        include_bytes!("../../web/demo/sidebar.js"),
    ),
    ("state.js", JS, include_bytes!("../../web/demo/state.js")),
    ("view.js", JS, include_bytes!("../../web/demo/view.js")),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../web/demo/icon.svg"),
    ),
    (
        "centrifuge.js",
        JS,
        include_bytes!("../../web/demo/vendor/centrifuge.js"),
    ),
    (
        "centrifuge.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../web/demo/vendor/centrifuge.LICENSE"),
    ),
];
const INDEX: &str = include_str!("../../web/demo/index.html");

/// Demo sign-ins run one at a time, so two new names never get the same id.
static SIGN_IN: Mutex<()> = Mutex::const_new(());

/// Turns demo mode on after checking it can work: tokens are minted with `auth.secret`, so
/// that must be the key the server verifies with.
pub fn enable(config: &mut Config) -> Result<(), String> {
    if config.auth.secret.is_empty() || !config.auth.public_key.is_empty() {
        return Err(
            "--demo mints HS256 API tokens: set CHATCTL_AUTH_SECRET and leave \
                    auth.public_key empty"
                .into(),
        );
    }
    if ws_url(config).is_none() {
        tracing::warn!("demo: realtime is off (no CENTRIFUGO_URL): the page will not update live");
    }
    tracing::warn!(
        "demo mode on, page at http://{}/ — {NOTICE}",
        config.server.bind
    );
    config.server.demo = true;
    Ok(())
}

/// The demo's routes when `enabled`, else none.
pub fn router(enabled: bool) -> Router<AppState> {
    if !enabled {
        return Router::new();
    }
    Router::new()
        .route("/", get(index))
        .route("/demo/assets/{name}", get(asset))
        .route("/demo/config", get(page_config))
        .route("/demo/users", get(users))
        .route("/demo/sign-in", post(sign_in))
}

/// The WebSocket URL browsers connect to: `centrifugo.ws_url`, else derived from
/// `centrifugo.url`, else the embedded server's path on this host; `None` when realtime is off.
pub fn ws_url(config: &Config) -> Option<String> {
    let centrifugo = &config.centrifugo;
    if !centrifugo.ws_url.is_empty() {
        Some(centrifugo.ws_url.clone())
    } else if !centrifugo.url.is_empty() {
        Some(crate::centrifugo::client::websocket_url(&centrifugo.url))
    } else if crate::realtime::uses_embedded(config) {
        // The embedded server: the page connects to the host it was loaded from.
        Some("/connection/websocket".to_string())
    } else {
        None
    }
}

async fn index(State(state): State<AppState>) -> Response {
    // Scripts, styles and connections only from here and the realtime server.
    let realtime = ws_url(state.service.config())
        .and_then(|url| origin_of(&url))
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; connect-src 'self'{realtime}; img-src 'self' data: https: http:; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let mut response =
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => {
            ([(header::CONTENT_TYPE, *content_type)], *bytes).into_response()
        }
        None => super::extract::not_found().await,
    }
}

async fn page_config(State(state): State<AppState>) -> Json<Value> {
    let config = state.service.config();
    Json(json!({
        "ws_url": ws_url(config),
        "notice": NOTICE,
        "name_max": NAME_MAX,
        "text_max": config.limits.text_max_chars,
    }))
}

/// The people to pick from: `{id, name, avatar, is_online}`, oldest first.
async fn users(State(state): State<AppState>) -> Result<Json<Vec<Value>>, ApiError> {
    let users = state.service.list_users(0, PICKER_MAX).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| {
                json!({ "id": u.id, "name": u.name, "avatar": u.avatar, "is_online": u.is_online })
            })
            .collect(),
    ))
}

/// `{"name": N}` signs in as the user named N (any case), creating it when missing;
/// `{"user_id": ID}` signs in as that existing user. Answers `{token, user}`.
async fn sign_in(State(state): State<AppState>, Body(body): Body) -> Result<Json<Value>, ApiError> {
    let service = &state.service;
    let id = if let Some(id) = body.get("user_id").and_then(Value::as_i64) {
        id
    } else {
        let name = valid_name(body.get("name"))?;
        let _one_at_a_time = SIGN_IN.lock().await;
        match service.user_named(&name).await? {
            Some(user) => user.id,
            None => {
                let id = service.next_user_id().await?;
                let profile = Profile {
                    name,
                    ..Profile::default()
                };
                service.upsert_user(id, &profile).await?;
                id
            }
        }
    };
    let user = service.user_overview(id).await?;
    // The profile rides along as claims, so the user comes back even after a database reset.
    let profile = Profile {
        name: user.name.clone(),
        email: user.email,
        avatar: user.avatar,
    };
    let secret = service.config().auth.secret.expose();
    let token = auth::api::mint(secret, id, &profile, TOKEN_TTL_SECS, auth::now_secs())
        .map_err(Error::Internal)?;
    Ok(Json(
        json!({ "token": token, "user": { "id": id, "name": user.name } }),
    ))
}

fn valid_name(value: Option<&Value>) -> Result<String, Error> {
    let name = value.and_then(Value::as_str).map(str::trim).unwrap_or("");
    if name.is_empty() {
        return Err(Error::invalid("name", "The name field is required."));
    }
    if name.chars().count() > NAME_MAX {
        return Err(Error::invalid(
            "name",
            format!("The name field must not be greater than {NAME_MAX} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "The name field must not contain control characters.",
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_absolute_urls_only() {
        assert_eq!(
            origin_of("ws://127.0.0.1:8000/connection/websocket").as_deref(),
            Some("ws://127.0.0.1:8000")
        );
        assert_eq!(origin_of("/connection/websocket"), None);
    }

    #[test]
    fn demo_mode_needs_the_hs256_secret() {
        let mut config = Config::default();
        assert!(enable(&mut config).is_err());
        config.auth.secret = crate::config::Secret::new("a-long-enough-demo-secret");
        config.auth.public_key = "passport.pem".into();
        assert!(enable(&mut config).is_err());
        config.auth.public_key.clear();
        enable(&mut config).unwrap();
        assert!(config.server.demo);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name(Some(&json!("  Anna "))).unwrap(), "Anna");
        assert!(valid_name(Some(&json!(""))).is_err());
        assert!(valid_name(None).is_err());
        assert!(valid_name(Some(&json!("a".repeat(NAME_MAX + 1)))).is_err());
        assert!(valid_name(Some(&json!("a\u{7}b"))).is_err());
    }
}

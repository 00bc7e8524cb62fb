//! The HTTP API: the original's nine routes plus health, readiness and realtime tokens; with
//! the embedded realtime server `/connection/websocket` and the server API `/api/*`; and, with
//! `serve --demo` only, the demo chat of [`demo`]. Handlers translate requests into calls on
//! the [`Service`] and render the results; they never touch SQL or Centrifugo.

mod chats;
pub mod demo;
pub mod error;
mod extract;
mod health;
mod messages;
pub mod openapi;
mod realtime;
mod users;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::service::Service;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    /// Set when shutdown begins: `/readyz` turns 503 so load balancers stop sending traffic.
    pub draining: Arc<AtomicBool>,
}

/// The whole API as a router (pure; tests can drive it without a socket).
pub fn router(state: AppState) -> Router {
    let config = state.service.config().server.clone();
    let realtime = state.service.realtime().embedded().cloned();
    let mut app = Router::new()
        .merge(users::router())
        .merge(chats::router())
        .merge(messages::router())
        .merge(realtime::router())
        .merge(health::router())
        .merge(openapi::router())
        .merge(demo::router(config.demo))
        .fallback(extract::not_found)
        .method_not_allowed_fallback(extract::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout.get(),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    HeaderName::from_static("x-requested-with"),
                ]),
        );
    }
    if let Some(hub) = realtime {
        // Its own limits and no CORS: browsers reach it by WebSocket, tools by the API key.
        app = app.merge(crate::realtime::router(hub));
    }
    app.layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
        // The route template, never the raw URI: ids stay out of span names.
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        tracing::debug_span!("request", method = %req.method(), route)
    }))
}

/// Serves the API on a bound listener until `shutdown` resolves, then drains: `/readyz`
/// answers 503 at once while requests are still served for `server.drain_delay`; then no new
/// connections are accepted and in-flight requests get up to `server.shutdown_grace` to finish.
pub async fn serve(
    listener: TcpListener,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = service.config().server.shutdown_grace.get();
    let drain = service.config().server.drain_delay.get();
    let hub = service.realtime().embedded().cloned();
    let draining = Arc::new(AtomicBool::new(false));
    let state = AppState {
        service,
        draining: draining.clone(),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        draining.store(true, Ordering::SeqCst);
        if !drain.is_zero() {
            tracing::info!(?drain, "shutting down: /readyz answers 503, still serving");
            tokio::time::sleep(drain).await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
        if let Some(hub) = hub {
            // Realtime clients get 3001 and reconnect (to this server once it is back).
            hub.shutdown();
        }
        let _ = stop_tx.send(true);
    };
    let server = axum::serve(listener, router(state)).with_graceful_shutdown(signal);
    let mut stop_rx = stop_rx;
    tokio::select! {
        result = server => result,
        () = async move {
            let _ = stop_rx.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("shutdown grace period over: dropping remaining requests");
            Ok(())
        }
    }
}

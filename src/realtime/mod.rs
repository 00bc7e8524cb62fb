//! Realtime delivery behind one interface: an external Centrifugo reached through its server
//! API ([`ApiClient`]), or the embedded Centrifugo-compatible server ([`Hub`]) that `serve`
//! hosts at `/connection/websocket` and `/api/*` on its own port. The core publishes and asks
//! about presence through [`Realtime`] and never needs to know which one it has.

mod api_methods;
mod api_publish;
mod channels;
mod conn;
mod hub;
mod presence;
mod protocol;
mod server_api;
mod session;
mod settings;
mod stream;
mod subscribe;
mod timers;
mod tokens;
mod ws;

use serde_json::value::to_raw_value;

use crate::centrifugo::api::{ApiClient, ApiFailure, Publication, StreamPosition};
use crate::config::{Config, RealtimeMode};

pub use channels::{Position, Publish};
pub use hub::{Hub, UserPresence};
pub use server_api::router;
pub use settings::Settings;

/// Where realtime events go.
#[derive(Debug, Clone)]
pub enum Realtime {
    Centrifugo(ApiClient),
    Embedded(Hub),
}

impl Realtime {
    /// The realtime server the configuration asks for (see [`uses_embedded`]).
    pub fn from_config(config: &Config) -> Realtime {
        match ApiClient::from_config(&config.centrifugo).filter(|_| !uses_embedded(config)) {
            Some(api) => Realtime::Centrifugo(api),
            None => Realtime::Embedded(Hub::new(Settings::from_config(config))),
        }
    }

    pub fn embedded(&self) -> Option<&Hub> {
        match self {
            Realtime::Embedded(hub) => Some(hub),
            Realtime::Centrifugo(_) => None,
        }
    }

    /// Publishes in order; one result per publication.
    pub async fn publish_batch(
        &self,
        items: &[Publication],
    ) -> Result<Vec<Result<StreamPosition, ApiFailure>>, ApiFailure> {
        match self {
            Realtime::Centrifugo(api) => api.publish_batch(items).await,
            Realtime::Embedded(hub) => Ok(items.iter().map(|p| publish_embedded(hub, p)).collect()),
        }
    }

    pub async fn publish(&self, item: &Publication) -> Result<StreamPosition, ApiFailure> {
        match self {
            Realtime::Centrifugo(api) => api.publish(item).await,
            Realtime::Embedded(hub) => publish_embedded(hub, item),
        }
    }

    /// Which of these users have a realtime connection. Through Centrifugo: clients on their
    /// `user-{id}-chats` channel (a channel without presence data counts as connected, so
    /// nobody goes offline on a guess); embedded: any connection of theirs.
    pub async fn connected(&self, users: &[i64]) -> Result<Vec<bool>, ApiFailure> {
        match self {
            Realtime::Centrifugo(api) => {
                let channels: Vec<String> = users
                    .iter()
                    .map(|id| crate::service::events::channels::chat_list(*id))
                    .collect();
                let results = api.presence_batch(&channels).await?;
                Ok(results.into_iter().map(|r| r.unwrap_or(1) > 0).collect())
            }
            Realtime::Embedded(hub) => Ok(users
                .iter()
                .map(|id| hub.user_connections(&id.to_string()) > 0)
                .collect()),
        }
    }
}

fn publish_embedded(hub: &Hub, p: &Publication) -> Result<StreamPosition, ApiFailure> {
    let data = to_raw_value(&p.data).map_err(|e| ApiFailure::Transport(e.to_string()))?;
    let position = hub
        .publish(Publish {
            channel: &p.channel,
            data,
            skip_history: p.skip_history,
            tags: None,
            idempotency_key: p.idempotency_key.as_deref(),
            version: 0,
            version_epoch: "",
        })
        .map_err(|e| ApiFailure::Api {
            code: e.code,
            message: e.message.to_string(),
        })?;
    Ok(StreamPosition {
        offset: position.epoch.is_some().then_some(position.offset),
        epoch: position.epoch.map(|e| e.to_string()),
    })
}

/// Does `serve` run the embedded server? `realtime.mode = "embedded"`, or `"auto"` with no
/// `centrifugo.url` or one pointing at `server.bind` itself.
pub fn uses_embedded(config: &Config) -> bool {
    match config.realtime.mode() {
        RealtimeMode::Embedded => true,
        RealtimeMode::Centrifugo => false,
        RealtimeMode::Auto => {
            let url = config.centrifugo.url.trim();
            url.is_empty() || points_at(url, &config.server.bind)
        }
    }
}

/// The realtime server's base URL for the CLI (`publish`, `subscribe`, `centrifugo check`):
/// `centrifugo.url`, or else the embedded server of a `serve` at `server.bind`.
pub fn base_url(config: &Config) -> Option<String> {
    let url = config.centrifugo.url.trim();
    if !url.is_empty() {
        return Some(url.to_string());
    }
    if config.realtime.mode() == RealtimeMode::Centrifugo {
        return None;
    }
    let (host, port) = split_host_port(&config.server.bind)?;
    let host = if is_wildcard(host) { "127.0.0.1" } else { host };
    Some(format!("http://{host}:{port}"))
}

/// A server API client for the CLI, at [`base_url`].
pub fn cli_api(config: &Config) -> Option<ApiClient> {
    base_url(config).map(|url| {
        ApiClient::new(
            &url,
            config.centrifugo.api_key.expose(),
            config.centrifugo.api_timeout.get(),
        )
    })
}

/// The WebSocket URL for the CLI: `centrifugo.ws_url`, or derived from [`base_url`].
pub fn cli_ws_url(config: &Config) -> Option<String> {
    if !config.centrifugo.ws_url.is_empty() {
        return Some(config.centrifugo.ws_url.clone());
    }
    base_url(config).map(|url| crate::centrifugo::client::websocket_url(&url))
}

fn split_host_port(authority: &str) -> Option<(&str, &str)> {
    let (host, port) = authority.rsplit_once(':')?;
    Some((host.trim_start_matches('[').trim_end_matches(']'), port))
}

fn is_wildcard(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::" | "")
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}

/// Does `url` name the address `bind` listens on?
fn points_at(url: &str, bind: &str) -> bool {
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or("");
    let (Some((uh, up)), Some((bh, bp))) = (split_host_port(authority), split_host_port(bind))
    else {
        return false;
    };
    up == bp
        && (uh.eq_ignore_ascii_case(bh)
            || (is_loopback(uh) && (is_loopback(bh) || is_wildcard(bh))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_server_is_the_default_and_a_url_to_ourselves_keeps_it() {
        let mut config = Config::default();
        assert!(uses_embedded(&config));
        assert_eq!(base_url(&config).as_deref(), Some("http://127.0.0.1:8080"));
        config.centrifugo.url = "http://localhost:8080/api".into();
        assert!(uses_embedded(&config));
        config.centrifugo.url = "http://127.0.0.1:8000".into();
        assert!(!uses_embedded(&config));
        config.realtime.mode = "embedded".into();
        assert!(uses_embedded(&config));
        config.server.bind = "0.0.0.0:9000".into();
        config.centrifugo.url = String::new();
        assert_eq!(base_url(&config).as_deref(), Some("http://127.0.0.1:9000"));
        assert!(points_at("http://localhost:9000", "0.0.0.0:9000"));
        assert!(!points_at("http://rt.example:9000", "0.0.0.0:9000"));
    }
}

//! The one typed configuration. Layers, later wins: defaults < `chatctl.toml` < environment
//! (`CHATCTL_*`, `DATABASE_URL`, the original's `CENTRIFUGO_*`) < command-line flags.
//!
//! The file is strict: an unknown key is an error naming the key. Secrets are [`Secret`]s,
//! which never print.

pub mod env;
mod origin;
mod realtime;
mod secret;
pub mod starter;
mod value;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use env::{ENV_VARS, EnvVar};
pub use realtime::{Mode as RealtimeMode, RealtimeConfig};
pub use secret::Secret;
pub use value::{Duration, parse_duration};

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub centrifugo: CentrifugoConfig,
    pub realtime: RealtimeConfig,
    pub limits: LimitsConfig,
    pub relay: RelayConfig,
    pub presence: PresenceConfig,
    pub rate_limits: RateLimitsConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address `serve` listens on.
    pub bind: String,
    /// Requests taking longer are answered 503.
    pub request_timeout: Duration,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// After SIGTERM, how long to keep serving with `/readyz` at 503 (so load balancers take
    /// the instance out) before no new connections are accepted.
    pub drain_delay: Duration,
    /// Exact origins allowed by CORS (empty: no CORS headers at all).
    pub cors_origins: Vec<String>,
    /// UTC offset used for the original's "HH:MM" and "dd.mm.YYYY HH:MM" fields.
    pub time_offset: String,
    /// The demo web chat and its development sign-in. Only `serve --demo` turns it on: it is
    /// neither a file key nor an environment variable, so no config can enable it by accident.
    #[serde(skip)]
    pub demo: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            request_timeout: Duration::secs(30),
            body_limit_bytes: 64 * 1024,
            shutdown_grace: Duration::secs(20),
            drain_delay: Duration::secs(0),
            cors_origins: Vec::new(),
            time_offset: "+00:00".into(),
            demo: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` or `postgres://USER:PASS@HOST/DB`.
    pub url: Secret,
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before failing with 503.
    pub acquire_timeout: Duration,
    /// SQLite: how long a statement waits on a locked database.
    pub busy_timeout: Duration,
    /// SQLite: `full` (power-loss safe) or `normal`.
    pub sqlite_synchronous: String,
    /// Most messages one write transaction carries (group commit); 1 turns batching off.
    pub write_batch: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://chatctl.db"),
            max_connections: 10,
            acquire_timeout: Duration::secs(3),
            busy_timeout: Duration::secs(5),
            sqlite_synchronous: "full".into(),
            write_batch: 256,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 shared secret for API bearer tokens.
    pub secret: Secret,
    /// Path of a PEM public key (RS256 or ES256 by key type), e.g. Passport's oauth-public.key.
    pub public_key: String,
    /// Accepted `iss` values (empty: not checked).
    pub issuers: Vec<String>,
    /// Accepted `aud` values (empty: not checked).
    pub audiences: Vec<String>,
    /// Clock skew allowed on `exp`/`nbf`/`iat`, at most 60 s.
    pub leeway: Duration,
    /// Create unknown users from the token's `name`, `email`, `avatar` claims.
    pub provision_users: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret: Secret::default(),
            public_key: String::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::secs(30),
            provision_users: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CentrifugoConfig {
    /// Base URL of Centrifugo, e.g. `http://127.0.0.1:8000` (empty: the embedded server).
    pub url: String,
    /// Server API key (`http_api.key` in Centrifugo v6).
    pub api_key: Secret,
    /// HMAC secret for connection and subscription tokens (`client.token.hmac_secret_key`).
    pub secret: Secret,
    /// Lifetime of connection and subscription tokens.
    pub token_ttl: Duration,
    /// Timeout of each server API call.
    pub api_timeout: Duration,
    /// WebSocket URL clients connect to (empty: derived from `url`).
    pub ws_url: String,
}

impl Default for CentrifugoConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            api_key: Secret::default(),
            secret: Secret::default(),
            token_ttl: Duration::secs(3600),
            api_timeout: Duration::secs(5),
            ws_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Longest message text, in characters.
    pub text_max_chars: usize,
    /// Messages per page when the client gives no `limit` (the original's 15).
    pub page_size: u32,
    /// Largest `limit` a client may ask for.
    pub page_max: u32,
    /// Chats returned by GET /api/chats and pushed on `user-{id}-chats`.
    pub chat_list_max: u32,
    /// Users returned by a search.
    pub search_results: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            text_max_chars: 4000,
            page_size: 15,
            page_max: 100,
            chat_list_max: 200,
            search_results: 20,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RelayConfig {
    /// Publications per `/api/batch` call.
    pub batch_size: u32,
    /// First retry delay after a failure; doubles per attempt, with jitter.
    pub retry_base: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 2000,
            retry_base: Duration(std::time::Duration::from_millis(200)),
            retry_max: Duration::secs(30),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PresenceConfig {
    /// A user with no API call for this long is checked for a realtime connection, and
    /// marked offline without one.
    pub idle_after: Duration,
    /// How often the sweeper runs.
    pub sweep_every: Duration,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        Self {
            idle_after: Duration::secs(30),
            sweep_every: Duration::secs(5),
        }
    }
}

/// Per-user request rates (per minute, bursts of a quarter of that); 0 turns a limit off.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitsConfig {
    pub send_per_minute: u32,
    pub typing_per_minute: u32,
    pub search_per_minute: u32,
    pub tokens_per_minute: u32,
}

impl Default for RateLimitsConfig {
    fn default() -> Self {
        Self {
            send_per_minute: 600,
            typing_per_minute: 120,
            search_per_minute: 120,
            tokens_per_minute: 120,
        }
    }
}

/// Where the file layer comes from.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// `--config` / `CHATCTL_CONFIG`: must exist when given.
    pub explicit: Option<PathBuf>,
}

/// The example file shipped with the binary; every key at its default.
pub const EXAMPLE: &str = include_str!("../../chatctl.toml.example");

/// The default config path, used only when it exists.
pub const DEFAULT_PATH: &str = "chatctl.toml";

impl Config {
    /// Loads defaults < file < environment. Flags are applied by the caller afterwards.
    pub fn load(source: &Source) -> Result<(Config, Option<PathBuf>), String> {
        let path = match &source.explicit {
            Some(p) if !p.exists() => {
                return Err(format!(
                    "config file {} does not exist: create it with `chatctl init` or drop --config/CHATCTL_CONFIG",
                    p.display()
                ));
            }
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.exists()),
        };
        let mut table = match &path {
            Some(p) => read_table(p)?,
            None => toml::Table::new(),
        };
        env::overlay(&mut table, |name| std::env::var(name).ok())?;
        let config = Self::from_table(table, path.as_deref())?;
        Ok((config, path))
    }

    /// Parses a TOML document (no environment), naming the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("{origin}: {}", e.message()))?;
        Self::from_table(table, Some(Path::new(origin)))
    }

    fn from_table(table: toml::Table, origin: Option<&Path>) -> Result<Config, String> {
        let origin = origin.map_or("configuration".to_string(), |p| p.display().to_string());
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| format!("{origin}: {}", e.message().trim()))?;
        config.validate().map_err(|e| format!("{origin}: {e}"))?;
        Ok(config)
    }

    /// Checks what serde cannot: ranges and formats, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.auth.leeway.as_secs() > 60 {
            return Err("auth.leeway must be at most 60s".into());
        }
        if !matches!(self.database.sqlite_synchronous.as_str(), "full" | "normal") {
            return Err("database.sqlite_synchronous must be \"full\" or \"normal\"".into());
        }
        if self.limits.page_size == 0 || self.limits.page_size > self.limits.page_max {
            return Err("limits.page_size must be between 1 and limits.page_max".into());
        }
        if crate::model::parse_offset(&self.server.time_offset).is_none() {
            return Err("server.time_offset must look like +03:00 or -05:30".into());
        }
        if !self.auth.secret.is_empty() && self.auth.secret == self.centrifugo.secret {
            return Err("auth.secret and centrifugo.secret must differ, or Centrifugo tokens would work as API tokens".into());
        }
        if self.database.write_batch == 0 || self.database.write_batch > 4096 {
            return Err("database.write_batch must be between 1 and 4096".into());
        }
        if self.relay.batch_size == 0 || self.relay.batch_size > 10_000 {
            return Err("relay.batch_size must be between 1 and 10000".into());
        }
        if self.presence.sweep_every.get().is_zero() {
            return Err("presence.sweep_every must be more than 0s".into());
        }
        self.realtime.validate(&self.centrifugo.url)?;
        for origin in &self.server.cors_origins {
            origin::check(origin)?;
        }
        Ok(())
    }
}

fn read_table(path: &Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    text.parse()
        .map_err(|e: toml::de::Error| format!("{}: {}", path.display(), e.message()))
}

#[cfg(test)]
mod tests;

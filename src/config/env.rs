//! The environment layer: which variables exist, which key each one sets, and how its text
//! becomes a TOML value. The table is also the documentation source that tests check
//! `chatctl.toml.example` against.

/// How a variable's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// Comma-separated list of strings.
    List,
}

/// One environment variable and the key it sets.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    pub name: &'static str,
    /// `section.key` in `chatctl.toml`.
    pub key: &'static str,
    pub kind: Kind,
}

const fn var(name: &'static str, key: &'static str, kind: Kind) -> EnvVar {
    EnvVar { name, key, kind }
}

/// Every variable chatctl reads for its configuration. When two set the same key, the later
/// one in this list wins (`CHATCTL_DATABASE_URL` over `DATABASE_URL`).
pub const ENV_VARS: &[EnvVar] = &[
    var("CHATCTL_BIND", "server.bind", Kind::Str),
    var(
        "CHATCTL_REQUEST_TIMEOUT",
        "server.request_timeout",
        Kind::Str,
    ),
    var(
        "CHATCTL_BODY_LIMIT_BYTES",
        "server.body_limit_bytes",
        Kind::Int,
    ),
    var("CHATCTL_SHUTDOWN_GRACE", "server.shutdown_grace", Kind::Str),
    var("CHATCTL_DRAIN_DELAY", "server.drain_delay", Kind::Str),
    var("CHATCTL_CORS_ORIGINS", "server.cors_origins", Kind::List),
    var("CHATCTL_TIME_OFFSET", "server.time_offset", Kind::Str),
    var("DATABASE_URL", "database.url", Kind::Str),
    var("CHATCTL_DATABASE_URL", "database.url", Kind::Str),
    var(
        "CHATCTL_DATABASE_MAX_CONNECTIONS",
        "database.max_connections",
        Kind::Int,
    ),
    var(
        "CHATCTL_DATABASE_ACQUIRE_TIMEOUT",
        "database.acquire_timeout",
        Kind::Str,
    ),
    var(
        "CHATCTL_DATABASE_BUSY_TIMEOUT",
        "database.busy_timeout",
        Kind::Str,
    ),
    var(
        "CHATCTL_SQLITE_SYNCHRONOUS",
        "database.sqlite_synchronous",
        Kind::Str,
    ),
    var("CHATCTL_WRITE_BATCH", "database.write_batch", Kind::Int),
    var("CHATCTL_AUTH_SECRET", "auth.secret", Kind::Str),
    var("CHATCTL_AUTH_PUBLIC_KEY", "auth.public_key", Kind::Str),
    var("CHATCTL_AUTH_ISSUERS", "auth.issuers", Kind::List),
    var("CHATCTL_AUTH_AUDIENCES", "auth.audiences", Kind::List),
    var("CHATCTL_AUTH_LEEWAY", "auth.leeway", Kind::Str),
    var(
        "CHATCTL_AUTH_PROVISION_USERS",
        "auth.provision_users",
        Kind::Bool,
    ),
    var("CENTRIFUGO_URL", "centrifugo.url", Kind::Str),
    var("CENTRIFUGO_API_KEY", "centrifugo.api_key", Kind::Str),
    var("CENTRIFUGO_SECRET", "centrifugo.secret", Kind::Str),
    var(
        "CHATCTL_CENTRIFUGO_TOKEN_TTL",
        "centrifugo.token_ttl",
        Kind::Str,
    ),
    var(
        "CHATCTL_CENTRIFUGO_API_TIMEOUT",
        "centrifugo.api_timeout",
        Kind::Str,
    ),
    var("CHATCTL_CENTRIFUGO_WS_URL", "centrifugo.ws_url", Kind::Str),
    var("CHATCTL_REALTIME_MODE", "realtime.mode", Kind::Str),
    var(
        "CHATCTL_REALTIME_ALLOWED_ORIGINS",
        "realtime.allowed_origins",
        Kind::List,
    ),
    var(
        "CHATCTL_REALTIME_HISTORY_SIZE",
        "realtime.history_size",
        Kind::Int,
    ),
    var(
        "CHATCTL_REALTIME_HISTORY_TTL",
        "realtime.history_ttl",
        Kind::Str,
    ),
    var(
        "CHATCTL_REALTIME_PING_INTERVAL",
        "realtime.ping_interval",
        Kind::Str,
    ),
    var(
        "CHATCTL_REALTIME_PONG_TIMEOUT",
        "realtime.pong_timeout",
        Kind::Str,
    ),
    var(
        "CHATCTL_REALTIME_MESSAGE_SIZE_LIMIT",
        "realtime.message_size_limit",
        Kind::Int,
    ),
    var(
        "CHATCTL_REALTIME_QUEUE_MAX_BYTES",
        "realtime.queue_max_bytes",
        Kind::Int,
    ),
    var(
        "CHATCTL_REALTIME_CHANNEL_LIMIT",
        "realtime.channel_limit",
        Kind::Int,
    ),
    var("CHATCTL_TEXT_MAX_CHARS", "limits.text_max_chars", Kind::Int),
    var("CHATCTL_PAGE_SIZE", "limits.page_size", Kind::Int),
    var("CHATCTL_PAGE_MAX", "limits.page_max", Kind::Int),
    var("CHATCTL_CHAT_LIST_MAX", "limits.chat_list_max", Kind::Int),
    var("CHATCTL_SEARCH_RESULTS", "limits.search_results", Kind::Int),
    var("CHATCTL_RELAY_BATCH_SIZE", "relay.batch_size", Kind::Int),
    var("CHATCTL_RELAY_RETRY_BASE", "relay.retry_base", Kind::Str),
    var("CHATCTL_RELAY_RETRY_MAX", "relay.retry_max", Kind::Str),
    var(
        "CHATCTL_PRESENCE_IDLE_AFTER",
        "presence.idle_after",
        Kind::Str,
    ),
    var(
        "CHATCTL_PRESENCE_SWEEP_EVERY",
        "presence.sweep_every",
        Kind::Str,
    ),
    var(
        "CHATCTL_RATE_SEND_PER_MINUTE",
        "rate_limits.send_per_minute",
        Kind::Int,
    ),
    var(
        "CHATCTL_RATE_TYPING_PER_MINUTE",
        "rate_limits.typing_per_minute",
        Kind::Int,
    ),
    var(
        "CHATCTL_RATE_SEARCH_PER_MINUTE",
        "rate_limits.search_per_minute",
        Kind::Int,
    ),
    var(
        "CHATCTL_RATE_TOKENS_PER_MINUTE",
        "rate_limits.tokens_per_minute",
        Kind::Int,
    ),
];

/// Variables with the prefix that are not configuration and must not be warned about.
const NOT_CONFIG: &[&str] = &[
    "CHATCTL_CONFIG",
    "CHATCTL_LOG",
    "CHATCTL_TEST_BACKEND",
    "CHATCTL_TEST_PG_PORT",
    "CHATCTL_BIN",
];

/// Writes every set variable into `table`, converting its text by kind.
pub(super) fn overlay(
    table: &mut toml::Table,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    for var in ENV_VARS {
        let Some(text) = lookup(var.name) else {
            continue;
        };
        let value = match var.kind {
            Kind::Str => toml::Value::String(text),
            Kind::Int => text
                .trim()
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| format!("{} must be a whole number, got {text:?}", var.name))?,
            Kind::Bool => match text.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
                "0" | "false" | "no" | "off" => toml::Value::Boolean(false),
                _ => return Err(format!("{} must be true or false, got {text:?}", var.name)),
            },
            Kind::List => toml::Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| toml::Value::String(s.to_string()))
                    .collect(),
            ),
        };
        let (section, key) = var
            .key
            .split_once('.')
            .expect("BUG: env key without section");
        let entry = table
            .entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(t) => {
                t.insert(key.to_string(), value);
            }
            _ => {
                return Err(format!(
                    "config key {section} must be a table ([{section}])"
                ));
            }
        }
    }
    Ok(())
}

/// `CHATCTL_*` variables that chatctl does not know: probably typos, worth a warning.
pub fn unknown_vars() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("CHATCTL_"))
        .filter(|k| !NOT_CONFIG.contains(&k.as_str()) && !ENV_VARS.iter().any(|v| v.name == k))
        .collect()
}

//! Centrifugo server configs for the original's channels, in three dialects: v6 (nested
//! keys), v5 (flat keys with channel options at top level), and the original README's legacy
//! flat file. Channels carrying user data never allow subscribing without a token unless the
//! caller asks for the original's open mode explicitly.

use serde_json::{Value, json};

/// Which Centrifugo the config is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Centrifugo v6 (nested keys).
    V6,
    /// Centrifugo v5 (flat keys).
    V5,
    /// The original README's keys, for Centrifugo up to v5.
    Legacy,
}

/// Everything a generated config depends on.
#[derive(Debug, Clone)]
pub struct Params {
    pub hmac_secret: String,
    pub api_key: String,
    pub allowed_origins: Vec<String>,
    pub port: u16,
    /// Admin UI password and secret, when the admin UI is wanted.
    pub admin: Option<(String, String)>,
    /// The original's `allow_subscribe_for_client: true`: anyone connected can read any channel.
    pub insecure_open_subscriptions: bool,
    /// Publications kept per channel for recovery after a reconnect.
    pub history_size: u32,
    /// How long they are kept, in seconds.
    pub history_ttl_secs: u32,
}

impl Params {
    pub fn new(hmac_secret: String, api_key: String) -> Params {
        Params {
            hmac_secret,
            api_key,
            allowed_origins: Vec::new(),
            port: 8000,
            admin: None,
            insecure_open_subscriptions: false,
            history_size: 300,
            history_ttl_secs: 600,
        }
    }
}

/// Channel options of the original's (namespace-less) channels.
fn channel_options(p: &Params) -> Value {
    let mut options = json!({
        "presence": true,
        "history_size": p.history_size,
        "history_ttl": format!("{}s", p.history_ttl_secs),
        "force_recovery": true,
    });
    if p.insecure_open_subscriptions {
        options["allow_subscribe_for_client"] = json!(true);
    }
    options
}

/// Renders the config as pretty JSON.
pub fn render(format: Format, p: &Params) -> String {
    let value = match format {
        Format::V6 => v6(p),
        Format::V5 => v5(p),
        Format::Legacy => legacy(p),
    };
    serde_json::to_string_pretty(&value).expect("BUG: JSON values always serialize") + "\n"
}

fn v6(p: &Params) -> Value {
    let admin = match &p.admin {
        Some((password, secret)) => {
            json!({ "enabled": true, "password": password, "secret": secret })
        }
        None => json!({ "enabled": false }),
    };
    json!({
        "http_server": { "port": p.port },
        "client": {
            "token": { "hmac_secret_key": p.hmac_secret },
            "allowed_origins": p.allowed_origins,
        },
        "http_api": { "key": p.api_key },
        "admin": admin,
        "channel": { "without_namespace": channel_options(p) },
    })
}

fn v5(p: &Params) -> Value {
    let mut config = json!({
        "port": p.port,
        "token_hmac_secret_key": p.hmac_secret,
        "api_key": p.api_key,
        "allowed_origins": p.allowed_origins,
        "admin": p.admin.is_some(),
    });
    if let Some((password, secret)) = &p.admin {
        config["admin_password"] = json!(password);
        config["admin_secret"] = json!(secret);
    }
    if let (Value::Object(config), Value::Object(options)) = (&mut config, channel_options(p)) {
        config.extend(options);
    }
    config
}

/// Exactly the original README's seven keys.
fn legacy(p: &Params) -> Value {
    let (password, secret) = p.admin.clone().unwrap_or_default();
    json!({
        "allow_subscribe_for_client": p.insecure_open_subscriptions,
        "api_key": p.api_key,
        "token_hmac_secret_key": p.hmac_secret,
        "admin": p.admin.is_some(),
        "admin_password": password,
        "admin_secret": secret,
        "allowed_origins": p.allowed_origins,
    })
}

/// A random secret: 32 bytes as hex.
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params::new("hmac".into(), "key".into())
    }

    #[test]
    fn v6_never_opens_subscriptions_by_default() {
        let config: Value = serde_json::from_str(&render(Format::V6, &params())).unwrap();
        assert_eq!(config["client"]["token"]["hmac_secret_key"], "hmac");
        assert_eq!(config["http_api"]["key"], "key");
        let options = &config["channel"]["without_namespace"];
        assert!(options.get("allow_subscribe_for_client").is_none());
        assert_eq!(options["force_recovery"], true);
        assert_eq!(options["presence"], true);
    }

    #[test]
    fn legacy_has_exactly_the_originals_keys() {
        let config: Value = serde_json::from_str(&render(Format::Legacy, &params())).unwrap();
        let mut keys: Vec<&str> = config
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "admin",
                "admin_password",
                "admin_secret",
                "allow_subscribe_for_client",
                "allowed_origins",
                "api_key",
                "token_hmac_secret_key"
            ]
        );
        assert_eq!(config["allow_subscribe_for_client"], false);
    }

    #[test]
    fn open_mode_is_explicit() {
        let mut p = params();
        p.insecure_open_subscriptions = true;
        let config: Value = serde_json::from_str(&render(Format::V6, &p)).unwrap();
        assert_eq!(
            config["channel"]["without_namespace"]["allow_subscribe_for_client"],
            true
        );
        let v5: Value = serde_json::from_str(&render(Format::V5, &p)).unwrap();
        assert_eq!(v5["allow_subscribe_for_client"], true);
    }

    #[test]
    fn secrets_are_random_and_long() {
        let (a, b) = (random_secret(), random_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
    }
}

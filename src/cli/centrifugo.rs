//! `chatctl centrifugo config|check`: a Centrifugo config for the original's channels, and a
//! doctor that proves chatctl and Centrifugo agree (reachable, API key, tokens, no open
//! subscriptions).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::GlobalOpts;
use super::exit::config_error;
use crate::auth::{self, realtime::Claims};
use crate::centrifugo::api::ApiFailure;
use crate::centrifugo::client::{Client, ClientError};
use crate::centrifugo::server_config::{self, Format, Params};
use crate::config::Config;
use crate::error::Error;

#[derive(Debug, Args)]
pub struct Opts {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Print (or write) a Centrifugo config matching chatctl's secrets.
    Config(ConfigOpts),
    /// Check that Centrifugo is reachable and agrees with chatctl's keys and channel rules.
    Check(CheckOpts),
}

#[derive(Debug, Args)]
pub struct ConfigOpts {
    /// Which Centrifugo the config is for.
    #[arg(long, value_enum, default_value = "v6")]
    pub format: Format,
    /// An allowed browser origin, e.g. https://app.example (repeat for several).
    #[arg(long = "origin", value_name = "URL")]
    pub origins: Vec<String>,
    /// Enable Centrifugo's admin UI with a fresh password (printed on stderr).
    #[arg(long)]
    pub admin: bool,
    /// Port Centrifugo listens on.
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Write the config to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite FILE when it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// INSECURE: let any connected user subscribe to any channel without a token, as the
    /// original did. Everyone can then read everyone's messages.
    #[arg(long)]
    pub insecure_open_subscriptions: bool,
}

#[derive(Debug, Args)]
pub struct CheckOpts {
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let config = global.load_config()?;
    match opts.action {
        Action::Config(o) => write_config(&config, o),
        Action::Check(o) => check(&config, o).await,
    }
}

fn write_config(config: &Config, opts: ConfigOpts) -> anyhow::Result<()> {
    let mut generated = Vec::new();
    let mut secret_or_new = |value: &str, env: &'static str| {
        if value.is_empty() {
            let fresh = server_config::random_secret();
            generated.push(format!("{env}={fresh}"));
            fresh
        } else {
            value.to_string()
        }
    };
    let mut params = Params::new(
        secret_or_new(config.centrifugo.secret.expose(), "CENTRIFUGO_SECRET"),
        secret_or_new(config.centrifugo.api_key.expose(), "CENTRIFUGO_API_KEY"),
    );
    params.allowed_origins = opts.origins;
    params.port = opts.port;
    params.insecure_open_subscriptions = opts.insecure_open_subscriptions;
    if opts.admin {
        let password = server_config::random_secret()[..20].to_string();
        eprintln!("admin UI password: {password}");
        params.admin = Some((password, server_config::random_secret()));
    }
    if opts.insecure_open_subscriptions {
        eprintln!(
            "WARNING: --insecure-open-subscriptions lets every connected user subscribe to every channel \
             without a token: anyone can read anyone's messages. Use it only to reproduce the original package."
        );
    }
    let text = server_config::render(opts.format, &params);
    match &opts.out {
        Some(path) => {
            if path.exists() && !opts.force {
                return Err(config_error(format!(
                    "{} exists: pass --force to overwrite it",
                    path.display()
                )));
            }
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({:?} format)", path.display(), opts.format);
        }
        None => super::output::raw(text.as_bytes())?,
    }
    if !generated.is_empty() {
        eprintln!(
            "generated new secrets; give chatctl the same values (in its environment, or as \
             [centrifugo] secret / api_key in chatctl.toml): {}",
            generated.join(" ")
        );
    }
    Ok(())
}

/// One line of the doctor's report.
fn report(ok: bool, what: &str, detail: &str) -> bool {
    let mark = if ok { "✓" } else { "✗" };
    let separator = if detail.is_empty() { "" } else { ": " };
    let _ = super::output::line(format!("{mark} {what}{separator}{detail}"));
    ok
}

async fn check(config: &Config, opts: CheckOpts) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(opts.timeout.max(1));
    let api = crate::realtime::cli_api(config).ok_or_else(|| {
        config_error("no Centrifugo URL: set CENTRIFUGO_URL or [centrifugo] url".into())
    })?;
    let mut all_ok = true;
    match api.info().await {
        Ok(info) => {
            let version = info
                .pointer("/nodes/0/version")
                .and_then(|v| v.as_str())
                .unwrap_or("unknown version");
            report(
                true,
                &format!("Centrifugo reachable at {}", api.base_url()),
                version,
            );
            report(true, "API key accepted", "");
        }
        Err(ApiFailure::Unauthorized) => {
            report(
                true,
                &format!("Centrifugo reachable at {}", api.base_url()),
                "",
            );
            all_ok &= report(
                false,
                "API key accepted",
                "HTTP 401: set CENTRIFUGO_API_KEY to Centrifugo's http_api.key",
            );
        }
        Err(e) => {
            all_ok &= report(
                false,
                &format!("Centrifugo reachable at {}", api.base_url()),
                &format!("{e}: start Centrifugo or fix CENTRIFUGO_URL"),
            );
        }
    }
    let ws = crate::realtime::cli_ws_url(config).unwrap_or_default();
    let secret = config.centrifugo.secret.expose();
    let probe_user = 0;
    let now = auth::now_secs();
    let token = Claims::connection(probe_user, 60, now)
        .sign(secret)
        .map_err(config_error)?;
    match Client::connect(&ws, &token, timeout).await {
        Ok((mut client, _)) => {
            report(true, &format!("connection token accepted at {ws}"), "");
            let channel = format!("user-{probe_user}-chats");
            let open = client.subscribe(&channel, None).await;
            all_ok &= match open {
                Err(ClientError::Refused { code: 103, .. }) => {
                    report(true, "subscription without a token refused", "")
                }
                Ok(_) => report(
                    false,
                    "subscription without a token refused",
                    "it was allowed: remove allow_subscribe_for_client (regenerate with `chatctl centrifugo config`)",
                ),
                Err(e) => report(
                    false,
                    "subscription without a token refused",
                    &e.to_string(),
                ),
            };
            let sub_token = Claims::subscription(probe_user, &channel, 60, now)
                .sign(secret)
                .map_err(config_error)?;
            all_ok &= match client.subscribe(&channel, Some(&sub_token)).await {
                Ok(reply) if reply.get("recoverable").and_then(|v| v.as_bool()) == Some(true) => {
                    report(true, "subscription token accepted, history recovery on", "")
                }
                Ok(_) => report(
                    false,
                    "subscription token accepted, history recovery on",
                    "recovery is off: enable history and force_recovery (regenerate the config)",
                ),
                Err(e) => report(false, "subscription token accepted", &e.to_string()),
            };
            client.close().await;
        }
        Err(e) => {
            let hint = match e {
                ClientError::Closed { code: 3500, .. } => {
                    "token refused: CENTRIFUGO_SECRET must equal client.token.hmac_secret_key"
                }
                _ => {
                    "check the WebSocket URL (centrifugo.ws_url) and that Centrifugo accepts connections"
                }
            };
            all_ok &= report(
                false,
                &format!("connection token accepted at {ws}"),
                &format!("{e}: {hint}"),
            );
        }
    }
    if all_ok {
        Ok(())
    } else {
        Err(Error::Centrifugo("some checks failed (see above)".into()).into())
    }
}

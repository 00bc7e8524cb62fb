//! `chatctl token <user-id>` (alias `generate-jwt`): a Centrifugo connection token, a
//! subscription token with `--channel`, or an API bearer token with `--api`.

use clap::Args;
use serde_json::json;

use super::GlobalOpts;
use super::exit::config_error;
use crate::auth::{self, realtime::Claims};
use crate::config::parse_duration;
use crate::db::users::Profile;

#[derive(Debug, Args)]
pub struct Opts {
    /// The user the token is for (the host application's user id).
    pub user_id: i64,
    /// Lifetime, e.g. 30m, 1h, 7d [default: centrifugo.token_ttl, or 1h with --api].
    #[arg(long, value_name = "DURATION")]
    pub ttl: Option<String>,
    /// Mint a subscription token for this channel instead of a connection token.
    #[arg(long, value_name = "CHANNEL", conflicts_with = "api")]
    pub channel: Option<String>,
    /// Mint an API bearer token signed with CHATCTL_AUTH_SECRET (development and scripts).
    #[arg(long)]
    pub api: bool,
    /// Name claim of an API token (provisions the user on first use).
    #[arg(long, requires = "api")]
    pub name: Option<String>,
    /// Email claim of an API token.
    #[arg(long, requires = "api")]
    pub email: Option<String>,
    /// Avatar URL claim of an API token.
    #[arg(long, requires = "api")]
    pub avatar: Option<String>,
    /// Print the token with its claims as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    if opts.user_id <= 0 {
        return Err(config_error(
            "the user id must be a positive integer".into(),
        ));
    }
    let config = global.load_config()?;
    let now = auth::now_secs();
    let ttl = match &opts.ttl {
        Some(text) => parse_duration(text)
            .map_err(|e| config_error(format!("--ttl: {e}")))?
            .as_secs() as i64,
        None if opts.api => 3600,
        None => config.centrifugo.token_ttl.as_secs() as i64,
    };
    let (token, claims) = if opts.api {
        let secret = config.auth.secret.expose();
        if secret.is_empty() {
            return Err(config_error(
                "--api needs the API secret: set CHATCTL_AUTH_SECRET (or auth.secret in chatctl.toml)".into(),
            ));
        }
        let profile = Profile {
            name: opts.name.clone().unwrap_or_default(),
            email: opts.email.clone().unwrap_or_default(),
            avatar: opts.avatar.clone(),
        };
        let token = auth::api::mint(secret, opts.user_id, &profile, ttl, now)
            .map_err(anyhow::Error::msg)?;
        let claims = json!({"sub": opts.user_id.to_string(), "iat": now, "exp": now + ttl,
            "name": opts.name, "email": opts.email, "avatar": opts.avatar});
        (token, claims)
    } else {
        let claims = match &opts.channel {
            Some(channel) => Claims::subscription(opts.user_id, channel, ttl, now),
            None => Claims::connection(opts.user_id, ttl, now),
        };
        let token = claims
            .sign(config.centrifugo.secret.expose())
            .map_err(config_error)?;
        (token, serde_json::to_value(&claims)?)
    };
    if opts.json {
        super::output::line(serde_json::to_string_pretty(
            &json!({ "token": token, "claims": claims }),
        )?)?;
    } else {
        super::output::line(token)?;
    }
    Ok(())
}

//! `chatctl subscribe <channel> --as <user-id>`: watch a channel as a real client would, with
//! tokens minted here, printing each publication (the original's string-encoded payloads
//! decoded for display) until interrupted.

use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

use super::GlobalOpts;
use super::exit::config_error;
use crate::auth::{self, realtime::Claims};
use crate::centrifugo::client::{Client, Event};
use crate::error::Error;

#[derive(Debug, Args)]
pub struct Opts {
    /// Channel, e.g. user-1-chats or user-5-messages.
    pub channel: String,
    /// The user to connect as.
    #[arg(long = "as", value_name = "USER_ID")]
    pub user: i64,
    /// Print one JSON object per publication.
    #[arg(long)]
    pub json: bool,
    /// Exit after this many publications.
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let config = global.load_config()?;
    let url = crate::realtime::cli_ws_url(&config).ok_or_else(|| {
        config_error("no Centrifugo URL: set CENTRIFUGO_URL or [centrifugo] ws_url".into())
    })?;
    let secret = config.centrifugo.secret.expose();
    let ttl = config.centrifugo.token_ttl.as_secs() as i64;
    let now = auth::now_secs();
    let connection = Claims::connection(opts.user, ttl, now)
        .sign(secret)
        .map_err(config_error)?;
    let subscription = Claims::subscription(opts.user, &opts.channel, ttl, now)
        .sign(secret)
        .map_err(config_error)?;
    let failed = |e: crate::centrifugo::client::ClientError| Error::Centrifugo(e.to_string());
    let (mut client, _) = Client::connect(&url, &connection, Duration::from_secs(5))
        .await
        .map_err(failed)?;
    client
        .subscribe(&opts.channel, Some(&subscription))
        .await
        .map_err(failed)?;
    eprintln!(
        "subscribed to {} as user {} (Ctrl-C to stop)",
        opts.channel, opts.user
    );
    let mut seen = 0;
    loop {
        let event = tokio::select! {
            event = client.next_event() => event.map_err(failed)?,
            _ = tokio::signal::ctrl_c() => break,
        };
        match event {
            Event::Publication {
                channel,
                data,
                offset,
            } => {
                let decoded = decode(&data);
                if opts.json {
                    super::output::line(format!(
                        "{}",
                        json!({ "channel": channel, "offset": offset, "data": decoded })
                    ))?;
                } else {
                    super::output::line(format!(
                        "[{}] {channel}: {decoded}",
                        offset.map_or("-".into(), |o| o.to_string())
                    ))?;
                }
                seen += 1;
                if opts.count.is_some_and(|n| seen >= n) {
                    break;
                }
            }
            Event::Closed { code, reason } => {
                return Err(Error::Centrifugo(format!("disconnected: {code} {reason}")).into());
            }
        }
    }
    client.close().await;
    Ok(())
}

/// The original publishes JSON inside a JSON string; show the inner JSON.
fn decode(data: &Value) -> Value {
    match data {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| data.clone()),
        other => other.clone(),
    }
}

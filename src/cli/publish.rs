//! `chatctl publish <channel> <json|@file|->`: a test event through the realtime server's API
//! (Centrifugo's, or the embedded server of the `serve` at `server.bind`),
//! string-encoded like the original's publications unless `--raw`.

use std::io::Read;

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};

use super::GlobalOpts;
use super::exit::config_error;
use crate::centrifugo::api::Publication;
use crate::error::Error;

#[derive(Debug, Args)]
pub struct Opts {
    /// Channel, e.g. user-1-chats or chat.5.
    pub channel: String,
    /// The payload: JSON text, @FILE, or - for stdin.
    pub data: String,
    /// Publish the JSON as is instead of string-encoding it like the original.
    #[arg(long)]
    pub raw: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let config = global.load_config()?;
    let text = match opts.data.as_str() {
        "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading stdin")?;
            text
        }
        d if d.starts_with('@') => {
            std::fs::read_to_string(&d[1..]).with_context(|| format!("reading {}", &d[1..]))?
        }
        d => d.to_string(),
    };
    let payload: Value = serde_json::from_str(&text).map_err(|e| {
        config_error(format!(
            "the data is not valid JSON ({e}): quote it, e.g. '{{\"text\":\"hi\"}}'"
        ))
    })?;
    let data = if opts.raw {
        payload
    } else {
        Value::String(payload.to_string())
    };
    let api = crate::realtime::cli_api(&config).ok_or_else(|| {
        config_error("no Centrifugo URL: set CENTRIFUGO_URL or [centrifugo] url".into())
    })?;
    let publication = Publication {
        channel: opts.channel.clone(),
        data,
        idempotency_key: None,
        skip_history: false,
    };
    let position = api
        .publish(&publication)
        .await
        .map_err(|e| Error::Centrifugo(e.to_string()))?;
    if opts.json {
        super::output::line(format!(
            "{}",
            json!({ "channel": opts.channel, "offset": position.offset, "epoch": position.epoch })
        ))?;
    } else {
        match (position.offset, position.epoch) {
            (Some(offset), Some(epoch)) => super::output::line(format!(
                "published to {}: offset {offset}, epoch {epoch}",
                opts.channel
            ))?,
            _ => super::output::line(format!(
                "published to {} (no history on this channel)",
                opts.channel
            ))?,
        }
    }
    Ok(())
}

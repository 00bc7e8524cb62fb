//! The server API methods: request shapes (Go's decoding rules: unknown fields ignored,
//! `null` as the zero value) and result shapes (field order and omissions as Centrifugo
//! writes them). `publish` and `broadcast` are in `api_publish`.

use serde::Deserialize;

pub use super::api_publish::{BroadcastBody, PublishBody, broadcast, publish};
use super::channels::HistoryQuery;
use super::hub::Hub;
use super::protocol::{self as p, ReplyError, quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Publish,
    Broadcast,
    Batch,
    Presence,
    PresenceStats,
    History,
    HistoryRemove,
    Info,
}

pub const METHODS: &[Method] = &[
    Method::Publish,
    Method::Broadcast,
    Method::Batch,
    Method::Presence,
    Method::PresenceStats,
    Method::History,
    Method::HistoryRemove,
    Method::Info,
];

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Publish => "publish",
            Method::Broadcast => "broadcast",
            Method::Batch => "batch",
            Method::Presence => "presence",
            Method::PresenceStats => "presence_stats",
            Method::History => "history",
            Method::HistoryRemove => "history_remove",
            Method::Info => "info",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

#[derive(Debug, Default, Deserialize)]
pub struct ChannelBody {
    channel: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Since {
    offset: Option<u64>,
    epoch: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryBody {
    channel: Option<String>,
    limit: Option<i32>,
    since: Option<Since>,
    reverse: Option<bool>,
}

/// One command of a batch: exactly one known key, like Centrifugo's `Command`.
#[derive(Debug, Default, Deserialize)]
pub struct BatchCommand {
    publish: Option<PublishBody>,
    broadcast: Option<BroadcastBody>,
    presence: Option<ChannelBody>,
    presence_stats: Option<ChannelBody>,
    history: Option<HistoryBody>,
    history_remove: Option<ChannelBody>,
    info: Option<Empty>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BatchBody {
    commands: Option<Vec<Option<BatchCommand>>>,
}

/// `{"code":N,"message":".."}`.
pub fn error_json(e: ReplyError) -> String {
    format!(r#"{{"code":{},"message":{}}}"#, e.code, quote(e.message))
}

pub fn presence(hub: &Hub, b: ChannelBody) -> Result<String, ReplyError> {
    let channel = checked(b.channel)?;
    let entries: Vec<String> = hub
        .presence(&channel)
        .iter()
        .map(|c| format!("{}:{}", quote(&c.client), c.json()))
        .collect();
    Ok(format!(r#"{{"presence":{{{}}}}}"#, entries.join(",")))
}

pub fn presence_stats(hub: &Hub, b: ChannelBody) -> Result<String, ReplyError> {
    let channel = checked(b.channel)?;
    let (clients, users) = hub.presence_stats(&channel);
    Ok(format!(
        r#"{{"num_clients":{clients},"num_users":{users}}}"#
    ))
}

pub fn history(hub: &Hub, b: HistoryBody) -> Result<String, ReplyError> {
    let channel = b.channel.unwrap_or_default();
    let since = b
        .since
        .map(|s| (s.offset.unwrap_or(0), s.epoch.unwrap_or_default()));
    let h = hub.history(
        &channel,
        HistoryQuery {
            limit: i64::from(b.limit.unwrap_or(0)),
            since: since.as_ref().map(|(o, e)| (*o, e.as_str())),
            reverse: b.reverse.unwrap_or(false),
        },
    )?;
    let list: Vec<String> = h.publications.iter().map(|x| x.json(None)).collect();
    Ok(format!(
        r#"{{"publications":[{}],"epoch":{},"offset":{}}}"#,
        list.join(","),
        quote(&h.epoch),
        h.offset
    ))
}

pub fn history_remove(hub: &Hub, b: ChannelBody) -> Result<String, ReplyError> {
    hub.history_remove(&b.channel.unwrap_or_default())
        .map(|()| "{}".into())
}

pub fn info(hub: &Hub) -> String {
    let c = hub.counts();
    let uptime = hub.uptime().as_secs();
    let uptime = if uptime > 0 {
        format!(r#","uptime":{uptime}"#)
    } else {
        String::new()
    };
    format!(
        r#"{{"nodes":[{{"uid":{},"name":"chatctl","version":{},"num_clients":{},"num_users":{},"num_channels":{}{uptime},"num_subs":{}}}]}}"#,
        quote(hub.uid()),
        quote(&hub.settings().version),
        c.clients,
        c.users,
        c.channels,
        c.subs
    )
}

/// Presence methods: channel required, known namespace; presence is on everywhere.
fn checked(channel: Option<String>) -> Result<String, ReplyError> {
    let channel = channel.unwrap_or_default();
    if channel.is_empty() {
        return Err(p::BAD_REQUEST);
    }
    super::hub::check_namespace(&channel)?;
    Ok(channel)
}

/// `{"replies":[...]}` (`{}` when there are none), one reply per command, in order.
pub fn batch(hub: &Hub, b: BatchBody) -> String {
    let commands = b.commands.unwrap_or_default();
    if commands.is_empty() {
        return "{}".into();
    }
    let replies: Vec<String> = commands
        .into_iter()
        .map(|command| {
            let (key, outcome) = match command {
                None => ("", Err(p::BAD_REQUEST)),
                Some(c) => run(hub, c),
            };
            match outcome {
                Ok(result) => format!(r#"{{"{key}":{result}}}"#),
                Err(e) => format!(r#"{{"error":{}}}"#, error_json(e)),
            }
        })
        .collect();
    format!(r#"{{"replies":[{}]}}"#, replies.join(","))
}

fn run(hub: &Hub, c: BatchCommand) -> (&'static str, Result<String, ReplyError>) {
    if let Some(b) = c.publish {
        ("publish", publish(hub, b))
    } else if let Some(b) = c.broadcast {
        ("broadcast", broadcast(hub, b))
    } else if let Some(b) = c.history {
        ("history", history(hub, b))
    } else if let Some(b) = c.history_remove {
        ("history_remove", history_remove(hub, b))
    } else if let Some(b) = c.presence {
        ("presence", presence(hub, b))
    } else if let Some(b) = c.presence_stats {
        ("presence_stats", presence_stats(hub, b))
    } else if c.info.is_some() {
        ("info", Ok(info(hub)))
    } else {
        ("", Err(p::NOT_FOUND))
    }
}

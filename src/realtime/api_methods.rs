//! The server API methods: request shapes (Go's decoding rules: unknown fields ignored,
//! `null` as the zero value, `data` any JSON value but required) and result shapes
//! (field order and omissions as Centrifugo writes them).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::channels::{HistoryQuery, Position, Publish};
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

/// `data` present (even `null`, which is a value) or absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

#[derive(Debug, Default, Deserialize)]
pub struct PublishBody {
    channel: Option<String>,
    #[serde(default, deserialize_with = "present")]
    data: Option<Box<RawValue>>,
    b64data: Option<String>,
    skip_history: Option<bool>,
    tags: Option<BTreeMap<String, String>>,
    idempotency_key: Option<String>,
    version: Option<u64>,
    version_epoch: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BroadcastBody {
    channels: Option<Vec<Option<String>>>,
    #[serde(default, deserialize_with = "present")]
    data: Option<Box<RawValue>>,
    b64data: Option<String>,
    skip_history: Option<bool>,
    tags: Option<BTreeMap<String, String>>,
    idempotency_key: Option<String>,
    version: Option<u64>,
    version_epoch: Option<String>,
}

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

/// The payload: `b64data` wins when set and must decode to JSON (no binary for JSON
/// clients); a bad one fails the whole request. `None`: no data given.
fn payload(
    data: Option<Box<RawValue>>,
    b64: Option<&str>,
) -> Result<Option<Box<RawValue>>, ReplyError> {
    use base64::Engine;
    match b64.filter(|b| !b.is_empty()) {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| RawValue::from_string(text).ok())
            .map(Some)
            .ok_or(p::BAD_REQUEST),
        None => Ok(data),
    }
}

/// Checks in Centrifugo's order: channel, namespace (102), then data present (107).
fn publish_one(
    hub: &Hub,
    channel: &str,
    data: Option<&RawValue>,
    options: Publish<'_>,
) -> Result<Position, ReplyError> {
    if channel.is_empty() {
        return Err(p::BAD_REQUEST);
    }
    super::hub::check_namespace(channel)?;
    let data = data.ok_or(p::BAD_REQUEST)?.to_owned();
    hub.publish(Publish {
        channel,
        data,
        ..options
    })
}

fn position_json(position: &Position) -> String {
    match &position.epoch {
        Some(epoch) => format!(
            r#"{{"offset":{},"epoch":{}}}"#,
            position.offset,
            quote(epoch)
        ),
        None => "{}".into(),
    }
}

/// Publish options shared by `publish` and `broadcast` (channel and data set per call).
fn options<'a>(
    skip_history: Option<bool>,
    tags: &Option<BTreeMap<String, String>>,
    key: &'a Option<String>,
    version: Option<u64>,
    version_epoch: &'a Option<String>,
) -> Publish<'a> {
    Publish {
        channel: "",
        data: RawValue::NULL.to_owned(),
        skip_history: skip_history.unwrap_or(false),
        tags: tags.clone(),
        idempotency_key: key.as_deref(),
        version: version.unwrap_or(0),
        version_epoch: version_epoch.as_deref().unwrap_or(""),
    }
}

pub fn publish(hub: &Hub, b: PublishBody) -> Result<String, ReplyError> {
    let channel = b.channel.clone().unwrap_or_default();
    if channel.is_empty() {
        return Err(p::BAD_REQUEST);
    }
    let data = payload(b.data, b.b64data.as_deref())?;
    let o = options(
        b.skip_history,
        &b.tags,
        &b.idempotency_key,
        b.version,
        &b.version_epoch,
    );
    publish_one(hub, &channel, data.as_deref(), o).map(|position| position_json(&position))
}

pub fn broadcast(hub: &Hub, b: BroadcastBody) -> Result<String, ReplyError> {
    let channels = b.channels.unwrap_or_default();
    if channels.is_empty() {
        return Err(p::BAD_REQUEST);
    }
    let data = payload(b.data, b.b64data.as_deref())?;
    let responses: Vec<String> = channels
        .iter()
        .map(|channel| {
            let o = options(
                b.skip_history,
                &b.tags,
                &b.idempotency_key,
                b.version,
                &b.version_epoch,
            );
            let channel = channel.as_deref().unwrap_or("");
            match publish_one(hub, channel, data.as_deref(), o) {
                Ok(position) => format!(r#"{{"result":{}}}"#, position_json(&position)),
                Err(e) => format!(r#"{{"error":{}}}"#, error_json(e)),
            }
        })
        .collect();
    Ok(format!(r#"{{"responses":[{}]}}"#, responses.join(",")))
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

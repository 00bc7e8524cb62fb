//! `publish` and `broadcast` of the server API: Go's decoding of their bodies (`data` any
//! JSON value, `null` included, but required; `b64data` winning when set) and the order of
//! Centrifugo's checks: channel, `b64data`, namespace (102), then data (107).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::api_methods::error_json;
use super::channels::{Position, Publish};
use super::hub::Hub;
use super::protocol::{self as p, ReplyError, quote};

/// `data` present (even `null`, which is a value) or absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

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

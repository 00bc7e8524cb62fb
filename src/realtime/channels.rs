//! What happens in one channel: publishing (history, idempotency, fan-out), subscribing with
//! positioning and recovery, and reading history. Each operation runs under the channel's
//! lock, which is what makes recovery exact: a subscriber is registered and its subscribe
//! reply queued in the same critical section that reads the stream, so the next
//! publication is queued after the reply and nothing falls in between.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::value::RawValue;

use super::conn::Conn;
use super::hub::{Hub, IDEMPOTENCY_TTL, Stored, Sub, check_namespace, new_pub};
use super::protocol::{self, ReplyError, quote};
use super::stream::Pub;

/// A publication request, from the server API or the outbox relay.
#[derive(Debug)]
pub struct Publish<'a> {
    pub channel: &'a str,
    pub data: Box<RawValue>,
    pub skip_history: bool,
    pub tags: Option<BTreeMap<String, String>>,
    pub idempotency_key: Option<&'a str>,
    pub version: u64,
    pub version_epoch: &'a str,
}

/// Where a publication landed; empty without history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub offset: u64,
    pub epoch: Option<Arc<str>>,
}

/// The stream part of a subscribe result.
#[derive(Debug)]
pub struct Positioned {
    pub epoch: Arc<str>,
    pub offset: u64,
    pub recovered: bool,
    pub publications: Vec<Arc<Pub>>,
}

/// What a client asked to recover from.
#[derive(Debug, Clone, Copy)]
pub struct Recover<'a> {
    pub offset: u64,
    pub epoch: &'a str,
    /// Answer 112 instead of `recovered: false`.
    pub reject_unrecovered: bool,
}

/// A history query (`history` of the server API).
#[derive(Debug, Clone, Copy)]
pub struct HistoryQuery<'a> {
    pub limit: i64,
    pub since: Option<(u64, &'a str)>,
    pub reverse: bool,
}

/// A history answer.
#[derive(Debug)]
pub struct History {
    pub publications: Vec<Arc<Pub>>,
    pub offset: u64,
    pub epoch: Arc<str>,
}

impl Hub {
    /// Publishes to a channel: appends to its history (unless `skip_history`) and queues
    /// the publication to every subscriber.
    pub fn publish(&self, p: Publish<'_>) -> Result<Position, ReplyError> {
        if p.channel.is_empty() {
            return Err(protocol::BAD_REQUEST);
        }
        check_namespace(p.channel)?;
        let settings = self.settings();
        let history = !p.skip_history && settings.history_on();
        let now = Instant::now();
        self.with_channel(p.channel, true, |c| {
            let c = c.ok_or(protocol::INTERNAL)?;
            if let Some(key) = p.idempotency_key.filter(|k| !k.is_empty())
                && let Some((position, at)) = c.published.get(key)
                && now.duration_since(*at) < IDEMPOTENCY_TTL
            {
                return Ok(to_position(position));
            }
            if history
                && p.version > 0
                && let Some(stream) = &c.stream
                && stream.outdated(p.version, p.version_epoch)
            {
                return Ok(Position {
                    offset: stream.top(),
                    epoch: Some(stream.epoch().clone()),
                });
            }
            let fresh = new_pub(p.data, p.tags);
            let (publication, stored) = if history {
                let stream = c.stream(now);
                let publication = stream.add(
                    fresh,
                    settings.history_size,
                    settings.history_ttl,
                    (p.version, p.version_epoch),
                    now,
                );
                let stored = Some((publication.offset, stream.epoch().clone()));
                (publication, stored)
            } else {
                (Arc::new(fresh), None)
            };
            if !c.subs.is_empty() {
                // The first publication of a stream carries its epoch (as Centrifugo).
                let epoch = stored
                    .as_ref()
                    .filter(|(offset, _)| *offset == 1)
                    .map(|(_, e)| &**e);
                let push: Arc<str> = format!(
                    r#"{{"push":{{"channel":{},"pub":{}}}}}"#,
                    quote(p.channel),
                    publication.json(epoch)
                )
                .into();
                for sub in c.subs.values() {
                    sub.conn.send(push.clone());
                }
            }
            if let Some(key) = p.idempotency_key.filter(|k| !k.is_empty()) {
                c.published.insert(key.to_string(), (stored.clone(), now));
            }
            Ok(to_position(&stored))
        })
    }

    /// Registers `conn` in `channel` and queues the reply `render` makes of the stream
    /// position (None without history) before any later publication.
    pub(super) fn subscribe(
        &self,
        conn: &Arc<Conn>,
        channel: &str,
        chan_info: Option<Box<RawValue>>,
        recover: Option<Recover<'_>>,
        render: impl FnOnce(Option<&Positioned>) -> String,
    ) -> Result<(), ReplyError> {
        let settings = self.settings();
        let now = Instant::now();
        self.with_channel(channel, true, |c| {
            let c = c.ok_or(protocol::INTERNAL)?;
            let positioned = if settings.history_on() {
                let stream = c.stream(now);
                let (top, epoch) = (stream.top(), stream.epoch().clone());
                let mut positioned = Positioned {
                    epoch: epoch.clone(),
                    offset: top,
                    recovered: false,
                    publications: Vec::new(),
                };
                if let Some(r) = recover {
                    let same_epoch = r.epoch.is_empty() || r.epoch == &*epoch;
                    let missed = if same_epoch && r.offset != top {
                        stream.get(
                            Some(r.offset.saturating_add(1)),
                            settings.recovery_max as i64,
                            false,
                        )
                    } else {
                        Vec::new()
                    };
                    let recovered = same_epoch
                        && match (missed.first(), missed.last()) {
                            (Some(first), Some(last)) => {
                                first.offset == r.offset.saturating_add(1) && last.offset == top
                            }
                            _ => top == r.offset,
                        };
                    if !recovered && r.reject_unrecovered {
                        return Err(protocol::UNRECOVERABLE_POSITION);
                    }
                    if recovered {
                        positioned.recovered = true;
                        positioned.offset = r.offset;
                        positioned.publications = missed;
                    }
                }
                Some(positioned)
            } else {
                None
            };
            c.subs.insert(
                conn.id.clone(),
                Sub {
                    conn: conn.clone(),
                    chan_info,
                },
            );
            conn.send(render(positioned.as_ref()).into());
            Ok(())
        })
    }

    /// `history` of the server API (Centrifugo's memory engine semantics).
    pub fn history(&self, channel: &str, q: HistoryQuery<'_>) -> Result<History, ReplyError> {
        if channel.is_empty() {
            return Err(protocol::BAD_REQUEST);
        }
        check_namespace(channel)?;
        if !self.settings().history_on() {
            return Err(protocol::NOT_AVAILABLE);
        }
        if q.reverse && q.since.is_some_and(|(offset, _)| offset == 0) {
            return Err(protocol::INTERNAL);
        }
        let now = Instant::now();
        self.with_channel(channel, true, |c| {
            let stream = c.ok_or(protocol::INTERNAL)?.stream(now);
            let (top, epoch) = (stream.top(), stream.epoch().clone());
            let publications = match q.since {
                None => stream.get(None, q.limit, q.reverse),
                Some((offset, e)) if !q.reverse && offset == top && e == &*epoch => Vec::new(),
                Some((offset, _)) if q.reverse => {
                    stream.get(Some(offset.saturating_sub(1)), q.limit, true)
                }
                Some((offset, _)) => stream.get(Some(offset.saturating_add(1)), q.limit, false),
            };
            if let Some((_, e)) = q.since
                && !e.is_empty()
                && e != &*epoch
            {
                return Err(protocol::UNRECOVERABLE_POSITION);
            }
            Ok(History {
                publications,
                offset: top,
                epoch,
            })
        })
    }

    /// `history_remove`: drops the kept publications, keeps the position.
    pub fn history_remove(&self, channel: &str) -> Result<(), ReplyError> {
        if channel.is_empty() {
            return Err(protocol::BAD_REQUEST);
        }
        check_namespace(channel)?;
        if !self.settings().history_on() {
            return Err(protocol::NOT_AVAILABLE);
        }
        self.with_channel(channel, false, |c| {
            if let Some(stream) = c.and_then(|c| c.stream.as_mut()) {
                stream.clear();
            }
        });
        Ok(())
    }
}

fn to_position(stored: &Stored) -> Position {
    stored
        .as_ref()
        .map(|(offset, epoch)| Position {
            offset: *offset,
            epoch: Some(epoch.clone()),
        })
        .unwrap_or_default()
}

//! The hub of the embedded server: channels with their subscribers (which are also the
//! channel's presence), history streams, and the users with at least one connection. State
//! lives in sharded maps behind short, never-awaited locks; a publication is appended to its
//! stream and queued to every subscriber under its channel's lock, so each subscriber sees
//! a channel's publications in offset order and a subscribe never misses one.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::conn::Conn;
use super::protocol::{self, ReplyError};
use super::settings::Settings;
use super::stream::{Pub, Stream};

const SHARDS: usize = 64;
/// Idempotency keys are remembered this long (as Centrifugo).
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(300);
/// A stream nobody read or wrote for this long is forgotten (Centrifugo's history_meta_ttl).
const STREAM_META_TTL: Duration = Duration::from_secs(720 * 3600);

/// A user got their first connection, or lost their last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPresence {
    pub user: String,
    pub online: bool,
}

/// Where a publication was stored: offset and epoch, None without history.
pub type Stored = Option<(u64, Arc<str>)>;

/// A subscriber of a channel.
#[derive(Debug)]
pub(super) struct Sub {
    pub conn: Arc<Conn>,
    pub chan_info: Option<Box<RawValue>>,
}

/// One channel.
#[derive(Debug, Default)]
pub(super) struct Channel {
    pub subs: HashMap<Arc<str>, Sub>,
    pub stream: Option<Stream>,
    /// Idempotency key → the position it was published at, and when.
    pub published: HashMap<String, (Stored, Instant)>,
}

impl Channel {
    fn idle(&self) -> bool {
        self.subs.is_empty() && self.stream.is_none() && self.published.is_empty()
    }

    /// The channel's stream, created (with a new epoch) on first use.
    pub fn stream(&mut self, now: Instant) -> &mut Stream {
        let stream = self.stream.get_or_insert_with(|| Stream::new(now));
        stream.touched = now;
        stream.expire(now);
        stream
    }
}

pub(super) struct Inner {
    pub settings: Settings,
    pub shards: Vec<Mutex<HashMap<Arc<str>, Channel>>>,
    hasher: RandomState,
    pub conns: Mutex<HashMap<Arc<str>, Arc<Conn>>>,
    pub users: Mutex<HashMap<Arc<str>, u32>>,
    presence: Mutex<Option<mpsc::UnboundedSender<UserPresence>>>,
    started: Instant,
    uid: String,
    closing: AtomicBool,
}

/// The embedded server's state. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    pub fn new(settings: Settings) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                settings,
                shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
                hasher: RandomState::new(),
                conns: Mutex::default(),
                users: Mutex::default(),
                presence: Mutex::default(),
                started: Instant::now(),
                uid: super::conn::Conn::new(0).id.to_string(),
                closing: AtomicBool::new(false),
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    pub fn uptime(&self) -> Duration {
        self.inner.started.elapsed()
    }

    /// Runs `f` on a channel under its shard's lock, creating the channel when `create`;
    /// an idle channel is dropped afterwards.
    pub(super) fn with_channel<R>(
        &self,
        name: &str,
        create: bool,
        f: impl FnOnce(Option<&mut Channel>) -> R,
    ) -> R {
        let shard = self.inner.hasher.hash_one(name) as usize % SHARDS;
        let mut channels = lock(&self.inner.shards[shard]);
        if create && !channels.contains_key(name) {
            channels.insert(name.into(), Channel::default());
        }
        let result = f(channels.get_mut(name));
        if channels.get(name).is_some_and(Channel::idle) {
            channels.remove(name);
        }
        result
    }

    /// Registers an authenticated connection.
    pub(super) fn connect(&self, conn: &Arc<Conn>) -> bool {
        if self.inner.closing.load(Ordering::SeqCst) {
            return false;
        }
        lock(&self.inner.conns).insert(conn.id.clone(), conn.clone());
        let user: Arc<str> = conn.user().into();
        let first = {
            let mut users = lock(&self.inner.users);
            let n = users.entry(user.clone()).or_insert(0);
            *n += 1;
            *n == 1
        };
        if first {
            self.announce(&user, true);
        }
        true
    }

    /// Forgets a connection and its subscriptions.
    pub(super) fn disconnect<'a>(&self, conn: &Conn, channels: impl Iterator<Item = &'a str>) {
        for channel in channels {
            self.unsubscribe(conn, channel);
        }
        if lock(&self.inner.conns).remove(&conn.id).is_none() {
            return;
        }
        let user = conn.user();
        let last = {
            let mut users = lock(&self.inner.users);
            match users.get_mut(user) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    users.remove(user);
                    true
                }
                None => false,
            }
        };
        if last {
            self.announce(user, false);
        }
    }

    fn announce(&self, user: &str, online: bool) {
        if user.is_empty() {
            return;
        }
        if let Some(tx) = lock(&self.inner.presence).as_ref() {
            let _ = tx.send(UserPresence {
                user: user.to_string(),
                online,
            });
        }
    }

    /// The stream of users' first connects and last disconnects (one listener).
    pub fn user_presence(&self) -> mpsc::UnboundedReceiver<UserPresence> {
        let (tx, rx) = mpsc::unbounded_channel();
        *lock(&self.inner.presence) = Some(tx);
        rx
    }

    /// Connections of a user right now.
    pub fn user_connections(&self, user: &str) -> u32 {
        lock(&self.inner.users).get(user).copied().unwrap_or(0)
    }

    pub(super) fn unsubscribe(&self, conn: &Conn, channel: &str) {
        self.with_channel(channel, false, |c| {
            if let Some(c) = c {
                c.subs.remove(&conn.id);
            }
        });
    }

    /// Drops expired histories, idempotency keys and forgotten streams.
    pub fn sweep(&self) {
        let now = Instant::now();
        for shard in &self.inner.shards {
            let mut channels = lock(shard);
            channels.retain(|_, c| {
                c.published
                    .retain(|_, (_, at)| now.duration_since(*at) < IDEMPOTENCY_TTL);
                if let Some(stream) = &mut c.stream {
                    stream.expire(now);
                    if stream.is_empty() && now.duration_since(stream.touched) > STREAM_META_TTL {
                        c.stream = None;
                    }
                }
                !c.idle()
            });
        }
    }

    /// Refuses new connections and closes every open one with 3001 (clients reconnect).
    pub fn shutdown(&self) {
        self.inner.closing.store(true, Ordering::SeqCst);
        for conn in lock(&self.inner.conns).values() {
            conn.close(protocol::SHUTDOWN);
        }
    }

    pub fn closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }
}

/// chatctl's channels live outside any namespace: a namespaced name (`ns:...`, also after
/// the private prefix `$`) is an unknown channel (102), as in Centrifugo with no namespaces.
pub fn check_namespace(channel: &str) -> Result<(), ReplyError> {
    let name = channel.strip_prefix('$').unwrap_or(channel);
    if name.contains(':') {
        return Err(protocol::UNKNOWN_CHANNEL);
    }
    Ok(())
}

/// Namespace first, then the name: non-ASCII names are a bad request (107).
pub fn check_channel(channel: &str) -> Result<(), ReplyError> {
    check_namespace(channel)?;
    if !channel.is_ascii() {
        return Err(protocol::BAD_REQUEST);
    }
    Ok(())
}

/// A publication ready for a stream.
pub(super) fn new_pub(
    data: Box<RawValue>,
    tags: Option<std::collections::BTreeMap<String, String>>,
) -> Pub {
    Pub {
        offset: 0,
        data,
        tags,
    }
}

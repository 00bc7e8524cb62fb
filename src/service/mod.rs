//! The service core, shared by the HTTP API and the CLI. It owns validation, authorization
//! (membership), transaction boundaries and the domain events each change produces; adapters
//! only translate input and render output.

pub mod admin;
mod chats;
pub mod events;
pub mod import;
pub mod inspect;
pub mod limits;
mod messages;
mod presence;
mod realtime;
mod relay;
mod typing;
mod users;
pub mod validate;
mod writer;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::api::Verifier;
use crate::config::Config;
use crate::db::Db;
use crate::db::users::UserRow;
use crate::error::{Error, Result};
use crate::model::{self, Clock};
use crate::realtime::Realtime;

pub use messages::PageRequest;
pub use realtime::Channel;
pub use relay::PassReport;

/// The authenticated user a request acts as.
pub type Caller = UserRow;

/// The core. Cheap to clone: everything is behind one `Arc`.
#[derive(Clone, Debug)]
pub struct Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    config: Config,
    verifier: Option<Verifier>,
    clock: Clock,
    /// Woken after each commit that wrote outbox rows.
    outbox_written: Arc<Notify>,
    /// Where realtime events go: an external Centrifugo or the embedded server.
    realtime: Realtime,
    typing: typing::Coalescer,
    limiter: limits::Limiter,
    /// The group-commit writer of sends, started on first use.
    writer: std::sync::OnceLock<writer::Handle>,
}

impl Service {
    /// Builds the core over an open database. API token verification is set up only when
    /// `with_auth` (the CLI's read-only commands do not need a key).
    pub fn new(db: Db, config: Config, with_auth: bool) -> Result<Service> {
        let verifier = if with_auth {
            Some(Verifier::from_config(&config.auth).map_err(Error::Config)?)
        } else {
            None
        };
        let offset = model::parse_offset(&config.server.time_offset)
            .ok_or_else(|| Error::Config("server.time_offset is invalid".into()))?;
        Ok(Service {
            inner: Arc::new(Inner {
                db,
                verifier,
                clock: Clock { offset },
                outbox_written: Arc::new(Notify::new()),
                realtime: Realtime::from_config(&config),
                typing: typing::Coalescer::default(),
                writer: std::sync::OnceLock::new(),
                limiter: limits::Limiter::new(&config.rate_limits),
                config,
            }),
        })
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// Refuses the request with 429 when `user_id` is over their rate for `action`.
    pub fn throttle(&self, action: limits::Action, user_id: i64) -> Result<()> {
        self.inner.limiter.check(action, user_id)
    }

    /// The realtime server events go to.
    pub fn realtime(&self) -> &Realtime {
        &self.inner.realtime
    }

    /// Starts the outbox relay, the presence sweeper and, with the embedded server, its
    /// housekeeping and the presence listener; they stop when `stop` turns true.
    pub fn spawn_background(
        &self,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let (service, rx) = (self.clone(), stop.clone());
        tasks.push(tokio::spawn(async move { service.run_relay(rx).await }));
        let (service, rx) = (self.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            service.run_presence_sweeper(rx).await
        }));
        if let Some(hub) = self.realtime().embedded() {
            let (service, events) = (self.clone(), hub.user_presence());
            let rx = stop.clone();
            tasks.push(tokio::spawn(async move {
                service.run_presence_listener(events, rx).await
            }));
            let (hub, mut rx) = (hub.clone(), stop);
            tasks.push(tokio::spawn(async move {
                while !*rx.borrow() {
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(10)) => hub.sweep(),
                        _ = rx.changed() => {}
                    }
                }
            }));
        }
        tasks
    }

    /// The signal the outbox relay waits on.
    pub fn outbox_signal(&self) -> Arc<Notify> {
        self.inner.outbox_written.clone()
    }

    fn outbox_written(&self) {
        self.inner.outbox_written.notify_one();
    }

    /// Renders a stored user in the original's shape.
    pub fn render_user(&self, user: &UserRow) -> model::User {
        user_view(self.clock(), user)
    }
}

/// A stored user in the original's shape.
pub(crate) fn user_view(clock: Clock, user: &UserRow) -> model::User {
    model::User {
        id: user.id,
        email: user.email.clone(),
        avatar: user.avatar.clone(),
        is_online: user.is_online,
        name: user.name.clone(),
        last_seen_at: user.last_seen_at.map(|ms| clock.date_time(ms)),
    }
}

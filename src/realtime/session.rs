//! One client's protocol session, without any I/O: it takes the commands of a frame and the
//! passing of time, queues replies on the connection, and says when the connection must
//! close and why. The order of checks and the codes follow Centrifugo v6 (centrifuge
//! `client.go` and Centrifugo's handler), checked against a real server by the tests.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{Conn, Identity};
use super::hub::Hub;
use super::protocol::{self as p, Command, Disconnect, ReplyError};
use super::settings::{EXPIRED_CLOSE_DELAY, MAX_TTL_SECS};

/// `Err` closes the connection with that code.
pub type Flow = Result<(), Disconnect>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Waiting for `connect`.
    Fresh,
    Connected,
    /// `connect` failed: later commands are ignored until the connection goes stale.
    Failed,
}

pub struct Session {
    pub(super) hub: Hub,
    pub(super) conn: Arc<Conn>,
    pub(super) opened: Instant,
    pub(super) state: State,
    /// Connection expiry (Unix seconds); 0: never.
    pub(super) expire_at: i64,
    pub(super) expire_check: Option<Instant>,
    /// Subscribed channels and their expiry (Unix seconds; 0: never).
    pub(super) subs: HashMap<Arc<str>, i64>,
    pub(super) next_ping: Option<Instant>,
    /// A ping is waiting for its pong until then.
    pub(super) pong_due: Option<Instant>,
    /// A ping was sent and not answered yet (Centrifugo's `lastPing > 0`).
    pub(super) ping_outstanding: bool,
}

/// Seconds since the Unix epoch.
pub(super) fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Session {
    pub fn new(hub: Hub, conn: Arc<Conn>) -> Session {
        Session {
            hub,
            conn,
            opened: Instant::now(),
            state: State::Fresh,
            expire_at: 0,
            expire_check: None,
            subs: HashMap::new(),
            next_ping: None,
            pong_due: None,
            ping_outstanding: false,
        }
    }

    pub(super) fn reply(&self, id: u32, kind: &str, result: &str) {
        self.conn.send(p::reply(id, kind, result).into());
    }

    pub(super) fn error(&self, id: u32, e: ReplyError) {
        self.conn.send(p::error_reply(id, e).into());
    }

    /// Handles the commands of one frame, in order.
    pub fn frame(&mut self, text: &str) -> Flow {
        for command in p::lines(text) {
            // As Centrifugo: after a failed connect nothing more is read; the client is
            // expected to reconnect, and the connection goes stale otherwise.
            if self.state == State::Failed {
                return Ok(());
            }
            self.command(command.map_err(|()| p::BAD_REQUEST_DISCONNECT)?)?;
        }
        Ok(())
    }

    fn command(&mut self, cmd: Command) -> Flow {
        if self.state == State::Fresh && cmd.connect.is_none() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        if cmd.id == 0 && cmd.send.is_none() {
            return self.pong();
        }
        let id = cmd.id;
        if let Some(r) = cmd.connect {
            self.connect(id, &r.token)
        } else if let Some(r) = cmd.subscribe {
            self.subscribe(id, &r)
        } else if let Some(r) = cmd.unsubscribe {
            self.unsubscribe(id, &r.channel)
        } else if let Some(r) = cmd.publish {
            self.not_permitted(id, &r.channel, Some(r.data.is_some()))
        } else if let Some(r) = cmd.presence.or(cmd.presence_stats) {
            self.not_permitted(id, &r.channel, None)
        } else if let Some(r) = cmd.history {
            self.history(id, &r.channel)
        } else if cmd.rpc.is_some() {
            self.error(id, p::NOT_AVAILABLE);
            Ok(())
        } else if cmd.send.is_some() {
            Err(p::NOT_AVAILABLE_DISCONNECT)
        } else if let Some(r) = cmd.refresh {
            self.refresh(id, &r.token)
        } else if let Some(r) = cmd.sub_refresh {
            self.sub_refresh(id, &r.channel, &r.token)
        } else {
            Err(p::BAD_REQUEST_DISCONNECT)
        }
    }

    fn pong(&mut self) -> Flow {
        if !self.ping_outstanding {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        self.ping_outstanding = false;
        Ok(())
    }

    fn connect(&mut self, id: u32, token: &str) -> Flow {
        if self.state == State::Connected {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        if token.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        let verifier = self.hub.settings().verifier.as_ref();
        let now = unix_now();
        let claims = match verifier.map(|v| v.connect(token, now)) {
            Some(Ok(claims)) => claims,
            Some(Err(super::tokens::TokenError::Expired)) => {
                self.state = State::Failed;
                self.error(id, p::TOKEN_EXPIRED);
                return Ok(());
            }
            Some(Err(_)) | None => return Err(p::INVALID_TOKEN),
        };
        let now = now.floor() as i64;
        let expire_at = claims.expire_at.min(now + MAX_TTL_SECS);
        if expire_at > 0 && expire_at < now {
            self.state = State::Failed;
            self.error(id, p::EXPIRED);
            return Ok(());
        }
        self.conn.authenticate(Identity {
            user: claims.user.into(),
            info: claims.info,
        });
        if !self.hub.connect(&self.conn) {
            return Err(p::SHUTDOWN);
        }
        self.state = State::Connected;
        let hub = self.hub.clone();
        let settings = hub.settings();
        let mut result = format!(
            r#"{{"client":{},"version":{}"#,
            p::quote(&self.conn.id),
            p::quote(&settings.version)
        );
        if expire_at > 0 {
            let ttl = expire_at - now;
            result.push_str(&format!(r#","expires":true,"ttl":{ttl}"#));
            self.set_expiry(expire_at, ttl);
        }
        result.push_str(&format!(
            r#","ping":{},"pong":true}}"#,
            settings.ping_interval.as_secs()
        ));
        self.reply(id, "connect", &result);
        // The first ping goes out at a random point of the second half of the interval.
        let half = settings.ping_interval / 2;
        let jitter = half.mul_f64(rand::random::<f64>());
        self.next_ping = Some(Instant::now() + half + jitter);
        Ok(())
    }

    pub(super) fn set_expiry(&mut self, expire_at: i64, ttl: i64) {
        self.expire_at = expire_at;
        let check = ttl.max(0) + EXPIRED_CLOSE_DELAY;
        self.expire_check = Some(Instant::now() + Duration::from_secs(check as u64));
    }

    fn unsubscribe(&mut self, id: u32, channel: &str) -> Flow {
        if channel.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        if self.subs.remove(channel).is_some() {
            self.hub.unsubscribe(&self.conn, channel);
        }
        self.reply(id, "unsubscribe", "{}");
        Ok(())
    }

    /// publish, presence and presence_stats: chatctl's channels allow none of them to
    /// clients (Centrifugo's generated config has no `allow_*_for_client`).
    fn not_permitted(&self, id: u32, channel: &str, has_data: Option<bool>) -> Flow {
        if channel.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        let refused = match (super::hub::check_channel(channel), has_data) {
            (Err(e), _) => e,
            (Ok(()), Some(false)) => p::BAD_REQUEST,
            (Ok(()), _) => p::PERMISSION_DENIED,
        };
        self.error(id, refused);
        Ok(())
    }

    fn history(&self, id: u32, channel: &str) -> Flow {
        if channel.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        let e = match super::hub::check_channel(channel) {
            Err(e) => e,
            Ok(()) if !self.hub.settings().history_on() => p::NOT_AVAILABLE,
            Ok(()) => p::PERMISSION_DENIED,
        };
        self.error(id, e);
        Ok(())
    }

    /// Leaves the hub: called once when the connection ends.
    pub fn finish(&mut self) {
        if self.state == State::Connected {
            let channels: Vec<Arc<str>> = self.subs.drain().map(|(c, _)| c).collect();
            self.hub
                .disconnect(&self.conn, channels.iter().map(|c| &**c));
            self.state = State::Failed;
        }
    }
}

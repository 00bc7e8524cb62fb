//! A session's clock: the stale close before `connect`, server pings and the pong deadline,
//! connection expiry (3005 once the token's time plus Centrifugo's 25 s grace passed without
//! `refresh`) and subscription expiry (an unsubscribe push 2501 without `sub_refresh`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::protocol as p;
use super::session::{Flow, Session, State, unix_now};
use super::settings::{EXPIRED_CLOSE_DELAY, STALE_CLOSE_DELAY};

impl Session {
    /// The earliest moment `tick` has something to do.
    pub fn deadline(&self) -> Instant {
        if self.state != State::Connected {
            return self.opened + STALE_CLOSE_DELAY;
        }
        let far = Instant::now() + Duration::from_secs(3600);
        let subs = self.next_sub_expiry();
        [self.next_ping, self.pong_due, self.expire_check, subs]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(far)
    }

    /// Does what is due at `now`: stale close, pings and pongs, expiries.
    pub fn tick(&mut self, now: Instant) -> Flow {
        if self.state != State::Connected {
            return if now >= self.opened + STALE_CLOSE_DELAY {
                Err(p::STALE)
            } else {
                Ok(())
            };
        }
        if self.pong_due.is_some_and(|due| due <= now) {
            if self.ping_outstanding {
                return Err(p::NO_PONG);
            }
            self.pong_due = None;
        }
        if self.next_ping.is_some_and(|at| at <= now) {
            let settings = self.hub.settings();
            self.conn.send(p::PING.into());
            self.ping_outstanding = true;
            self.pong_due = Some(now + settings.pong_timeout);
            self.next_ping = Some(now + settings.ping_interval);
        }
        if self.expire_check.is_some_and(|at| at <= now) {
            self.expire_check = None;
            if self.expire_at > 0 && (self.expire_at as f64) <= unix_now() {
                return Err(p::CONNECTION_EXPIRED);
            }
        }
        self.expire_subscriptions();
        Ok(())
    }

    /// Unsubscribes (2501) subscriptions whose token ran out without `sub_refresh`.
    fn expire_subscriptions(&mut self) {
        let now = unix_now() as i64;
        let expired: Vec<Arc<str>> = self
            .subs
            .iter()
            .filter(|(_, at)| **at > 0 && now > **at + EXPIRED_CLOSE_DELAY)
            .map(|(c, _)| c.clone())
            .collect();
        for channel in expired {
            self.subs.remove(&channel);
            self.hub.unsubscribe(&self.conn, &channel);
            let (code, reason) = p::UNSUBSCRIBE_EXPIRED;
            self.conn
                .send(p::unsubscribe_push(&channel, code, reason).into());
        }
    }

    fn next_sub_expiry(&self) -> Option<Instant> {
        let at = self.subs.values().filter(|at| **at > 0).min()?;
        let wait = (*at + EXPIRED_CLOSE_DELAY + 1) as f64 - unix_now();
        Some(Instant::now() + Duration::from_secs_f64(wait.max(0.0)))
    }
}

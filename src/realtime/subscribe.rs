//! The token-carrying commands of a session: `subscribe` (with positioning and recovery),
//! `refresh` and `sub_refresh`. Each token is checked as Centrifugo checks it: an expired
//! token is an error reply (109) the client recovers from, a token for someone or something
//! else closes the connection (3500).

use super::channels::{Positioned, Recover};
use super::protocol::{self as p, SubscribeRequest};
use super::session::{Flow, Session, unix_now};
use super::settings::{CHANNEL_MAX_LENGTH, MAX_TTL_SECS};
use super::tokens::TokenError;

impl Session {
    pub(super) fn subscribe(&mut self, id: u32, r: &SubscribeRequest) -> Flow {
        let channel = r.channel.as_str();
        if channel.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        if !r.delta.is_empty() && r.delta != "fossil" {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        let settings = self.hub.settings();
        let refused = if channel.len() > CHANNEL_MAX_LENGTH {
            Some(p::BAD_REQUEST)
        } else if self.subs.contains_key(channel) {
            Some(p::ALREADY_SUBSCRIBED)
        } else if self.subs.len() >= settings.channel_limit {
            Some(p::LIMIT_EXCEEDED)
        } else if let Err(e) = super::hub::check_channel(channel) {
            Some(e)
        } else if r.kind != 0 || r.token.is_empty() {
            // Only stream subscriptions exist, and only with a token: chatctl's channels
            // have no `allow_subscribe_for_client`.
            Some(p::PERMISSION_DENIED)
        } else {
            None
        };
        if let Some(e) = refused {
            self.error(id, e);
            return Ok(());
        }
        let now = unix_now();
        let claims = match settings
            .verifier
            .as_ref()
            .map(|v| v.subscribe(&r.token, now))
        {
            Some(Ok(claims)) => claims,
            Some(Err(TokenError::Expired)) => {
                self.error(id, p::TOKEN_EXPIRED);
                return Ok(());
            }
            Some(Err(TokenError::Invalid(_))) | None => {
                self.error(id, p::PERMISSION_DENIED);
                return Ok(());
            }
        };
        if claims.channel != channel
            || claims.user != self.conn.user()
            || (!claims.client.is_empty() && claims.client != *self.conn.id)
        {
            return Err(p::INVALID_TOKEN);
        }
        let now = now.floor() as i64;
        let expire_at = claims.expire_at.min(now + MAX_TTL_SECS);
        if expire_at > 0 && expire_at <= now {
            self.error(id, p::EXPIRED);
            return Ok(());
        }
        if r.tf.is_some() {
            self.error(id, p::BAD_REQUEST);
            return Ok(());
        }
        let recover = r.recover.then_some(Recover {
            offset: r.offset,
            epoch: &r.epoch,
            reject_unrecovered: r.flag & p::FLAG_REJECT_UNRECOVERED != 0,
        });
        let data = claims.data;
        let render = |positioned: Option<&Positioned>| {
            let mut out = String::from("{");
            if expire_at > 0 {
                out.push_str(&format!(r#""expires":true,"ttl":{},"#, expire_at - now));
            }
            if let Some(s) = positioned {
                out.push_str(r#""recoverable":true,"epoch":"#);
                out.push_str(&p::quote(&s.epoch));
                out.push(',');
                if !s.publications.is_empty() {
                    let list: Vec<String> = s.publications.iter().map(|x| x.json(None)).collect();
                    out.push_str(&format!(r#""publications":[{}],"#, list.join(",")));
                }
                if s.recovered {
                    out.push_str(r#""recovered":true,"#);
                }
                if s.offset > 0 {
                    out.push_str(&format!(r#""offset":{},"#, s.offset));
                }
                out.push_str(r#""positioned":true,"#);
            }
            if let Some(data) = &data {
                out.push_str(r#""data":"#);
                out.push_str(data.get());
                out.push(',');
            }
            if r.recover {
                out.push_str(r#""was_recovering":true,"#);
            }
            if out.ends_with(',') {
                out.pop();
            }
            out.push('}');
            p::reply(id, "subscribe", &out)
        };
        match self
            .hub
            .subscribe(&self.conn, channel, claims.info, recover, render)
        {
            Ok(()) => {
                self.subs.insert(channel.into(), expire_at);
            }
            Err(e) => self.error(id, e),
        }
        Ok(())
    }

    pub(super) fn refresh(&mut self, id: u32, token: &str) -> Flow {
        if token.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        let now = unix_now();
        let claims = match self
            .hub
            .settings()
            .verifier
            .as_ref()
            .map(|v| v.connect(token, now))
        {
            Some(Ok(claims)) => claims,
            Some(Err(TokenError::Expired)) => return Err(p::CONNECTION_EXPIRED),
            Some(Err(TokenError::Invalid(_))) | None => return Err(p::INVALID_TOKEN),
        };
        if claims.user != self.conn.user() {
            return Err(p::INVALID_TOKEN);
        }
        let now = now.floor() as i64;
        let expire_at = claims.expire_at.min(now + MAX_TTL_SECS);
        let ttl = expire_at - now;
        // As Centrifugo: a token without expiry answers `{}` and leaves the old expiry.
        let mut result = String::from("{}");
        if expire_at > 0 {
            if ttl <= 0 {
                self.error(id, p::EXPIRED);
                return Ok(());
            }
            self.set_expiry(expire_at, ttl);
            result = format!(r#"{{"expires":true,"ttl":{ttl}}}"#);
        }
        self.reply(id, "refresh", &result);
        Ok(())
    }

    pub(super) fn sub_refresh(&mut self, id: u32, channel: &str, token: &str) -> Flow {
        if channel.is_empty() {
            return Err(p::BAD_REQUEST_DISCONNECT);
        }
        if !self.subs.contains_key(channel) {
            self.error(id, p::PERMISSION_DENIED);
            return Ok(());
        }
        if token.is_empty() {
            self.error(id, p::BAD_REQUEST);
            return Ok(());
        }
        let now = unix_now();
        let claims = match self
            .hub
            .settings()
            .verifier
            .as_ref()
            .map(|v| v.subscribe(token, now))
        {
            Some(Ok(claims)) => Some(claims),
            // As Centrifugo: an expired token answers `{}` and the subscription then has
            // no expiry.
            Some(Err(TokenError::Expired)) => None,
            Some(Err(TokenError::Invalid(_))) | None => return Err(p::INVALID_TOKEN),
        };
        let expire_at = match claims {
            None => 0,
            Some(c) => {
                if c.channel != channel
                    || c.user != self.conn.user()
                    || (!c.client.is_empty() && c.client != *self.conn.id)
                {
                    return Err(p::INVALID_TOKEN);
                }
                c.expire_at.min(now as i64 + MAX_TTL_SECS)
            }
        };
        let now = now.floor() as i64;
        let mut result = String::from("{}");
        if expire_at > 0 {
            if expire_at < now {
                self.error(id, p::EXPIRED);
                return Ok(());
            }
            result = format!(r#"{{"expires":true,"ttl":{}}}"#, expire_at - now);
        }
        if let Some(at) = self.subs.get_mut(channel) {
            *at = expire_at;
        }
        self.reply(id, "sub_refresh", &result);
        Ok(())
    }
}

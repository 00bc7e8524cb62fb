//! Realtime access: Centrifugo connection tokens for the caller, and subscription tokens
//! minted only after the caller is authorized for the channel.

use super::limits::Action;
use super::{Caller, Service};
use crate::auth::{self, realtime::Claims};
use crate::db::chats;
use crate::error::{Error, Result};

/// A channel of the original's layout, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    ChatList(i64),
    Messages(i64),
    Status(i64),
    Typing(i64),
}

impl Channel {
    pub fn parse(name: &str) -> Option<Channel> {
        let id = |s: &str| super::validate::parse_id(s);
        if let Some(rest) = name.strip_prefix("chat.") {
            return id(rest).map(Channel::Typing);
        }
        let middle = name.strip_prefix("user-")?;
        if let Some(n) = middle.strip_suffix("-chats") {
            return id(n).map(Channel::ChatList);
        }
        if let Some(n) = middle.strip_suffix("-messages") {
            return id(n).map(Channel::Messages);
        }
        if let Some(n) = middle.strip_suffix("-status") {
            return id(n).map(Channel::Status);
        }
        None
    }
}

impl Service {
    fn centrifugo_secret(&self) -> Result<&str> {
        let secret = self.config().centrifugo.secret.expose();
        if secret.is_empty() {
            return Err(Error::Unavailable(
                "realtime is not configured: set CENTRIFUGO_SECRET".into(),
            ));
        }
        Ok(secret)
    }

    fn token_ttl(&self) -> i64 {
        self.config().centrifugo.token_ttl.as_secs() as i64
    }

    /// `GET /api/update-centrifugo-token`: a connection token for the caller.
    pub fn connection_token(&self, me: &Caller) -> Result<String> {
        self.throttle(Action::Token, me.id)?;
        let secret = self.centrifugo_secret()?;
        Claims::connection(me.id, self.token_ttl(), auth::now_secs())
            .sign(secret)
            .map_err(Error::Internal)
    }

    /// May `me` subscribe to `channel`? Own chat list; messages and typing of chats they are
    /// in; the status of themselves or of someone they share a chat with.
    pub async fn may_subscribe(&self, me: &Caller, channel: &str) -> Result<bool> {
        let pool = self.db().pool();
        Ok(match Channel::parse(channel) {
            Some(Channel::ChatList(user)) => user == me.id,
            Some(Channel::Messages(chat) | Channel::Typing(chat)) => {
                chats::view(pool, chat, me.id).await?.is_some()
            }
            Some(Channel::Status(user)) => {
                user == me.id || chats::share_a_chat(pool, me.id, user).await?
            }
            None => false,
        })
    }

    /// `GET /api/centrifugo/subscription-token`: a token for one authorized channel.
    pub async fn subscription_token(&self, me: &Caller, channel: Option<&str>) -> Result<String> {
        self.throttle(Action::Token, me.id)?;
        let channel = channel.unwrap_or_default();
        if channel.is_empty() {
            return Err(Error::invalid("channel", "The channel field is required."));
        }
        if !self.may_subscribe(me, channel).await? {
            return Err(Error::Forbidden(
                "You may not subscribe to this channel.".into(),
            ));
        }
        let secret = self.centrifugo_secret()?;
        Claims::subscription(me.id, channel, self.token_ttl(), auth::now_secs())
            .sign(secret)
            .map_err(Error::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::Channel;

    #[test]
    fn channels_of_the_original_parse() {
        assert_eq!(Channel::parse("user-5-chats"), Some(Channel::ChatList(5)));
        assert_eq!(
            Channel::parse("user-12-messages"),
            Some(Channel::Messages(12))
        );
        assert_eq!(Channel::parse("user-3-status"), Some(Channel::Status(3)));
        assert_eq!(Channel::parse("chat.9"), Some(Channel::Typing(9)));
        for bad in [
            "user--chats",
            "user-x-chats",
            "chat.",
            "chat.1.2",
            "user-1-other",
            "$x",
            "",
        ] {
            assert_eq!(Channel::parse(bad), None, "{bad}");
        }
    }
}

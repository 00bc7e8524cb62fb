//! The original package's wire shapes (User, Message, chat item, realtime payloads) and the
//! time formats it used. Field names and types here are the drop-in contract: add fields,
//! never rename or remove them.

use serde::Serialize;
use time::{OffsetDateTime, UtcOffset, format_description::FormatItem, macros::format_description};
use utoipa::ToSchema;

/// A user as the original returns it.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub avatar: Option<String>,
    pub is_online: bool,
    pub name: String,
    /// "dd.mm.YYYY HH:MM", or null when never seen.
    pub last_seen_at: Option<String>,
}

/// `GET /api/get-user-info`: the original's three fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub avatar: Option<String>,
    pub name: String,
    pub email: String,
}

/// A message as the original returns and publishes it, plus `id`, `chat_id` and `created_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub chat_id: i64,
    pub text: String,
    pub user: User,
    pub was_read: bool,
    /// "HH:MM".
    pub timestamp: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The sender's idempotency key, echoed so the sender's UI can reconcile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
}

/// One entry of the chat list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatItem {
    /// The chat's id (the original README's "companion id" is wrong).
    pub id: i64,
    pub companion_id: i64,
    pub companion_name: String,
    pub avatar: Option<String>,
    pub last_message: Option<LastMessage>,
    pub unread_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LastMessage {
    pub id: i64,
    pub text: String,
    pub timestamp: String,
    pub sender_id: i64,
    pub sender_name: String,
    pub was_read: bool,
}

/// `GET /api/chats/{chatId}/messages`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub companion: User,
    pub chat_id: i64,
    #[serde(rename = "chatId")]
    pub chat_id_camel: i64,
    /// Whether older (for `before`/newest) or newer (for `after`) messages exist.
    pub has_more: bool,
}

/// Payload of `user-{userId}-status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusPayload {
    pub user_id: i64,
    pub is_online: bool,
    /// "HH:MM".
    pub last_seen: Option<String>,
}

/// Payload of `chat.{chatId}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TypingPayload {
    pub chat_id: i64,
    pub user_id: i64,
    pub typing: bool,
}

const CLOCK: &[FormatItem<'static>] = format_description!("[hour]:[minute]");
const DATE_CLOCK: &[FormatItem<'static>] =
    format_description!("[day].[month].[year] [hour]:[minute]");

/// Parses "+03:00" / "-05:30" / "Z".
pub fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text == "Z" || text == "UTC" {
        return Some(UtcOffset::UTC);
    }
    UtcOffset::parse(text, format_description!("[offset_hour]:[offset_minute]")).ok()
}

/// Renders stored millisecond timestamps in the original's formats.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub offset: UtcOffset,
}

impl Clock {
    fn at(&self, ms: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.offset)
    }

    /// "HH:MM".
    pub fn hhmm(&self, ms: i64) -> String {
        self.at(ms).format(CLOCK).unwrap_or_default()
    }

    /// "dd.mm.YYYY HH:MM".
    pub fn date_time(&self, ms: i64) -> String {
        self.at(ms).format(DATE_CLOCK).unwrap_or_default()
    }

    /// RFC 3339 in UTC.
    pub fn rfc3339(ms: i64) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_original() {
        let clock = Clock {
            offset: parse_offset("+03:00").unwrap(),
        };
        // 2024-01-24 12:30:00 UTC
        let ms = 1_706_099_400_000;
        assert_eq!(clock.hhmm(ms), "15:30");
        assert_eq!(clock.date_time(ms), "24.01.2024 15:30");
        assert_eq!(Clock::rfc3339(ms), "2024-01-24T12:30:00Z");
    }

    #[test]
    fn offsets_parse_or_refuse() {
        assert_eq!(parse_offset("Z"), Some(UtcOffset::UTC));
        assert!(parse_offset("-05:30").is_some());
        assert!(parse_offset("Moscow").is_none());
    }
}

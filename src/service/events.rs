//! Domain events and the channel layout that turns them into publications.
//!
//! Events are written to the outbox in the transaction of the change that caused them. The
//! default layout is the original's: four channels, and every payload double-encoded (the
//! publication's `data` is a JSON *string* holding the payload's JSON, which the original's
//! client reads with `JSON.parse(ctx.data)`). Another layout can be added beside this one
//! without touching the core.

use serde::Serialize;

use crate::db::outbox::{self, KIND_CHAT_LIST, KIND_PUBLISH};
use crate::model::{Message, StatusPayload, TypingPayload};

/// Something that happened which realtime clients should hear about.
#[derive(Debug, Clone)]
pub enum Event {
    /// A message was stored.
    MessageSent(Message),
    /// This user's chat list changed (new message, read state, new chat).
    ChatListChanged(i64),
    /// A user went online or offline.
    StatusChanged(StatusPayload),
}

/// The original's channel names.
pub mod channels {
    pub fn chat_list(user_id: i64) -> String {
        format!("user-{user_id}-chats")
    }
    pub fn messages(chat_id: i64) -> String {
        format!("user-{chat_id}-messages")
    }
    pub fn status(user_id: i64) -> String {
        format!("user-{user_id}-status")
    }
    pub fn typing(chat_id: i64) -> String {
        format!("chat.{chat_id}")
    }
}

/// What the outbox stores for one event: channel, kind and payload text.
pub struct OutboxEntry {
    pub channel: String,
    pub kind: &'static str,
    pub payload: String,
}

/// The seed layout's publication `data`: the payload's JSON as a JSON string.
pub fn data_value<T: Serialize>(payload: &T) -> serde_json::Value {
    serde_json::Value::String(
        serde_json::to_string(payload).expect("BUG: wire types always serialize"),
    )
}

/// [`data_value`] as JSON text, as the outbox stores it.
pub fn encode_data<T: Serialize>(payload: &T) -> String {
    data_value(payload).to_string()
}

/// Maps an event to its outbox entries under the seed layout.
pub fn entries(event: &Event) -> Vec<OutboxEntry> {
    match event {
        Event::MessageSent(message) => vec![OutboxEntry {
            channel: channels::messages(message.chat_id),
            kind: KIND_PUBLISH,
            payload: encode_data(message),
        }],
        Event::ChatListChanged(user_id) => vec![OutboxEntry {
            channel: channels::chat_list(*user_id),
            kind: KIND_CHAT_LIST,
            payload: user_id.to_string(),
        }],
        Event::StatusChanged(status) => vec![OutboxEntry {
            channel: channels::status(status.user_id),
            kind: KIND_PUBLISH,
            payload: encode_data(status),
        }],
    }
}

/// The channel and data of a typing event (published directly, not through the outbox).
pub fn typing_publication(payload: &TypingPayload) -> (String, serde_json::Value) {
    (channels::typing(payload.chat_id), data_value(payload))
}

/// Writes the events to the outbox inside the caller's transaction.
pub async fn record(tx: &mut sqlx::AnyConnection, events: &[Event], now: i64) -> sqlx::Result<()> {
    for entry in events.iter().flat_map(entries) {
        outbox::insert(&mut *tx, &entry.channel, entry.kind, &entry.payload, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_layout_double_encodes_payloads() {
        let status = StatusPayload {
            user_id: 3,
            is_online: true,
            last_seen: Some("10:00".into()),
        };
        let entries = entries(&Event::StatusChanged(status));
        assert_eq!(entries[0].channel, "user-3-status");
        let data: serde_json::Value = serde_json::from_str(&entries[0].payload).unwrap();
        let inner: serde_json::Value = serde_json::from_str(data.as_str().unwrap()).unwrap();
        assert_eq!(inner["userId"], 3);
        assert_eq!(inner["isOnline"], true);
        assert_eq!(inner["lastSeen"], "10:00");
    }
}

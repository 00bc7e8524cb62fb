//! The views `inspect` and `users` print. These structs are the JSON of `--json`, so their
//! field names are a documented interface (README, "Command line"): add fields, never rename
//! or remove them. Timestamps are RFC 3339 in UTC.

use serde::Serialize;

use crate::model::ChatItem;

/// The filters every `inspect` list takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub user: Option<i64>,
    pub chat: Option<i64>,
    pub limit: u32,
    /// Only ids below this one (the page after the one that ended there).
    pub before: Option<i64>,
}

/// A user with the facts an operator asks about.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserOverview {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub avatar: Option<String>,
    pub is_online: bool,
    pub last_seen_at: Option<String>,
    pub last_active_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Chats the user belongs to.
    pub chats: i64,
    /// Unread messages over all their chats.
    pub unread_count: i64,
}

/// A chat with its members' read state.
#[derive(Debug, Clone, Serialize)]
pub struct ChatOverview {
    pub id: i64,
    pub kind: String,
    pub created_at: String,
    pub members: Vec<MemberOverview>,
    pub last_message: Option<LastMessageOverview>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberOverview {
    pub user_id: i64,
    pub name: String,
    pub is_online: bool,
    pub unread_count: i64,
    pub last_read_message_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastMessageOverview {
    pub id: i64,
    pub sender_id: i64,
    pub text: String,
    pub created_at: String,
}

/// `inspect chats`: every chat, or one user's chat list exactly as the API gives it.
#[derive(Debug, Clone)]
pub enum ChatsView {
    All(Vec<ChatOverview>),
    OfUser(Vec<ChatItem>),
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageOverview {
    pub id: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub sender_name: String,
    pub text: String,
    pub client_message_id: Option<String>,
    pub created_at: String,
    /// Another member's read cursor has reached it.
    pub was_read: bool,
}

/// Which outbox rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Dead,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxOverview {
    pub id: i64,
    /// `pending` (waiting or retrying) or `dead` (refused for good; see `last_error`).
    pub state: &'static str,
    pub channel: String,
    /// `publish` (payload is the publication's data) or `chat_list` (payload is a user id).
    pub kind: String,
    pub attempts: i64,
    pub created_at: String,
    /// When a pending row is tried next; null for dead letters.
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub payload: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub backend: &'static str,
    pub users: i64,
    pub users_online: i64,
    pub chats: i64,
    pub messages: i64,
    pub last_message_at: Option<String>,
    pub outbox_pending: i64,
    /// Pending rows that failed at least once.
    pub outbox_retrying: i64,
    pub outbox_dead: i64,
    pub outbox_oldest_pending_at: Option<String>,
    /// Dead letters by reason, most frequent first (at most 20 reasons).
    pub dead_letter_reasons: Vec<DeadReason>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadReason {
    pub reason: String,
    pub count: i64,
}

//! The comfy-table views of `inspect` and `users` for people: the same facts as their
//! `--json`, with times shortened to `YYYY-MM-DD HH:MM:SS` (UTC) and long texts cut.

use comfy_table::Table;

use crate::model::ChatItem;
use crate::service::inspect::{ChatOverview, MessageOverview, OutboxOverview, Stats, UserOverview};

/// Longest text shown in a cell.
const TEXT_MAX: usize = 48;

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.set_header(header);
    table
}

/// An RFC 3339 UTC time as `YYYY-MM-DD HH:MM:SS`.
fn when(time: Option<&str>) -> String {
    match time {
        None => "never".into(),
        Some(t) => {
            let t = t.trim_end_matches('Z').replacen('T', " ", 1);
            t.split('.').next().unwrap_or_default().to_string()
        }
    }
}

/// One line of at most [`TEXT_MAX`] characters.
fn short(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() <= TEXT_MAX {
        line
    } else {
        line.chars().take(TEXT_MAX - 1).chain(['…']).collect()
    }
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "no" }.into()
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

pub fn users(users: &[UserOverview]) -> Table {
    let mut t = table(&[
        "id",
        "name",
        "email",
        "online",
        "last seen",
        "chats",
        "unread",
        "created",
    ]);
    for u in users {
        t.add_row([
            u.id.to_string(),
            short(&u.name),
            u.email.clone(),
            yes(u.is_online),
            when(u.last_seen_at.as_deref()),
            u.chats.to_string(),
            u.unread_count.to_string(),
            when(Some(&u.created_at)),
        ]);
    }
    t
}

/// One user, one fact per row.
pub fn user(u: &UserOverview) -> Table {
    let mut t = table(&["field", "value"]);
    let rows = [
        ("id", u.id.to_string()),
        ("name", u.name.clone()),
        ("email", u.email.clone()),
        ("avatar", opt(u.avatar.as_deref())),
        ("online", yes(u.is_online)),
        ("last seen", when(u.last_seen_at.as_deref())),
        ("last active", when(u.last_active_at.as_deref())),
        ("chats", u.chats.to_string()),
        ("unread", u.unread_count.to_string()),
        ("created", when(Some(&u.created_at))),
        ("updated", when(Some(&u.updated_at))),
    ];
    for (field, value) in rows {
        t.add_row([field.to_string(), value]);
    }
    t
}

pub fn chats(chats: &[ChatOverview]) -> Table {
    let mut t = table(&["chat", "members", "last msg", "sender", "sent", "text"]);
    for c in chats {
        let members: Vec<String> = c
            .members
            .iter()
            .map(|m| {
                format!(
                    "{} {}{}: {} unread, read to {}",
                    m.user_id,
                    short(&m.name),
                    if m.is_online { " (online)" } else { "" },
                    m.unread_count,
                    m.last_read_message_id
                )
            })
            .collect();
        let last = c.last_message.as_ref();
        t.add_row([
            c.id.to_string(),
            members.join("\n"),
            last.map_or("-".into(), |m| m.id.to_string()),
            last.map_or("-".into(), |m| m.sender_id.to_string()),
            last.map_or("-".into(), |m| when(Some(&m.created_at))),
            last.map_or("-".into(), |m| short(&m.text)),
        ]);
    }
    t
}

/// One user's chat list: exactly the fields of `GET /api/chats`.
pub fn chat_list(items: &[ChatItem]) -> Table {
    let mut t = table(&[
        "chat",
        "companion",
        "avatar",
        "unread",
        "last msg",
        "sender",
        "time",
        "read",
        "text",
    ]);
    for c in items {
        let last = c.last_message.as_ref();
        t.add_row([
            c.id.to_string(),
            format!("{} {}", c.companion_id, short(&c.companion_name)),
            opt(c.avatar.as_deref()),
            c.unread_count.to_string(),
            last.map_or("-".into(), |m| m.id.to_string()),
            last.map_or("-".into(), |m| {
                format!("{} {}", m.sender_id, short(&m.sender_name))
            }),
            last.map_or("-".into(), |m| m.timestamp.clone()),
            last.map_or("-".into(), |m| yes(m.was_read)),
            last.map_or("-".into(), |m| short(&m.text)),
        ]);
    }
    t
}

pub fn messages(messages: &[MessageOverview]) -> Table {
    let mut t = table(&["id", "chat", "sender", "sent", "read", "text"]);
    for m in messages {
        t.add_row([
            m.id.to_string(),
            m.chat_id.to_string(),
            format!("{} {}", m.sender_id, short(&m.sender_name)),
            when(Some(&m.created_at)),
            yes(m.was_read),
            short(&m.text),
        ]);
    }
    t
}

pub fn outbox(rows: &[OutboxOverview]) -> Table {
    let mut t = table(&[
        "id",
        "state",
        "channel",
        "kind",
        "attempts",
        "created",
        "next attempt",
        "last error",
    ]);
    for r in rows {
        t.add_row([
            r.id.to_string(),
            r.state.to_string(),
            r.channel.clone(),
            r.kind.clone(),
            r.attempts.to_string(),
            when(Some(&r.created_at)),
            r.next_attempt_at
                .as_deref()
                .map_or("-".into(), |t| when(Some(t))),
            r.last_error.as_deref().map_or("-".into(), short),
        ]);
    }
    t
}

pub fn stats(s: &Stats) -> Table {
    let mut t = Table::new();
    let rows = [
        ("backend", s.backend.to_string()),
        ("users", s.users.to_string()),
        ("users online", s.users_online.to_string()),
        ("chats", s.chats.to_string()),
        ("messages", s.messages.to_string()),
        ("last message", when(s.last_message_at.as_deref())),
        ("outbox pending", s.outbox_pending.to_string()),
        ("  of which retrying", s.outbox_retrying.to_string()),
        (
            "  oldest pending",
            when(s.outbox_oldest_pending_at.as_deref()),
        ),
        ("outbox dead letters", s.outbox_dead.to_string()),
    ];
    for (k, v) in rows {
        t.add_row([k.to_string(), v]);
    }
    for r in &s.dead_letter_reasons {
        t.add_row([format!("  dead: {}", short(&r.reason)), r.count.to_string()]);
    }
    t
}

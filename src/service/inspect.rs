//! What `chatctl inspect` and `chatctl users list|show` show: read-only views of users,
//! chats, messages, the outbox and whole-database counts, built from `db::inspect` (and, for
//! one user's chat list, from the API's own `chat_list`).

mod views;

use super::Service;
use crate::db::inspect::{self, Page};
use crate::db::users;
use crate::error::{Error, Result};
use crate::model::Clock;

pub use views::{
    ChatOverview, ChatsView, DeadReason, Filter, LastMessageOverview, MemberOverview,
    MessageOverview, OutboxOverview, OutboxState, Stats, UserOverview,
};

fn time(ms: i64) -> String {
    Clock::rfc3339(ms)
}

fn user_overview(u: inspect::UserStats) -> UserOverview {
    UserOverview {
        id: u.id,
        name: u.name,
        email: u.email,
        avatar: u.avatar,
        is_online: u.is_online,
        last_seen_at: u.last_seen_at.map(time),
        last_active_at: u.last_active_at.map(time),
        created_at: time(u.created_at),
        updated_at: time(u.updated_at),
        chats: u.chats,
        unread_count: u.unread_count,
    }
}

impl Service {
    /// Fails with "User not found." unless the user exists.
    async fn require_user(&self, id: i64) -> Result<users::UserRow> {
        users::find(self.db().pool(), id)
            .await?
            .ok_or_else(|| Error::not_found("User"))
    }

    /// Fails with "Chat not found." unless the chat exists.
    async fn require_chat(&self, id: i64) -> Result<()> {
        let page = Page::Before(None);
        if inspect::chats(self.db().pool(), None, Some(id), page, 1)
            .await?
            .is_empty()
        {
            return Err(Error::not_found("Chat"));
        }
        Ok(())
    }

    async fn require_filters(&self, f: &Filter) -> Result<()> {
        if let Some(id) = f.user {
            self.require_user(id).await?;
        }
        if let Some(id) = f.chat {
            self.require_chat(id).await?;
        }
        Ok(())
    }

    /// Users newest id first; `user` picks one, `chat` its members.
    pub async fn inspect_users(&self, f: Filter) -> Result<Vec<UserOverview>> {
        self.require_filters(&f).await?;
        let page = Page::Before(f.before);
        let rows = inspect::users(self.db().pool(), f.user, f.chat, page, f.limit).await?;
        Ok(rows.into_iter().map(user_overview).collect())
    }

    /// Users by id, oldest first, after `after` (for `users list`).
    pub async fn list_users(&self, after: i64, limit: u32) -> Result<Vec<UserOverview>> {
        let rows = inspect::users(self.db().pool(), None, None, Page::After(after), limit).await?;
        Ok(rows.into_iter().map(user_overview).collect())
    }

    /// One user, or "User not found.".
    pub async fn user_overview(&self, id: i64) -> Result<UserOverview> {
        let page = Page::Before(None);
        let rows = inspect::users(self.db().pool(), Some(id), None, page, 1).await?;
        rows.into_iter()
            .next()
            .map(user_overview)
            .ok_or_else(|| Error::not_found("User"))
    }

    /// With `user`: that user's chat list as `GET /api/chats` gives it (newest activity
    /// first, at most `limits.chat_list_max`), narrowed to `chat` when given. Without: every
    /// chat, newest id first, with its members.
    pub async fn inspect_chats(&self, f: Filter) -> Result<ChatsView> {
        self.require_filters(&f).await?;
        if let Some(user) = f.user {
            let me = self.require_user(user).await?;
            let mut list = self.chat_list(&me).await?;
            if let Some(chat) = f.chat {
                list.retain(|c| c.id == chat);
            }
            list.truncate(f.limit as usize);
            return Ok(ChatsView::OfUser(list));
        }
        let page = Page::Before(f.before);
        let chats = inspect::chats(self.db().pool(), None, f.chat, page, f.limit).await?;
        let ids: Vec<i64> = chats.iter().map(|c| c.id).collect();
        let mut members = inspect::members(self.db().pool(), &ids).await?;
        let list = chats
            .into_iter()
            .map(|c| ChatOverview {
                id: c.id,
                kind: c.kind,
                created_at: time(c.created_at),
                members: members
                    .extract_if(.., |m| m.chat_id == c.id)
                    .map(|m| MemberOverview {
                        user_id: m.user_id,
                        name: m.name,
                        is_online: m.is_online,
                        unread_count: m.unread_count,
                        last_read_message_id: m.last_read_message_id,
                    })
                    .collect(),
                last_message: c
                    .last_message
                    .map(|(id, sender_id, text, at)| LastMessageOverview {
                        id,
                        sender_id,
                        text,
                        created_at: time(at),
                    }),
            })
            .collect();
        Ok(ChatsView::All(list))
    }

    /// Messages newest first; `chat` picks a chat, `user` the chats that user is in. Never
    /// marks anything read.
    pub async fn inspect_messages(&self, f: Filter) -> Result<Vec<MessageOverview>> {
        self.require_filters(&f).await?;
        let page = Page::Before(f.before);
        let rows = inspect::messages(self.db().pool(), f.user, f.chat, page, f.limit).await?;
        Ok(rows
            .into_iter()
            .map(|m| MessageOverview {
                id: m.id,
                chat_id: m.chat_id,
                sender_id: m.sender_id,
                sender_name: m.sender_name,
                text: m.text,
                client_message_id: m.client_message_id,
                created_at: time(m.created_at),
                was_read: m.was_read,
            })
            .collect())
    }

    /// Outbox rows newest first; `user` picks that user's channels (`user-N-chats`,
    /// `user-N-status`), `chat` the chat's (`user-N-messages`, `chat.N`).
    pub async fn inspect_outbox(
        &self,
        f: Filter,
        state: Option<OutboxState>,
    ) -> Result<Vec<OutboxOverview>> {
        use super::events::channels;
        self.require_filters(&f).await?;
        let mut wanted = Vec::new();
        if let Some(user) = f.user {
            wanted.extend([channels::chat_list(user), channels::status(user)]);
        }
        if let Some(chat) = f.chat {
            wanted.extend([channels::messages(chat), channels::typing(chat)]);
        }
        let state = state.map(|s| match s {
            OutboxState::Pending => 0,
            OutboxState::Dead => 1,
        });
        let page = Page::Before(f.before);
        let rows = inspect::outbox(self.db().pool(), state, &wanted, page, f.limit).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let dead = r.state != 0;
                OutboxOverview {
                    id: r.id,
                    state: if dead { "dead" } else { "pending" },
                    channel: r.channel,
                    kind: r.kind,
                    attempts: r.attempts,
                    created_at: time(r.created_at),
                    next_attempt_at: (!dead).then(|| time(r.next_attempt_at)),
                    last_error: r.last_error,
                    payload: r.payload,
                }
            })
            .collect())
    }

    /// Whole-database counts and dead letters by reason.
    pub async fn stats(&self) -> Result<Stats> {
        let c = inspect::counts(self.db().pool()).await?;
        let reasons = inspect::dead_reasons(self.db().pool(), 20).await?;
        Ok(Stats {
            backend: self.db().backend().name(),
            users: c.users,
            users_online: c.users_online,
            chats: c.chats,
            messages: c.messages,
            last_message_at: c.last_message_at.map(time),
            outbox_pending: c.outbox_pending,
            outbox_retrying: c.outbox_retrying,
            outbox_dead: c.outbox_dead,
            outbox_oldest_pending_at: c.outbox_oldest_pending_at.map(time),
            dead_letter_reasons: reasons
                .into_iter()
                .map(|(reason, count)| DeadReason { reason, count })
                .collect(),
        })
    }
}

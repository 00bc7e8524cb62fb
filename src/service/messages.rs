//! Messages: cursor pages (opening a chat reads it, as in the original), idempotent sends,
//! read cursors, and typing.

use serde_json::Value;

use super::events::{self, Event};
use super::limits::Action;
use super::{Caller, Service, validate, writer};
use crate::db::chats::{self, ChatView};
use crate::db::messages::{self, Cursor, MessageRow};
use crate::db::users::{self, UserRow};
use crate::error::{Error, Result};
use crate::model::{self, Clock, Message, MessagePage, TypingPayload};

/// Longest accepted `client_message_id`.
const CLIENT_ID_MAX: usize = 100;

/// What page of messages the client asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest {
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

impl Service {
    /// The chat as the caller sees it; a missing chat and a foreign one are the same 404.
    async fn chat_view(
        &self,
        ex: &mut sqlx::AnyConnection,
        me: &Caller,
        chat_id: i64,
    ) -> Result<ChatView> {
        chats::view(ex, chat_id, me.id)
            .await?
            .ok_or_else(|| Error::not_found("Chat"))
    }

    /// `GET /api/chats/{chatId}/messages`.
    pub async fn messages_page(
        &self,
        me: &Caller,
        chat_id: i64,
        req: PageRequest,
    ) -> Result<MessagePage> {
        let limits = &self.config().limits;
        let limit = req.limit.unwrap_or(limits.page_size);
        if limit == 0 || limit > limits.page_max {
            return Err(Error::invalid(
                "limit",
                format!("The limit field must be between 1 and {}.", limits.page_max),
            ));
        }
        let cursor = match (req.before, req.after) {
            (Some(before), Some(after)) => Cursor::Between(after, before),
            (Some(id), None) => Cursor::Before(id),
            (None, Some(id)) => Cursor::After(id),
            (None, None) => Cursor::Newest,
        };
        let mut conn = self.db().acquire().await?;
        let mut view = self.chat_view(&mut conn, me, chat_id).await?;
        let mut rows = messages::page(&mut *conn, chat_id, cursor, limit + 1).await?;
        drop(conn);
        let has_more = rows.len() > limit as usize;
        if has_more {
            match cursor {
                Cursor::After(_) | Cursor::Between(..) => rows.truncate(limit as usize),
                _ => {
                    rows.remove(0);
                }
            }
        }
        // Opening the chat reads what it shows (the original's documented behaviour).
        if let Some(newest) = rows
            .last()
            .map(|m| m.id)
            .filter(|id| *id > view.my_last_read)
            && self
                .mark_read_to(me.id, view.companion.id, chat_id, newest)
                .await?
        {
            view.my_last_read = newest;
        }
        let messages = rows
            .iter()
            .map(|m| self.render_message(m, me, &view))
            .collect();
        Ok(MessagePage {
            messages,
            companion: self.render_user(&view.companion),
            chat_id,
            chat_id_camel: chat_id,
            has_more,
        })
    }

    /// `POST /api/chats/{chatId}/messages`. With a `client_message_id`, a repeat returns the
    /// stored message and stores nothing.
    pub async fn send_message(&self, me: &Caller, chat_id: i64, body: &Value) -> Result<Message> {
        self.throttle(Action::Send, me.id)?;
        let text = validate::required_text(body, "text", self.config().limits.text_max_chars)?;
        let client_id = validate::optional_key(body, "client_message_id", CLIENT_ID_MAX)?;
        let batch = self.config().database.write_batch as usize;
        if batch <= 1 {
            return self.send_alone(me, chat_id, text, client_id).await;
        }
        let writer = self.inner.writer.get_or_init(|| {
            writer::Handle::start(self.db().clone(), self.clock(), self.outbox_signal(), batch)
        });
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let job = writer::SendJob {
            me: me.clone(),
            chat_id,
            text,
            client_id,
            reply,
        };
        writer.send(job, outcome).await
    }

    /// A send in a transaction of its own (`database.write_batch = 1`: the naive baseline).
    async fn send_alone(
        &self,
        me: &Caller,
        chat_id: i64,
        text: String,
        client_id: Option<String>,
    ) -> Result<Message> {
        let now = model::now_ms();
        let mut tx = self.db().begin_write().await?;
        let view = self.chat_view(&mut tx, me, chat_id).await?;
        chats::lock_chat(&mut *tx, chat_id).await?;
        if let Some(key) = &client_id
            && let Some(existing) = messages::find_by_client_id(&mut *tx, me.id, key).await?
        {
            return self.repeated_send(existing, me, chat_id, &view);
        }
        let inserted =
            messages::insert(&mut *tx, chat_id, me.id, &text, client_id.as_deref(), now).await?;
        let id = match (inserted, &client_id) {
            (Some(id), _) => id,
            // A concurrent request with the same key won the race: answer with its message.
            (None, Some(key)) => {
                let existing = messages::find_by_client_id(&mut *tx, me.id, key)
                    .await?
                    .ok_or_else(|| {
                        Error::Internal("BUG: idempotency conflict without a row".into())
                    })?;
                return self.repeated_send(existing, me, chat_id, &view);
            }
            (None, None) => return Err(Error::Internal("BUG: insert returned no id".into())),
        };
        chats::record_message(&mut tx, chat_id, id, me.id, now).await?;
        let mut sent_by = me.clone();
        let mut events = Vec::with_capacity(4);
        if users::mark_online(&mut *tx, me.id, now).await? {
            sent_by.is_online = true;
            sent_by.last_seen_at = Some(now);
            events.push(Event::StatusChanged(model::StatusPayload {
                user_id: me.id,
                is_online: true,
                last_seen: Some(self.clock().hhmm(now)),
            }));
        }
        let row = MessageRow {
            id,
            chat_id,
            user_id: me.id,
            text,
            client_message_id: client_id,
            created_at: now,
        };
        let message = self.render_message(&row, &sent_by, &view);
        events.push(Event::MessageSent(message.clone()));
        events.push(Event::ChatListChanged(me.id));
        events.push(Event::ChatListChanged(view.companion.id));
        events::record(&mut tx, &events, now).await?;
        tx.commit().await?;
        self.outbox_written();
        Ok(message)
    }

    fn repeated_send(
        &self,
        existing: MessageRow,
        me: &Caller,
        chat_id: i64,
        view: &ChatView,
    ) -> Result<Message> {
        if existing.chat_id != chat_id {
            return Err(Error::Conflict(
                "The client_message_id was already used for a message in another chat.".into(),
            ));
        }
        Ok(self.render_message(&existing, me, view))
    }

    /// `POST /api/chats/{chatId}/messages/{messageId}`: moves the caller's read cursor.
    pub async fn mark_read(&self, me: &Caller, chat_id: i64, message_id: i64) -> Result<()> {
        let mut conn = self.db().acquire().await?;
        let view = self.chat_view(&mut conn, me, chat_id).await?;
        messages::find_in_chat(&mut *conn, chat_id, message_id)
            .await?
            .ok_or_else(|| Error::not_found("Message"))?;
        drop(conn);
        if message_id > view.my_last_read {
            self.mark_read_to(me.id, view.companion.id, chat_id, message_id)
                .await?;
        }
        Ok(())
    }

    /// Moves `reader`'s cursor to `up_to`; when it moved, both chat lists change.
    async fn mark_read_to(
        &self,
        reader: i64,
        companion: i64,
        chat_id: i64,
        up_to: i64,
    ) -> Result<bool> {
        let now = model::now_ms();
        let mut tx = self.db().begin_write().await?;
        chats::lock_member(&mut *tx, chat_id, reader).await?;
        let moved = chats::mark_read(&mut *tx, chat_id, reader, up_to).await?;
        if moved {
            let lists = [
                Event::ChatListChanged(reader),
                Event::ChatListChanged(companion),
            ];
            events::record(&mut tx, &lists, now).await?;
        }
        tx.commit().await?;
        if moved {
            self.outbox_written();
        }
        Ok(moved)
    }

    /// `POST /api/typing`: checks the input and membership, then publishes the event
    /// (best effort, coalesced, without waiting).
    pub async fn typing(&self, me: &Caller, body: &Value) -> Result<TypingPayload> {
        self.throttle(Action::Typing, me.id)?;
        let chat_id = validate::required_integer(body, "chatId", "chat id")?;
        let typing = validate::required_bool(body, "typing")?;
        let mut conn = self.db().acquire().await?;
        self.chat_view(&mut conn, me, chat_id).await?;
        drop(conn);
        let payload = TypingPayload {
            chat_id,
            user_id: me.id,
            typing,
        };
        self.publish_typing(&payload);
        Ok(payload)
    }

    fn render_message(&self, m: &MessageRow, me: &UserRow, view: &ChatView) -> Message {
        let mine = m.user_id == me.id;
        let (sender, read_by_other) = if mine {
            (me, view.companion_last_read >= m.id)
        } else {
            (&view.companion, view.my_last_read >= m.id)
        };
        Message {
            id: m.id,
            chat_id: m.chat_id,
            text: m.text.clone(),
            user: self.render_user(sender),
            was_read: read_by_other,
            timestamp: self.clock().hhmm(m.created_at),
            created_at: Clock::rfc3339(m.created_at),
            client_message_id: m.client_message_id.clone(),
        }
    }
}

//! Chats: creating the one direct chat of a pair (a unique key, never check-then-insert) and
//! the chat list read from stored per-member state.

use std::collections::HashMap;

use serde_json::Value;

use super::events::{self, Event};
use super::{Caller, Service, validate};
use crate::db::chat_lists::{self, ChatListRow};
use crate::db::chats;
use crate::db::users;
use crate::error::{Error, Result};
use crate::model::{self, ChatItem, LastMessage};

impl Service {
    /// `POST /api/chats`: the chat of the caller and `companionId`, created on first use.
    /// Returns the chat id and whether it was created now.
    pub async fn create_chat(&self, me: &Caller, body: &Value) -> Result<(i64, bool)> {
        let companion = validate::required_integer(body, "companionId", "companion id")?;
        if companion == me.id {
            return Err(Error::invalid(
                "companionId",
                "The companion id field and your own id must be different.",
            ));
        }
        if users::find(self.db().pool(), companion).await?.is_none() {
            return Err(Error::invalid(
                "companionId",
                "The selected companion id is invalid.",
            ));
        }
        let pair = chats::pair_key(me.id, companion);
        if let Some(id) = chats::find_by_pair(self.db().pool(), &pair).await? {
            return Ok((id, false));
        }
        let now = model::now_ms();
        let mut tx = self.db().begin_write().await?;
        let created = chats::insert_direct(&mut *tx, &pair, now).await?;
        let chat_id = match created {
            Some(id) => {
                chats::add_member(&mut *tx, id, me.id, now).await?;
                chats::add_member(&mut *tx, id, companion, now).await?;
                let lists = [
                    Event::ChatListChanged(me.id),
                    Event::ChatListChanged(companion),
                ];
                events::record(&mut tx, &lists, now).await?;
                id
            }
            // Another request created it between our lookup and our insert.
            None => chats::find_by_pair(&mut *tx, &pair)
                .await?
                .ok_or_else(|| Error::Internal("BUG: pair conflict without a chat".into()))?,
        };
        tx.commit().await?;
        if created.is_some() {
            self.outbox_written();
        }
        Ok((chat_id, created.is_some()))
    }

    /// `GET /api/chats`: the caller's chats, newest activity first, at most
    /// `limits.chat_list_max`. One query whatever the number of chats.
    pub async fn chat_list(&self, me: &Caller) -> Result<Vec<ChatItem>> {
        let rows =
            chat_lists::list_for_user(self.db().pool(), me.id, self.config().limits.chat_list_max)
                .await?;
        Ok(rows
            .into_iter()
            .map(|row| self.render_chat_item(me, row))
            .collect())
    }

    /// The chat lists of users by id (for publishing them), with one statement for the users
    /// and one for their lists however many there are. Unknown users have no entry.
    pub async fn chat_lists_of(&self, user_ids: &[i64]) -> Result<HashMap<i64, Vec<ChatItem>>> {
        let mut conn = self.db().acquire().await?;
        let users = users::find_many(&mut conn, user_ids).await?;
        let known: Vec<i64> = users.keys().copied().collect();
        let mut rows =
            chat_lists::lists_for_users(&mut conn, &known, self.config().limits.chat_list_max)
                .await?;
        drop(conn);
        Ok(users
            .into_iter()
            .map(|(id, me)| {
                let list = rows.remove(&id).unwrap_or_default();
                let items = list
                    .into_iter()
                    .map(|row| self.render_chat_item(&me, row))
                    .collect();
                (id, items)
            })
            .collect())
    }

    fn render_chat_item(&self, me: &Caller, row: ChatListRow) -> ChatItem {
        let last_message = row.last_message.map(|m| {
            let mine = m.sender_id == me.id;
            LastMessage {
                id: m.id,
                timestamp: self.clock().hhmm(m.created_at),
                sender_id: m.sender_id,
                sender_name: if mine {
                    me.name.clone()
                } else {
                    row.companion_name.clone()
                },
                // Read when the other side's cursor has reached it.
                was_read: if mine {
                    row.companion_last_read >= m.id
                } else {
                    row.my_last_read >= m.id
                },
                text: m.text,
            }
        });
        ChatItem {
            id: row.chat_id,
            companion_id: row.companion_id,
            companion_name: row.companion_name,
            avatar: row.companion_avatar,
            last_message,
            unread_count: row.unread_count,
        }
    }
}

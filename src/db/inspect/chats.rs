//! The chat side of `inspect`: chats with their last message, members with their read state,
//! and messages with whether another member has read them.

use sqlx::{Any, Executor, Row};

use super::{Conditions, Page};

/// A chat and its last message.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRow {
    pub id: i64,
    pub kind: String,
    pub created_at: i64,
    /// (id, sender id, text, created_at).
    pub last_message: Option<(i64, i64, String, i64)>,
}

/// Chats, optionally one (`chat`) or those `user` belongs to.
pub async fn chats(
    ex: impl Executor<'_, Database = Any>,
    user: Option<i64>,
    chat: Option<i64>,
    page: Page,
    limit: u32,
) -> sqlx::Result<Vec<ChatRow>> {
    let mut c = Conditions::default();
    if let Some(id) = chat {
        c.add("c.id = ?", id);
    }
    if let Some(id) = user {
        c.add(
            "c.id in (select chat_id from chat_members where user_id = ?)",
            id,
        );
    }
    let order = c.page("c.id", page);
    let (clause, limit) = c.finish(limit);
    let sql = format!(
        "select c.id, c.kind, c.created_at, m.id, m.user_id, m.text, m.created_at \
         from chats c left join messages m on m.id = c.last_message_id \
         {clause} order by c.id {order} limit {limit}"
    );
    let rows = c.fetch(ex, sql).await?;
    rows.iter()
        .map(|r| {
            let last: Option<i64> = r.try_get(3)?;
            let last_message = match last {
                Some(id) => Some((id, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?)),
                None => None,
            };
            Ok(ChatRow {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                created_at: r.try_get(2)?,
                last_message,
            })
        })
        .collect()
}

/// A member of a chat and their read state.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub chat_id: i64,
    pub user_id: i64,
    pub name: String,
    pub is_online: bool,
    pub unread_count: i64,
    pub last_read_message_id: i64,
}

/// The members of these chats, by chat then user id.
pub async fn members(
    ex: impl Executor<'_, Database = Any>,
    chat_ids: &[i64],
) -> sqlx::Result<Vec<MemberRow>> {
    if chat_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select cm.chat_id, cm.user_id, u.name, u.is_online, cm.unread_count, \
                cm.last_read_message_id \
         from chat_members cm join users u on u.id = cm.user_id \
         where cm.chat_id in ({}) order by cm.chat_id, cm.user_id",
        crate::db::numbered_params(1, chat_ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in chat_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(MemberRow {
                chat_id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                name: r.try_get(2)?,
                is_online: r.try_get::<i64, _>(3)? != 0,
                unread_count: r.try_get(4)?,
                last_read_message_id: r.try_get(5)?,
            })
        })
        .collect()
}

/// A message with its sender's name and whether another member has read it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub sender_name: String,
    pub text: String,
    pub client_message_id: Option<String>,
    pub created_at: i64,
    pub was_read: bool,
}

/// Messages, optionally of one chat and/or of the chats `user` belongs to.
pub async fn messages(
    ex: impl Executor<'_, Database = Any>,
    user: Option<i64>,
    chat: Option<i64>,
    page: Page,
    limit: u32,
) -> sqlx::Result<Vec<MessageRow>> {
    let mut c = Conditions::default();
    if let Some(id) = chat {
        c.add("m.chat_id = ?", id);
    }
    if let Some(id) = user {
        c.add(
            "m.chat_id in (select chat_id from chat_members where user_id = ?)",
            id,
        );
    }
    let order = c.page("m.id", page);
    let (clause, limit) = c.finish(limit);
    let sql = format!(
        "select m.id, m.chat_id, m.user_id, u.name, m.text, m.client_message_id, m.created_at, \
                case when exists (select 1 from chat_members r where r.chat_id = m.chat_id \
                   and r.user_id <> m.user_id and r.last_read_message_id >= m.id) \
                 then 1 else 0 end \
         from messages m join users u on u.id = m.user_id \
         {clause} order by m.id {order} limit {limit}"
    );
    let rows = c.fetch(ex, sql).await?;
    rows.iter()
        .map(|r| {
            Ok(MessageRow {
                id: r.try_get(0)?,
                chat_id: r.try_get(1)?,
                sender_id: r.try_get(2)?,
                sender_name: r.try_get(3)?,
                text: r.try_get(4)?,
                client_message_id: r.try_get(5)?,
                created_at: r.try_get(6)?,
                was_read: r.try_get::<i64, _>(7)? != 0,
            })
        })
        .collect()
}

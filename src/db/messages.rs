//! Queries over `messages`: idempotent insert, cursor pages (never offsets), lookups.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    pub text: String,
    pub client_message_id: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, chat_id, user_id, text, client_message_id, created_at";

fn from_row(r: &AnyRow) -> Result<MessageRow, sqlx::Error> {
    Ok(MessageRow {
        id: r.try_get(0)?,
        chat_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        text: r.try_get(3)?,
        client_message_id: r.try_get(4)?,
        created_at: r.try_get(5)?,
    })
}

/// Inserts a message; returns `None` when the sender already used this `client_message_id`.
pub async fn insert(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    user_id: i64,
    text: &str,
    client_message_id: Option<&str>,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query(
        "insert into messages (chat_id, user_id, text, client_message_id, created_at) \
         values ($1, $2, $3, $4, $5) \
         on conflict (user_id, client_message_id) do nothing returning id",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(text)
    .bind(client_message_id)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.map(|r| r.try_get(0)).transpose()
}

/// The message a sender stored under an idempotency key.
pub async fn find_by_client_id(
    ex: impl Executor<'_, Database = Any>,
    user_id: i64,
    client_message_id: &str,
) -> sqlx::Result<Option<MessageRow>> {
    let sql =
        format!("select {COLUMNS} from messages where user_id = $1 and client_message_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(client_message_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// A message of this chat, or `None` when it is in another chat or does not exist.
pub async fn find_in_chat(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    id: i64,
) -> sqlx::Result<Option<MessageRow>> {
    let sql = format!("select {COLUMNS} from messages where id = $1 and chat_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(chat_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The newest messages.
    Newest,
    /// Messages older than this id.
    Before(i64),
    /// Messages newer than this id.
    After(i64),
    /// Messages newer than the first id and older than the second, from the oldest.
    Between(i64, i64),
}

/// Up to `limit` messages of the page, oldest first; one index range scan on
/// `(chat_id, id)` whatever the chat's size.
pub async fn page(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    cursor: Cursor,
    limit: u32,
) -> sqlx::Result<Vec<MessageRow>> {
    let (after, before, order) = match cursor {
        Cursor::Newest => (0, i64::MAX, "desc"),
        Cursor::Before(id) => (0, id, "desc"),
        Cursor::After(id) => (id, i64::MAX, "asc"),
        Cursor::Between(after, before) => (after, before, "asc"),
    };
    let sql = format!(
        "select {COLUMNS} from messages where chat_id = $1 and id > $2 and id < $3 order by id {order} limit $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(after)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    let mut messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    if order == "desc" {
        messages.reverse();
    }
    Ok(messages)
}

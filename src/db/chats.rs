//! Queries over `chats` and `chat_members`: creating a direct chat, membership, recording a
//! message in the members' stored state, and the read cursors. Chat lists: `chat_lists`.

use sqlx::{Any, Executor, Row};

use super::users::{self, UserRow};

/// The unique key of the direct chat between two users.
pub fn pair_key(a: i64, b: i64) -> String {
    format!("{}:{}", a.min(b), a.max(b))
}

/// Creates the direct chat for `pair`, or returns `None` when it already exists.
pub async fn insert_direct(
    ex: impl Executor<'_, Database = Any>,
    pair: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query(
        "insert into chats (kind, pair_key, created_at) values ('direct', $1, $2) \
         on conflict (pair_key) do nothing returning id",
    )
    .bind(pair)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.map(|r| r.try_get(0)).transpose()
}

pub async fn find_by_pair(
    ex: impl Executor<'_, Database = Any>,
    pair: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("select id from chats where pair_key = $1")
        .bind(pair)
        .fetch_optional(ex)
        .await
}

pub async fn add_member(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into chat_members (chat_id, user_id, last_activity_at, joined_at) \
         values ($1, $2, $3, $3)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The caller's view of a chat they belong to: the companion and both read cursors.
#[derive(Debug, Clone)]
pub struct ChatView {
    pub chat_id: i64,
    pub my_last_read: i64,
    pub companion: UserRow,
    pub companion_last_read: i64,
}

/// The chat as seen by `user_id`, or `None` when it does not exist or they are not a member.
pub async fn view(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<ChatView>> {
    let sql = format!(
        "select me.last_read_message_id, other.last_read_message_id, {} \
         from chat_members me \
         join chat_members other on other.chat_id = me.chat_id and other.user_id <> me.user_id \
         join users u on u.id = other.user_id \
         where me.chat_id = $1 and me.user_id = $2",
        prefixed("u")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(user_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| {
        Ok(ChatView {
            chat_id,
            my_last_read: r.try_get(0)?,
            companion_last_read: r.try_get(1)?,
            companion: users::from_row(&r, 2)?,
        })
    })
    .transpose()
}

fn prefixed(alias: &str) -> String {
    users::COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Members of a chat, by user id.
pub async fn members(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select user_id from chat_members where chat_id = $1 order by user_id")
        .bind(chat_id)
        .fetch_all(ex)
        .await
}

/// Do two users share a chat?
pub async fn share_a_chat(
    ex: impl Executor<'_, Database = Any>,
    a: i64,
    b: i64,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select x.chat_id from chat_members x join chat_members y on y.chat_id = x.chat_id \
         where x.user_id = $1 and y.user_id = $2 limit 1",
    )
    .bind(a)
    .bind(b)
    .fetch_optional(ex)
    .await?;
    Ok(found.is_some())
}

/// Records a new message: the chat's last message, every member's list order, the
/// recipients' unread counters, and the sender's read cursor (sending reads the chat).
pub async fn record_message(
    tx: &mut sqlx::AnyConnection,
    chat_id: i64,
    message_id: i64,
    sender: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("update chats set last_message_id = $2 where id = $1")
        .bind(chat_id)
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update chat_members set \
           unread_count = case when user_id = $2 then 0 else unread_count + 1 end, \
           last_read_message_id = case when user_id = $2 then $3 else last_read_message_id end, \
           last_activity_at = $4 \
         where chat_id = $1",
    )
    .bind(chat_id)
    .bind(sender)
    .bind(message_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Moves the reader's cursor forward to `up_to` and recounts what is still unread after it.
/// Returns false when the cursor was already there (idempotent).
pub async fn mark_read(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    reader: i64,
    up_to: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update chat_members set last_read_message_id = $3, \
           unread_count = (select count(*) from messages m \
                           where m.chat_id = $1 and m.id > $3 and m.user_id <> $2) \
         where chat_id = $1 and user_id = $2 and last_read_message_id < $3",
    )
    .bind(chat_id)
    .bind(reader)
    .bind(up_to)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the chat's row lock for the rest of the transaction (PostgreSQL; on SQLite the
/// write transaction already excludes other writers). A send takes it before its message id
/// is allocated, so sends of one chat commit in id order and `last_message_id` never goes back.
pub async fn lock_chat(ex: impl Executor<'_, Database = Any>, chat_id: i64) -> sqlx::Result<()> {
    sqlx::query("update chats set last_message_id = last_message_id where id = $1")
        .bind(chat_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Takes a member's row lock, so a recount of unread messages that follows starts after any
/// send holding the row has committed (and so sees that send's message).
pub async fn lock_member(
    ex: impl Executor<'_, Database = Any>,
    chat_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "update chat_members set unread_count = unread_count where chat_id = $1 and user_id = $2",
    )
    .bind(chat_id)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(())
}

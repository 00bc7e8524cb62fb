//! Multi-row statements for group commit: many messages, their chats' state and their outbox
//! rows written with a fixed number of statements per batch, whatever its size. Placeholders
//! are numbered (`$1`, `$2`, ...) so the same text runs on SQLite and PostgreSQL; where the
//! backends differ (locking rows, allocating ids) the query is named as such.

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Arguments, Row};

use super::Backend;

/// Numbered placeholders for `rows` rows of `width` values: `($1, $2), ($3, $4)`.
pub fn placeholders(rows: usize, width: usize) -> String {
    let mut text = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for c in 0..width {
            if c > 0 {
                text.push_str(", ");
            }
            text.push('$');
            text.push_str(&(r * width + c + 1).to_string());
        }
        text.push(')');
    }
    text
}

/// Rows per statement so that `width` values per row stay under both backends' bind limits.
pub fn rows_per_statement(width: usize) -> usize {
    (30_000 / width).max(1)
}

fn args() -> AnyArguments {
    AnyArguments::default()
}

fn add<T>(a: &mut AnyArguments, value: T)
where
    T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    a.add(value)
        .expect("BUG: i64 and text values always encode");
}

/// A member's read state, as the batch needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub chat_id: i64,
    pub user_id: i64,
    pub last_read_message_id: i64,
    pub unread_count: i64,
}

/// Members of these chats with their read state; on PostgreSQL their rows stay locked until
/// the transaction ends, so concurrent writers cannot lose an unread increment.
pub async fn members_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    chat_ids: &[i64],
) -> sqlx::Result<Vec<MemberState>> {
    let lock = match backend {
        Backend::Postgres => " for update",
        Backend::Sqlite => "",
    };
    let mut found = Vec::new();
    for chunk in chat_ids.chunks(rows_per_statement(1)) {
        let list = super::numbered_params(1, chunk.len());
        let sql = format!(
            "select chat_id, user_id, last_read_message_id, unread_count from chat_members \
             where chat_id in ({list}) order by chat_id, user_id{lock}"
        );
        let mut a = args();
        for id in chunk {
            add(&mut a, *id);
        }
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            found.push(MemberState {
                chat_id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                last_read_message_id: r.try_get(2)?,
                unread_count: r.try_get(3)?,
            });
        }
    }
    Ok(found)
}

/// `count` fresh message ids, in increasing order. SQLite: after the current maximum (the
/// write lock is held); PostgreSQL: from the identity sequence.
pub async fn allocate_message_ids(
    conn: &mut AnyConnection,
    backend: Backend,
    count: usize,
) -> sqlx::Result<Vec<i64>> {
    match backend {
        Backend::Sqlite => {
            let max: i64 = sqlx::query_scalar("select coalesce(max(id), 0) from messages")
                .fetch_one(&mut *conn)
                .await?;
            Ok((1..=count as i64).map(|i| max + i).collect())
        }
        Backend::Postgres => {
            let mut ids: Vec<i64> = sqlx::query_scalar(
                "select nextval(pg_get_serial_sequence('messages', 'id')) from generate_series(1, $1)",
            )
            .bind(count as i64)
            .fetch_all(&mut *conn)
            .await?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// A message row to insert.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    pub text: &'a str,
    pub client_message_id: Option<&'a str>,
    pub created_at: i64,
}

/// Inserts the messages; returns how many were stored (fewer when a `client_message_id`
/// was taken meanwhile by another process).
pub async fn insert_messages(
    conn: &mut AnyConnection,
    messages: &[NewMessage<'_>],
) -> sqlx::Result<u64> {
    let mut stored = 0;
    for chunk in messages.chunks(rows_per_statement(6)) {
        let sql = format!(
            "insert into messages (id, chat_id, user_id, text, client_message_id, created_at) values {} \
             on conflict (user_id, client_message_id) do nothing",
            placeholders(chunk.len(), 6)
        );
        let mut a = args();
        for m in chunk {
            add(&mut a, m.id);
            add(&mut a, m.chat_id);
            add(&mut a, m.user_id);
            add(&mut a, m.text.to_string());
            add(&mut a, m.client_message_id.map(str::to_string));
            add(&mut a, m.created_at);
        }
        stored += sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(stored)
}

/// Sets each chat's last message: `(chat_id, message_id)` pairs.
pub async fn set_last_messages(conn: &mut AnyConnection, pairs: &[(i64, i64)]) -> sqlx::Result<()> {
    for chunk in pairs.chunks(rows_per_statement(2)) {
        let sql = format!(
            "update chats set last_message_id = v.column2 from (values {}) as v where chats.id = v.column1",
            placeholders(chunk.len(), 2)
        );
        let mut a = args();
        for (chat, message) in chunk {
            add(&mut a, *chat);
            add(&mut a, *message);
        }
        sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Writes members' new read state and list order.
pub async fn set_member_states(
    conn: &mut AnyConnection,
    states: &[MemberState],
    activity_at: i64,
) -> sqlx::Result<()> {
    for chunk in states.chunks(rows_per_statement(4)) {
        let sql = format!(
            "update chat_members set last_read_message_id = v.column3, unread_count = v.column4, \
             last_activity_at = {} from (values {}) as v \
             where chat_members.chat_id = v.column1 and chat_members.user_id = v.column2",
            4 * chunk.len() + 1,
            placeholders(chunk.len(), 4)
        )
        .replacen("last_activity_at = ", "last_activity_at = $", 1);
        let mut a = args();
        for s in chunk {
            add(&mut a, s.chat_id);
            add(&mut a, s.user_id);
            add(&mut a, s.last_read_message_id);
            add(&mut a, s.unread_count);
        }
        add(&mut a, activity_at);
        sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks these users online; returns the ones that were offline.
pub async fn mark_online(
    conn: &mut AnyConnection,
    user_ids: &[i64],
    now: i64,
) -> sqlx::Result<Vec<i64>> {
    let mut changed = Vec::new();
    for chunk in user_ids.chunks(rows_per_statement(1)) {
        let list = super::numbered_params(2, chunk.len());
        let sql = format!(
            "update users set is_online = 1, last_active_at = $1, last_seen_at = $1 \
             where is_online = 0 and id in ({list}) returning id"
        );
        let mut a = args();
        add(&mut a, now);
        for id in chunk {
            add(&mut a, *id);
        }
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            changed.push(r.try_get(0)?);
        }
    }
    Ok(changed)
}

/// An outbox row to insert.
#[derive(Debug, Clone)]
pub struct NewOutboxRow {
    pub channel: String,
    pub kind: &'static str,
    pub payload: String,
}

/// Inserts outbox rows in order.
pub async fn insert_outbox(
    conn: &mut AnyConnection,
    rows: &[NewOutboxRow],
    now: i64,
) -> sqlx::Result<()> {
    for chunk in rows.chunks(rows_per_statement(3)) {
        let n = 3 * chunk.len();
        let values = (0..chunk.len())
            .map(|r| {
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    3 * r + 1,
                    3 * r + 2,
                    3 * r + 3,
                    n + 1,
                    n + 1
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "insert into outbox (channel, kind, payload, created_at, next_attempt_at) values {values}"
        );
        let mut a = args();
        for row in chunk {
            add(&mut a, row.channel.clone());
            add(&mut a, row.kind.to_string());
            add(&mut a, row.payload.clone());
        }
        add(&mut a, now);
        sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Messages stored under these `(user_id, client_message_id)` keys.
pub async fn find_by_client_ids(
    conn: &mut AnyConnection,
    keys: &[(i64, &str)],
) -> sqlx::Result<Vec<super::messages::MessageRow>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(rows_per_statement(2)) {
        let conditions = (0..chunk.len())
            .map(|i| {
                format!(
                    "(user_id = ${} and client_message_id = ${})",
                    2 * i + 1,
                    2 * i + 2
                )
            })
            .collect::<Vec<_>>()
            .join(" or ");
        let sql = format!(
            "select id, chat_id, user_id, text, client_message_id, created_at from messages where {conditions}"
        );
        let mut a = args();
        for (user, key) in chunk {
            add(&mut a, *user);
            add(&mut a, key.to_string());
        }
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), a)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            found.push(super::messages::MessageRow {
                id: r.try_get(0)?,
                chat_id: r.try_get(1)?,
                user_id: r.try_get(2)?,
                text: r.try_get(3)?,
                client_message_id: r.try_get(4)?,
                created_at: r.try_get(5)?,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(1, 1), "($1)");
    }

    #[test]
    fn numbered_params_start_where_asked() {
        assert_eq!(crate::db::numbered_params(1, 3), "$1, $2, $3");
        assert_eq!(crate::db::numbered_params(2, 1), "$2");
    }
}

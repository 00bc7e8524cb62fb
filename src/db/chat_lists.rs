//! Chat lists read from stored per-member state (unread counter, read cursors, the chat's last
//! message): one user's list for `GET /api/chats`, and the lists of many users at once for the
//! relay, which publishes a fresh snapshot to each member after every change. Neither query
//! counts or sorts messages, and neither runs once per chat.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

/// One row of a user's chat list, straight from stored state.
#[derive(Debug, Clone)]
pub struct ChatListRow {
    pub chat_id: i64,
    pub companion_id: i64,
    pub companion_name: String,
    pub companion_avatar: Option<String>,
    pub unread_count: i64,
    pub my_last_read: i64,
    pub companion_last_read: i64,
    pub last_message: Option<LastMessageRow>,
}

#[derive(Debug, Clone)]
pub struct LastMessageRow {
    pub id: i64,
    pub text: String,
    pub created_at: i64,
    pub sender_id: i64,
}

/// The columns both queries select, from `me` (the list's owner), `other`, `cu` (the
/// companion) and `m` (the chat's last message), in the order [`from_row_at`] reads them.
const COLUMNS: [&str; 11] = [
    "me.chat_id",
    "cu.id",
    "cu.name",
    "cu.avatar",
    "me.unread_count",
    "me.last_read_message_id",
    "other.last_read_message_id",
    "m.id",
    "m.text",
    "m.created_at",
    "m.user_id",
];

const FROM: &str = "from chat_members me \
     join chats c on c.id = me.chat_id \
     join chat_members other on other.chat_id = me.chat_id and other.user_id <> me.user_id \
     join users cu on cu.id = other.user_id \
     left join messages m on m.id = c.last_message_id";

/// Owners per statement of [`lists_for_users`]: a relay pass of the default size
/// (`relay.batch_size` 2000) in one statement, far below both backends' bind limits.
const OWNERS_PER_STATEMENT: usize = 2000;

/// The user's chats, most recent activity first: one indexed query, whatever their number.
pub async fn list_for_user(
    ex: impl Executor<'_, Database = Any>,
    user_id: i64,
    limit: u32,
) -> sqlx::Result<Vec<ChatListRow>> {
    let columns = COLUMNS.join(", ");
    let sql = format!(
        "select {columns} {FROM} where me.user_id = $1 \
         order by me.last_activity_at desc, me.chat_id desc limit $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The chat lists of several users (each as [`list_for_user`] gives it, `limit` rows at most)
/// with one statement per [`OWNERS_PER_STATEMENT`] users. A user without chats has no entry.
pub async fn lists_for_users(
    conn: &mut AnyConnection,
    user_ids: &[i64],
    limit: u32,
) -> sqlx::Result<HashMap<i64, Vec<ChatListRow>>> {
    let mut lists: HashMap<i64, Vec<ChatListRow>> = HashMap::with_capacity(user_ids.len());
    // Named apart: the subquery's columns would otherwise repeat `id` and `last_read_message_id`.
    let columns = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} as c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in user_ids.chunks(OWNERS_PER_STATEMENT) {
        let owners = super::numbered_params(2, chunk.len());
        // A window numbers each owner's rows in list order; both backends support it.
        let sql = format!(
            "select * from (select me.user_id as owner, {columns}, row_number() over \
               (partition by me.user_id order by me.last_activity_at desc, me.chat_id desc) as n \
             {FROM} where me.user_id in ({owners})) ranked \
             where n <= $1 order by owner, n"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            let owner: i64 = r.try_get(0)?;
            lists.entry(owner).or_default().push(from_row_at(&r, 1)?);
        }
    }
    Ok(lists)
}

fn from_row(r: &AnyRow) -> sqlx::Result<ChatListRow> {
    from_row_at(r, 0)
}

/// Reads [`COLUMNS`] starting at column `at`.
fn from_row_at(r: &AnyRow, at: usize) -> sqlx::Result<ChatListRow> {
    let last_id: Option<i64> = r.try_get(at + 7)?;
    let last_message = match last_id {
        Some(id) => Some(LastMessageRow {
            id,
            text: r.try_get(at + 8)?,
            created_at: r.try_get(at + 9)?,
            sender_id: r.try_get(at + 10)?,
        }),
        None => None,
    };
    Ok(ChatListRow {
        chat_id: r.try_get(at)?,
        companion_id: r.try_get(at + 1)?,
        companion_name: r.try_get(at + 2)?,
        companion_avatar: r.try_get(at + 3)?,
        unread_count: r.try_get(at + 4)?,
        my_last_read: r.try_get(at + 5)?,
        companion_last_read: r.try_get(at + 6)?,
        last_message,
    })
}

//! Read-only queries behind `chatctl inspect` and `chatctl users list|show`: pages of users,
//! chats, messages and outbox rows with the facts an operator asks about, and whole-database
//! counts. Nothing here writes; reading a chat here never marks it read. Filters are optional
//! `and` conditions with bound values; lists are cursor pages by id, never offsets.

mod chats;

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

pub use chats::{ChatRow, MemberRow, MessageRow, chats, members, messages};

/// Which way a page runs from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Newest (highest id) first, ids below the cursor when there is one.
    Before(Option<i64>),
    /// Oldest first, ids above the cursor.
    After(i64),
}

/// `and` conditions with their bound values, numbered `$1`, `$2`, ... in order.
#[derive(Default)]
pub(super) struct Conditions {
    text: Vec<String>,
    values: Vec<i64>,
}

impl Conditions {
    /// Adds a condition whose `?` stands for `value`.
    pub(super) fn add(&mut self, condition: &str, value: i64) {
        self.values.push(value);
        let n = self.values.len();
        self.text.push(condition.replace('?', &format!("${n}")));
    }

    pub(super) fn page(&mut self, column: &str, page: Page) -> &'static str {
        match page {
            Page::Before(Some(id)) => self.add(&format!("{column} < ?"), id),
            Page::Before(None) => {}
            Page::After(id) => self.add(&format!("{column} > ?"), id),
        }
        match page {
            Page::Before(_) => "desc",
            Page::After(_) => "asc",
        }
    }

    /// `where ...` (or nothing) and the placeholder of the limit.
    pub(super) fn finish(&mut self, limit: u32) -> (String, String) {
        let clause = if self.text.is_empty() {
            String::new()
        } else {
            format!("where {}", self.text.join(" and "))
        };
        self.values.push(i64::from(limit));
        (clause, format!("${}", self.values.len()))
    }

    pub(super) async fn fetch(
        &self,
        ex: impl Executor<'_, Database = Any>,
        sql: String,
    ) -> sqlx::Result<Vec<AnyRow>> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in &self.values {
            query = query.bind(*v);
        }
        query.fetch_all(ex).await
    }
}

/// A user with their chat count and total unread messages.
#[derive(Debug, Clone, PartialEq)]
pub struct UserStats {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub avatar: Option<String>,
    pub is_online: bool,
    pub last_seen_at: Option<i64>,
    pub last_active_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub chats: i64,
    pub unread_count: i64,
}

/// Users, optionally one (`user`) or the members of one chat (`chat`).
pub async fn users(
    ex: impl Executor<'_, Database = Any>,
    user: Option<i64>,
    chat: Option<i64>,
    page: Page,
    limit: u32,
) -> sqlx::Result<Vec<UserStats>> {
    let mut c = Conditions::default();
    if let Some(id) = user {
        c.add("u.id = ?", id);
    }
    if let Some(id) = chat {
        c.add(
            "u.id in (select user_id from chat_members where chat_id = ?)",
            id,
        );
    }
    let order = c.page("u.id", page);
    let (clause, limit) = c.finish(limit);
    let sql = format!(
        "select u.id, u.name, u.email, u.avatar, u.is_online, u.last_seen_at, u.last_active_at, \
                u.created_at, u.updated_at, \
                (select count(*) from chat_members cm where cm.user_id = u.id), \
                (select cast(coalesce(sum(cm.unread_count), 0) as bigint) \
                   from chat_members cm where cm.user_id = u.id) \
         from users u {clause} order by u.id {order} limit {limit}"
    );
    let rows = c.fetch(ex, sql).await?;
    rows.iter()
        .map(|r| {
            Ok(UserStats {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                email: r.try_get(2)?,
                avatar: r.try_get(3)?,
                is_online: r.try_get::<i64, _>(4)? != 0,
                last_seen_at: r.try_get(5)?,
                last_active_at: r.try_get(6)?,
                created_at: r.try_get(7)?,
                updated_at: r.try_get(8)?,
                chats: r.try_get(9)?,
                unread_count: r.try_get(10)?,
            })
        })
        .collect()
}

/// Outbox rows, optionally of one state and/or of these channels.
pub async fn outbox(
    ex: impl Executor<'_, Database = Any>,
    state: Option<i64>,
    channels: &[String],
    page: Page,
    limit: u32,
) -> sqlx::Result<Vec<super::outbox::OutboxRow>> {
    let mut c = Conditions::default();
    if let Some(state) = state {
        c.add("state = ?", state);
    }
    let order = c.page("id", page);
    // Channel names are text: numbered after the integer values.
    let first = c.values.len() + 1;
    if !channels.is_empty() {
        let list: Vec<String> = (0..channels.len())
            .map(|i| format!("${}", first + i))
            .collect();
        c.text.push(format!("channel in ({})", list.join(", ")));
    }
    let clause = if c.text.is_empty() {
        String::new()
    } else {
        format!("where {}", c.text.join(" and "))
    };
    let sql = format!(
        "select id, channel, kind, payload, created_at, attempts, next_attempt_at, state, \
                last_error from outbox {clause} order by id {order} limit ${}",
        first + channels.len()
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for v in &c.values {
        query = query.bind(*v);
    }
    for channel in channels {
        query = query.bind(channel.as_str());
    }
    let rows = query.bind(i64::from(limit)).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(super::outbox::OutboxRow {
                id: r.try_get(0)?,
                channel: r.try_get(1)?,
                kind: r.try_get(2)?,
                payload: r.try_get(3)?,
                created_at: r.try_get(4)?,
                attempts: r.try_get(5)?,
                next_attempt_at: r.try_get(6)?,
                state: r.try_get(7)?,
                last_error: r.try_get(8)?,
            })
        })
        .collect()
}

/// Whole-database counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub users: i64,
    pub users_online: i64,
    pub chats: i64,
    pub messages: i64,
    pub last_message_at: Option<i64>,
    pub outbox_pending: i64,
    pub outbox_retrying: i64,
    pub outbox_dead: i64,
    pub outbox_oldest_pending_at: Option<i64>,
}

pub async fn counts(ex: impl Executor<'_, Database = Any>) -> sqlx::Result<Counts> {
    let r = sqlx::query(
        "select (select count(*) from users), \
                (select count(*) from users where is_online = 1), \
                (select count(*) from chats), \
                (select count(*) from messages), \
                (select created_at from messages order by id desc limit 1), \
                (select count(*) from outbox where state = 0), \
                (select count(*) from outbox where state = 0 and attempts > 0), \
                (select count(*) from outbox where state = 1), \
                (select min(created_at) from outbox where state = 0)",
    )
    .fetch_one(ex)
    .await?;
    Ok(Counts {
        users: r.try_get(0)?,
        users_online: r.try_get(1)?,
        chats: r.try_get(2)?,
        messages: r.try_get(3)?,
        last_message_at: r.try_get(4)?,
        outbox_pending: r.try_get(5)?,
        outbox_retrying: r.try_get(6)?,
        outbox_dead: r.try_get(7)?,
        outbox_oldest_pending_at: r.try_get(8)?,
    })
}

/// Dead letters grouped by reason, most frequent first.
pub async fn dead_reasons(
    ex: impl Executor<'_, Database = Any>,
    limit: u32,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "select coalesce(last_error, ''), count(*) from outbox where state = 1 \
         group by coalesce(last_error, '') order by count(*) desc, 1 limit $1",
    )
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

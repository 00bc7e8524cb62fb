//! The transactional outbox: events written in the same transaction as the change that
//! caused them, drained by the relay. Claiming uses a lease (`next_attempt_at` pushed into the
//! future) so no connection is held while publishing; on PostgreSQL the claim skips rows
//! another relay has locked (`for update skip locked`), the one backend-specific query here.

use sqlx::{Any, Executor, Row};

use super::Backend;

/// What the relay does with a row.
pub const KIND_PUBLISH: &str = "publish";
/// The payload is a user id; the relay renders that user's chat list when it publishes.
pub const KIND_CHAT_LIST: &str = "chat_list";

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub state: i64,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, channel, kind, payload, created_at, attempts, next_attempt_at, state, last_error";

fn from_row(r: &sqlx::any::AnyRow) -> Result<OutboxRow, sqlx::Error> {
    Ok(OutboxRow {
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
}

pub async fn insert(
    ex: impl Executor<'_, Database = Any>,
    channel: &str,
    kind: &str,
    payload: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into outbox (channel, kind, payload, created_at, next_attempt_at) \
         values ($1, $2, $3, $4, $4)",
    )
    .bind(channel)
    .bind(kind)
    .bind(payload)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Claims up to `limit` due rows, oldest first, by leasing them until `lease_until`.
pub async fn claim(
    ex: impl Executor<'_, Database = Any>,
    backend: Backend,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> sqlx::Result<Vec<OutboxRow>> {
    let lock = match backend {
        Backend::Postgres => "for update skip locked",
        Backend::Sqlite => "",
    };
    // A row waits while an older row of its channel waits (retrying, or leased by another
    // relay): publications of one channel leave in order even across failures.
    let sql = format!(
        "update outbox set next_attempt_at = $2 where id in \
           (select o.id from outbox o where o.state = 0 and o.next_attempt_at <= $1 \
              and not exists (select 1 from outbox p where p.channel = o.channel and p.state = 0 \
                              and p.id < o.id and p.next_attempt_at > $1) \
            order by o.id limit $3 {lock}) \
         returning {COLUMNS}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(lease_until)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    let mut claimed = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    // RETURNING does not promise an order; publications of a channel must keep theirs.
    claimed.sort_by_key(|r| r.id);
    Ok(claimed)
}

/// Removes delivered rows.
pub async fn delete(conn: &mut sqlx::AnyConnection, ids: &[i64]) -> sqlx::Result<()> {
    for_ids(conn, "delete from outbox where", ids, &[]).await
}

/// Schedules another attempt of these rows after a retryable failure.
pub async fn retry_later(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
    next_attempt_at: i64,
    error: &str,
) -> sqlx::Result<()> {
    let sql =
        "update outbox set attempts = attempts + 1, next_attempt_at = $1, last_error = $2 where";
    for_ids(
        conn,
        sql,
        ids,
        &[Bound::Int(next_attempt_at), Bound::Text(error)],
    )
    .await
}

/// Moves these rows to the dead-letter state with the reason.
pub async fn bury(conn: &mut sqlx::AnyConnection, ids: &[i64], error: &str) -> sqlx::Result<()> {
    let sql = "update outbox set attempts = attempts + 1, state = 1, last_error = $1 where";
    for_ids(conn, sql, ids, &[Bound::Text(error)]).await
}

/// A value bound before the id list.
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

/// Runs `head id in (...)` over `ids`, a thousand per statement (a statement per row cost the
/// relay about half its time on SQLite, and held the write lock that long after a failed
/// batch), with `before` bound as `$1`, `$2`, ... ahead of the ids.
async fn for_ids(
    conn: &mut sqlx::AnyConnection,
    head: &str,
    ids: &[i64],
    before: &[Bound<'_>],
) -> sqlx::Result<()> {
    for chunk in ids.chunks(1000) {
        let list = super::numbered_params(before.len() + 1, chunk.len());
        let sql = format!("{head} id in ({list})");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in before {
            query = match value {
                Bound::Int(v) => query.bind(*v),
                Bound::Text(v) => query.bind(v.to_string()),
            };
        }
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rows waiting and rows dead.
pub async fn counts(ex: impl Executor<'_, Database = Any>) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query(
        "select coalesce(sum(case when state = 0 then 1 else 0 end), 0), \
                coalesce(sum(case when state = 1 then 1 else 0 end), 0) from outbox",
    )
    .fetch_one(ex)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// The oldest rows, for `inspect outbox`.
pub async fn list(
    ex: impl Executor<'_, Database = Any>,
    limit: u32,
) -> sqlx::Result<Vec<OutboxRow>> {
    let sql = format!("select {COLUMNS} from outbox order by id limit $1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    rows.iter().map(from_row).collect()
}

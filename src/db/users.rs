//! Queries over `users`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

/// A stored user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub avatar: Option<String>,
    pub is_online: bool,
    pub last_seen_at: Option<i64>,
    pub last_active_at: Option<i64>,
}

pub(crate) const COLUMNS: &str = "id, name, email, avatar, is_online, last_seen_at, last_active_at";

pub(crate) fn from_row(r: &AnyRow, at: usize) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: r.try_get(at)?,
        name: r.try_get(at + 1)?,
        email: r.try_get(at + 2)?,
        avatar: r.try_get(at + 3)?,
        is_online: r.try_get::<i64, _>(at + 4)? != 0,
        last_seen_at: r.try_get(at + 5)?,
        last_active_at: r.try_get(at + 6)?,
    })
}

/// Lower-cases a name for search, Unicode-aware (Cyrillic included), unlike SQL `lower()`
/// on SQLite.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

pub async fn find(ex: impl Executor<'_, Database = Any>, id: i64) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("select {COLUMNS} from users where id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| from_row(&r, 0)).transpose()
}

/// Those of `ids` that exist, by id (one statement per 2000 ids).
pub async fn find_many(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, UserRow>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(2000) {
        let list = super::numbered_params(1, chunk.len());
        let sql = format!("select {COLUMNS} from users where id in ({list})");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            let user = from_row(&r, 0)?;
            found.insert(user.id, user);
        }
    }
    Ok(found)
}

/// Profile fields as given by a token or an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub avatar: Option<String>,
}

/// Creates the user unless it exists; returns whether it was created.
pub async fn insert_if_missing(
    ex: impl Executor<'_, Database = Any>,
    id: i64,
    profile: &Profile,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "insert into users (id, name, name_folded, email, avatar, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $6) on conflict (id) do nothing",
    )
    .bind(id)
    .bind(&profile.name)
    .bind(fold(&profile.name))
    .bind(&profile.email)
    .bind(&profile.avatar)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Updates the profile of an existing user; returns whether the user exists.
pub async fn update_profile(
    ex: impl Executor<'_, Database = Any>,
    id: i64,
    profile: &Profile,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update users set name = $2, name_folded = $3, email = $4, avatar = $5, updated_at = $6 \
         where id = $1",
    )
    .bind(id)
    .bind(&profile.name)
    .bind(fold(&profile.name))
    .bind(&profile.email)
    .bind(&profile.avatar)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Users whose folded name contains `needle` (already folded), LIKE wildcards escaped.
pub async fn search(
    ex: impl Executor<'_, Database = Any>,
    needle: &str,
    exclude: i64,
    limit: u32,
) -> sqlx::Result<Vec<UserRow>> {
    let pattern = format!("%{}%", escape_like(needle));
    let sql = format!(
        "select {COLUMNS} from users where name_folded like $1 escape '\\' and id <> $2 \
         order by name_folded, id limit $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pattern)
        .bind(exclude)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    rows.iter().map(|r| from_row(r, 0)).collect()
}

/// Escapes `\`, `%` and `_` so they match themselves in LIKE … ESCAPE '\'.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Marks the user online and active now; returns true when they were offline before.
pub async fn mark_online(
    ex: impl Executor<'_, Database = Any>,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update users set is_online = 1, last_active_at = $2, last_seen_at = $2 \
         where id = $1 and is_online = 0",
    )
    .bind(id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records activity of an online user (throttled by the caller).
pub async fn touch(ex: impl Executor<'_, Database = Any>, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("update users set last_active_at = $2, last_seen_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// Marks the user offline as of `last_seen`; returns true when they were online before.
pub async fn mark_offline(
    ex: impl Executor<'_, Database = Any>,
    id: i64,
    last_seen: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update users set is_online = 0, last_seen_at = $2 where id = $1 and is_online = 1",
    )
    .bind(id)
    .bind(last_seen)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Online users with no activity since `before`.
pub async fn idle_online(
    ex: impl Executor<'_, Database = Any>,
    before: i64,
    limit: u32,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "select id, coalesce(last_active_at, 0) from users \
         where is_online = 1 and coalesce(last_active_at, 0) < $1 order by id limit $2",
    )
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// A page of users by id, for `chatctl users list` and `inspect users`.
pub async fn list(
    ex: impl Executor<'_, Database = Any>,
    after_id: i64,
    limit: u32,
) -> sqlx::Result<Vec<UserRow>> {
    let sql = format!("select {COLUMNS} from users where id > $1 order by id limit $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    rows.iter().map(|r| from_row(r, 0)).collect()
}

/// The user with this folded name (the lowest id when several share it).
pub async fn find_by_folded_name(
    ex: impl Executor<'_, Database = Any>,
    folded: &str,
) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("select {COLUMNS} from users where name_folded = $1 order by id limit 1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(folded)
        .fetch_optional(ex)
        .await?;
    row.map(|r| from_row(&r, 0)).transpose()
}

/// The highest user id, 0 when there are no users.
pub async fn max_id(ex: impl Executor<'_, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query("select coalesce(max(id), 0) from users")
        .fetch_one(ex)
        .await?
        .try_get(0)
}

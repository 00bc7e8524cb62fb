//! Multi-row inserts for generated data: as few statements as the backend's bind limit
//! allows, one `$N` text for both backends.

use sqlx::AssertSqlSafe;

use crate::db::Backend;

/// A value of a seeded row.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    T(String),
}

/// Most bind parameters in one statement: SQLite allows 32,766, PostgreSQL 65,535.
pub fn max_params(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 32_766,
        Backend::Postgres => 65_535,
    }
}

/// Inserts rows with as few multi-row statements as the bind limit allows.
pub async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
) -> sqlx::Result<()> {
    let per_statement = (max_params(backend) / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let sql = insert_sql(table, columns, chunk.len());
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in chunk.iter().flatten() {
            query = match value {
                V::I(i) => query.bind(*i),
                V::T(t) => query.bind(t.clone()),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `insert into T (a, b) values ($1, $2), ($3, $4)` for `rows` rows.
pub fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "insert into {table} ({}) values {}",
        columns.join(", "),
        tuples.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_sql_numbers_every_value() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "insert into t (a, b) values ($1, $2), ($3, $4)"
        );
    }
}

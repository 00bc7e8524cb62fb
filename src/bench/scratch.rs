//! Scratch databases: a SQLite file in a temporary directory, or a fresh PostgreSQL database
//! created on the given server and dropped afterwards. Migrations are applied here, with the
//! same embedded migrations `serve` would apply, so the data can be seeded before it starts.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::{AssertSqlSafe, Connection};

use crate::config::{DatabaseConfig, Secret};
use crate::db::Db;

/// A scratch database and how to get rid of it.
pub struct Scratch {
    pub url: String,
    /// The admin URL and database name of a PostgreSQL scratch database.
    postgres: Option<(String, String)>,
}

/// A temporary directory for the run's files (SQLite database, configs, logs).
pub fn temp_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "chatctl-bench-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// `url` with its database name replaced by `name` (query string kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let base = match head[authority_start..].find('/') {
        Some(slash) => &head[..authority_start + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Scratch {
    pub async fn sqlite(dir: &Path) -> anyhow::Result<Scratch> {
        Ok(Scratch {
            url: format!("sqlite://{}", dir.join("bench.db").display()),
            postgres: None,
        })
    }

    pub async fn postgres(admin_url: &str) -> anyhow::Result<Scratch> {
        sqlx::any::install_default_drivers();
        let name = format!(
            "chatctl_bench_{}_{:06x}",
            std::process::id(),
            rand::random::<u32>() & 0xff_ffff
        );
        let mut admin = sqlx::AnyConnection::connect(admin_url).await.context(
            "connecting to the PostgreSQL server (pass --database-url or TEST_POSTGRES_URL)",
        )?;
        sqlx::query(AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await
            .context("creating the scratch database (the role needs CREATEDB)")?;
        let _ = admin.close().await;
        Ok(Scratch {
            url: with_database(admin_url, &name),
            postgres: Some((admin_url.to_string(), name)),
        })
    }

    /// Connects with `synchronous` (SQLite) and applies the migrations.
    pub async fn open(&self, synchronous: &str) -> anyhow::Result<Db> {
        let config = DatabaseConfig {
            url: Secret::new(self.url.clone()),
            max_connections: 2,
            sqlite_synchronous: synchronous.into(),
            ..DatabaseConfig::default()
        };
        let db = Db::connect(&config).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Server settings that decide what a PostgreSQL commit costs.
    pub async fn postgres_settings(db: &Db) -> Vec<String> {
        let mut out = Vec::new();
        for setting in [
            "server_version",
            "fsync",
            "synchronous_commit",
            "autovacuum",
            "wal_level",
        ] {
            let sql = format!("select current_setting('{setting}')");
            if let Ok(value) = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                .fetch_one(db.pool())
                .await
            {
                out.push(format!("{setting}={value}"));
            }
        }
        out
    }

    /// Drops a PostgreSQL scratch database (SQLite files go with the temporary directory).
    pub async fn drop_database(self) {
        if let Some((admin_url, name)) = self.postgres
            && let Ok(mut admin) = sqlx::AnyConnection::connect(&admin_url).await
        {
            let sql = format!("drop database if exists {name} with (force)");
            if let Err(e) = sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await {
                eprintln!("bench: could not drop scratch database {name}: {e}");
            }
            let _ = admin.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/postgres", "x"),
            "postgres://u:p@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}

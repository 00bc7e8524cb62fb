//! Storage: one pool over SQLite or PostgreSQL (chosen by URL), its migrations, and write
//! transactions that cannot deadlock on SQLite's lock upgrade. Query functions live in the
//! submodules, one per table, with one query text for both backends (`$N` placeholders work
//! on both); backend-specific SQL is named where it appears.

pub mod batch;
pub mod chat_lists;
pub mod chats;
pub mod inspect;
pub mod messages;
mod migrations;
pub mod outbox;
pub mod users;
pub mod users_bulk;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::config::DatabaseConfig;
use crate::error::{Error, Result};

pub use migrations::{MigrationState, MigrationStatus};

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Reads the backend from a database URL, or says what a valid one looks like.
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::Config(format!(
                "DATABASE_URL {:?} is not a database URL: use sqlite://chatctl.db or postgres://user:pass@host:5432/chatctl",
                redact_url(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database URL with any password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `count` numbered placeholders from `$first`: `$1, $2, $3` for an `in (...)` list.
pub fn numbered_params(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The connection pool and its backend.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects (creating a SQLite file on first use) and sets each connection up.
    pub async fn connect(config: &DatabaseConfig) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let url = config.url.expose();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            // Create the file on first run unless the URL chose a mode itself.
            Backend::Sqlite if !url.contains('?') && !url.contains(":memory:") => {
                format!("{url}?mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| {
            Error::Config(format!("DATABASE_URL is not usable ({e}): use sqlite://chatctl.db or postgres://user:pass@host:5432/chatctl"))
        })?;
        let busy_ms = config.busy_timeout.get().as_millis();
        let synchronous = config.sqlite_synchronous.to_ascii_uppercase();
        let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout.get())
            // A SQLite connection (a local file) does not break while idle, so it needs no ping
            // before every checkout, each a round trip to the driver's worker thread (measured:
            // a tenth of a request's CPU). PostgreSQL keeps it: a server restart would otherwise
            // cost one failed request per pooled connection.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                let setup = match backend {
                    Backend::Sqlite => format!(
                        "pragma journal_mode = wal; pragma busy_timeout = {busy_ms}; \
                         pragma synchronous = {synchronous}; pragma foreign_keys = on;"
                    ),
                    Backend::Postgres => "set time zone 'UTC'".to_string(),
                };
                Box::pin(async move {
                    conn.execute(sqlx::AssertSqlSafe(setup)).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| connect_error(backend, e))?;
        Ok(Db { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One pooled connection, for several statements in a row; exhaustion is
    /// [`Error::Unavailable`].
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        self.pool.acquire().await.map_err(pool_error)
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so it waits for the lock instead of failing with SQLITE_BUSY when a
    /// read transaction upgrades. Dropping it unfinished rolls back, so a cancelled request can
    /// never return a connection to the pool inside a transaction.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.map_err(pool_error)
    }

    /// Is the database reachable right now?
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("select 1")
            .execute(&self.pool)
            .await
            .map_err(pool_error)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps pool exhaustion and lost connections to [`Error::Unavailable`].
pub fn pool_error(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            Error::Unavailable(e.to_string())
        }
        other => Error::Database(other),
    }
}

fn connect_error(backend: Backend, e: sqlx::Error) -> Error {
    let hint = match backend {
        Backend::Sqlite => "check that the directory exists and is writable",
        Backend::Postgres => {
            "check that PostgreSQL is running and the URL's user, password and database are right"
        }
    };
    Error::Unavailable(format!(
        "cannot open the {} database ({e}): {hint}",
        backend.name()
    ))
}

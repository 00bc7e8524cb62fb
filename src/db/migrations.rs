//! Migrations, embedded in the binary: one folder per backend under `migrations/`, same
//! version numbers in both. Never edit a migration once it has shipped; add the next one.

use std::borrow::Cow;
use std::collections::HashMap;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Row, SqlStr};

use super::{Backend, Db};
use crate::error::Result;

/// (version, description, SQLite text, PostgreSQL text).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "outbox channel order",
        include_str!("../../migrations/sqlite/0002_outbox_channel_order.sql"),
        include_str!("../../migrations/postgres/0002_outbox_channel_order.sql"),
    ),
    (
        3,
        "outbox claim indexes",
        include_str!("../../migrations/sqlite/0003_outbox_claim_indexes.sql"),
        include_str!("../../migrations/postgres/0003_outbox_claim_indexes.sql"),
    ),
];

fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sqlite, postgres)| {
                let sql = match backend {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                Migration::new(
                    *version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    SqlStr::from_static(sql),
                    false,
                )
            })
            .collect(),
    )
}

/// Where one migration stands in this database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    Applied,
    Pending,
    /// Applied, but the embedded text differs from what was applied.
    ChecksumMismatch,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub state: MigrationState,
}

impl Db {
    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        migrator(self.backend).run(self.pool()).await?;
        Ok(())
    }

    /// Every embedded migration and whether it is applied here.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>> {
        let applied = self.applied_checksums().await?;
        Ok(migrator(self.backend)
            .iter()
            .map(|m| {
                let state = match applied.get(&m.version) {
                    None => MigrationState::Pending,
                    Some(sum) if sum.as_slice() == &*m.checksum => MigrationState::Applied,
                    Some(_) => MigrationState::ChecksumMismatch,
                };
                MigrationStatus {
                    version: m.version,
                    description: m.description.to_string(),
                    state,
                }
            })
            .collect())
    }

    /// Migrations that are not applied (or applied with other text).
    pub async fn pending_migrations(&self) -> Result<Vec<MigrationStatus>> {
        Ok(self
            .migration_status()
            .await?
            .into_iter()
            .filter(|m| m.state != MigrationState::Applied)
            .collect())
    }

    async fn applied_checksums(&self) -> Result<HashMap<i64, Vec<u8>>> {
        let exists = match self.backend {
            Backend::Sqlite => {
                "select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "select count(*) from information_schema.tables where table_name = '_sqlx_migrations' and table_schema = current_schema()"
            }
        };
        let n: i64 = sqlx::query_scalar(exists)
            .fetch_one(self.pool())
            .await
            .map_err(super::pool_error)?;
        if n == 0 {
            return Ok(HashMap::new());
        }
        let rows = sqlx::query("select version, checksum from _sqlx_migrations where success")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<Vec<u8>, _>(1)?)))
            .collect()
    }
}

//! Operator provisioning of users: `chatctl users add` and `chatctl users import`. An import
//! streams its input and writes it in batches, each batch one write transaction: the stored
//! profiles of the batch's ids are read first, so every row is counted as created, updated
//! or unchanged, and only created or changed users are written (one multi-row upsert).

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use serde::Serialize;

use super::Service;
use super::import::{Item, NewUser, ReadError, Reader, Reject, check_user};
use super::inspect::UserOverview;
use crate::db::users::Profile;
use crate::db::users_bulk;
use crate::error::{Error, Result};
use crate::model;

/// Rows per write transaction when the caller does not choose.
pub const DEFAULT_BATCH: usize = 1000;

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub created: u64,
    pub updated: u64,
    /// Rows equal to the stored user: nothing written.
    pub unchanged: u64,
    pub rejected: u64,
    /// Every rejected row with its line (1-based, where the record starts) and the reason.
    pub rejects: Vec<Reject>,
    pub dry_run: bool,
}

impl ImportSummary {
    /// Rows read so far, rejected ones included.
    pub fn rows(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.rejected
    }
}

impl Service {
    /// Creates or updates one user after the import's field rules; returns whether it was
    /// created, and the stored user.
    pub async fn add_user(&self, id: i64, profile: Profile) -> Result<(bool, UserOverview)> {
        let (id, profile) = check_user(id, profile)
            .map_err(|(field, why)| Error::invalid(field, format!("{field}: {why}")))?;
        let created = self.upsert_user(id, &profile).await?;
        Ok((created, self.user_overview(id).await?))
    }

    /// Imports every row of `reader`, `batch` rows per write transaction (nothing is written
    /// with `dry_run`). `progress` is called after each batch. A bad row is rejected with its
    /// line and the rest goes on; unreadable input or an unusable header stops the import
    /// (batches already committed stay).
    pub async fn import_users<R: BufRead>(
        &self,
        reader: &mut Reader<R>,
        batch: usize,
        dry_run: bool,
        progress: &mut dyn FnMut(&ImportSummary),
    ) -> Result<ImportSummary> {
        let batch = batch.max(1);
        let mut summary = ImportSummary {
            dry_run,
            ..ImportSummary::default()
        };
        let mut rows: Vec<NewUser> = Vec::with_capacity(batch);
        loop {
            let item = reader.next_item().map_err(|e| match e {
                ReadError::Io(_) => Error::Internal(e.to_string()),
                ReadError::Header { .. } => Error::invalid("header", e.to_string()),
            })?;
            match item {
                Some(Item::User(user)) => rows.push(user),
                Some(Item::Reject(reject)) => {
                    summary.rejected += 1;
                    summary.rejects.push(reject);
                }
                None => break,
            }
            if rows.len() >= batch {
                self.import_batch(&mut rows, dry_run, &mut summary).await?;
                progress(&summary);
            }
        }
        self.import_batch(&mut rows, dry_run, &mut summary).await?;
        progress(&summary);
        Ok(summary)
    }

    /// Writes one batch in one transaction and counts it; empties `rows`.
    async fn import_batch(
        &self,
        rows: &mut Vec<NewUser>,
        dry_run: bool,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.db().begin_write().await?;
        let mut seen = HashSet::with_capacity(rows.len());
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.id)
            .filter(|id| seen.insert(*id))
            .collect();
        let stored = users_bulk::profiles(&mut tx, &ids).await?;
        // The state each id reaches, row by row: a repeated id is created, then updated.
        let mut current: HashMap<i64, &Profile> = stored.iter().map(|(id, p)| (*id, p)).collect();
        for row in rows.iter() {
            match current.insert(row.id, &row.profile) {
                None => summary.created += 1,
                Some(before) if *before == row.profile => summary.unchanged += 1,
                Some(_) => summary.updated += 1,
            }
        }
        let writes: Vec<(i64, &Profile)> = ids
            .iter()
            .map(|id| (*id, current[id]))
            .filter(|(id, last)| stored.get(id) != Some(*last))
            .collect();
        if !dry_run && !writes.is_empty() {
            users_bulk::upsert(&mut tx, &writes, model::now_ms()).await?;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        rows.clear();
        Ok(())
    }
}

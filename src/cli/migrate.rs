//! `chatctl migrate run|status`: the schema, on SQLite or PostgreSQL.

use clap::{Args, Subcommand};
use comfy_table::Table;

use super::GlobalOpts;
use crate::db::{Db, MigrationState};

#[derive(Debug, Args)]
pub struct Opts {
    #[command(subcommand)]
    pub action: Option<Action>,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Apply every pending migration (the default).
    Run,
    /// List migrations and whether each is applied.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let config = global.load_config()?;
    let db = Db::connect(&config.database).await?;
    match opts.action.unwrap_or(Action::Run) {
        Action::Run => {
            let pending = db.pending_migrations().await?;
            db.migrate().await?;
            if pending.is_empty() {
                eprintln!("schema is current ({} database)", db.backend().name());
            } else {
                for m in &pending {
                    eprintln!("applied {} {}", m.version, m.description);
                }
            }
        }
        Action::Status { json } => {
            let status = db.migration_status().await?;
            if json {
                super::output::line(serde_json::to_string_pretty(&status)?)?;
            } else {
                let mut table = Table::new();
                table.set_header(["version", "description", "state"]);
                for m in &status {
                    let state = match m.state {
                        MigrationState::Applied => "applied",
                        MigrationState::Pending => "pending",
                        MigrationState::ChecksumMismatch => "CHANGED since applied",
                    };
                    table.add_row([
                        m.version.to_string(),
                        m.description.clone(),
                        state.to_string(),
                    ]);
                }
                super::output::line(format!("{table}"))?;
            }
        }
    }
    db.close().await;
    Ok(())
}

//! Opening the database for the operator commands (`users`, `inspect`): they never create a
//! SQLite file or change the schema behind the operator's back, and say what to run instead.

use std::path::PathBuf;

use super::GlobalOpts;
use super::exit::{DATABASE, failure};
use crate::db::Db;
use crate::service::Service;

/// Connects, checks the schema is current, and builds the core (without API auth).
pub async fn service(global: &GlobalOpts) -> anyhow::Result<Service> {
    let config = global.load_config()?;
    if let Some(path) = sqlite_path(config.database.url.expose())
        && !path.exists()
    {
        return Err(failure(
            DATABASE,
            format!(
                "there is no database at {}: create it with `chatctl migrate run` (or pass --database-url)",
                path.display()
            ),
        ));
    }
    let db = Db::connect(&config.database).await?;
    let pending = db.pending_migrations().await?;
    if !pending.is_empty() {
        db.close().await;
        return Err(failure(
            DATABASE,
            format!(
                "the database schema is not current ({} migration(s) pending): run `chatctl migrate run` first",
                pending.len()
            ),
        ));
    }
    Ok(Service::new(db, config, false)?)
}

/// The file of a SQLite URL (`sqlite://FILE`, `sqlite:FILE`, with or without `?options`).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://chatctl.db").unwrap().to_str(),
            Some("chatctl.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=rw").unwrap().to_str(),
            Some("/tmp/a.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x@h/db"), None);
    }
}

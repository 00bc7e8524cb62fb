//! The core's error type. Adapters map it once: [`crate::http::error`] to HTTP statuses,
//! [`crate::cli`] to exit codes.

use std::collections::BTreeMap;

/// Everything the core can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller could not be authenticated (bad, expired or foreign token; unknown user).
    #[error("unauthenticated")]
    Unauthenticated,
    /// The thing does not exist, or the caller may not see it (the two are indistinguishable).
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this (e.g. a channel the caller is not allowed to subscribe to).
    #[error("{0}")]
    Forbidden(String),
    /// Input that fails validation, per field, in Laravel's shape.
    #[error("{message}")]
    Invalid {
        message: String,
        errors: BTreeMap<String, Vec<String>>,
    },
    /// The request conflicts with stored state (e.g. an idempotency key reused elsewhere).
    #[error("{0}")]
    Conflict(String),
    /// The caller is sending too fast; retry after this many seconds.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// The database could not give a connection in time (pool exhausted, server down).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else from the database.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed or are inconsistent.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Configuration that cannot work (named key, what is wrong).
    #[error("{0}")]
    Config(String),
    /// Centrifugo refused or could not be reached.
    #[error("centrifugo: {0}")]
    Centrifugo(String),
    /// A broken invariant: a bug, never a client's mistake.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A validation error for one field, with Laravel's top-level message (the first error).
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut errors = BTreeMap::new();
        errors.insert(field.to_string(), vec![message.clone()]);
        Error::Invalid { message, errors }
    }

    pub fn not_found(what: &str) -> Self {
        Error::NotFound(format!("{what} not found."))
    }
}

/// Result with the core's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

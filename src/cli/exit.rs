//! Exit codes: part of the interface scripts rely on (documented in the README).

use crate::error::Error;

/// Success.
pub const OK: u8 = 0;
/// An unexpected failure (a bug, or an I/O error nobody could foresee).
pub const UNEXPECTED: u8 = 1;
/// Usage or configuration error: fix the command line, the config file or the environment.
pub const USAGE: u8 = 2;
/// The database is unreachable or its schema is not current.
pub const DATABASE: u8 = 3;
/// The thing asked for does not exist.
pub const NOT_FOUND: u8 = 4;
/// Centrifugo is unreachable, refused, or a check failed.
pub const CENTRIFUGO: u8 = 5;
/// Some input rows were rejected (`users import`); the others were applied.
pub const REJECTED: u8 = 6;

/// How a failed command ends.
pub struct ExitStatus {
    pub code: u8,
    /// Print nothing (a closed stdout pipe is not an error worth a message).
    pub quiet: bool,
}

/// A configuration problem, tagged so it exits with [`USAGE`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub fn config_error(message: String) -> anyhow::Error {
    ConfigError(message).into()
}

/// A failure that chooses its own exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub fn failure(code: u8, message: impl Into<String>) -> anyhow::Error {
    Failure {
        code,
        message: message.into(),
    }
    .into()
}

/// Chooses the exit code for an error from its chain.
pub fn exit_status(e: &anyhow::Error) -> ExitStatus {
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return ExitStatus {
                code: OK,
                quiet: true,
            };
        }
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return ExitStatus {
                code: f.code,
                quiet: false,
            };
        }
        if cause.downcast_ref::<ConfigError>().is_some() {
            return ExitStatus {
                code: USAGE,
                quiet: false,
            };
        }
        if let Some(core) = cause.downcast_ref::<Error>() {
            let code = match core {
                Error::Config(_) | Error::Invalid { .. } | Error::Unauthenticated => USAGE,
                Error::Unavailable(_) | Error::Database(_) | Error::Migrate(_) => DATABASE,
                Error::NotFound(_) => NOT_FOUND,
                Error::Centrifugo(_) => CENTRIFUGO,
                Error::Forbidden(_)
                | Error::Conflict(_)
                | Error::RateLimited { .. }
                | Error::Internal(_) => UNEXPECTED,
            };
            return ExitStatus { code, quiet: false };
        }
    }
    ExitStatus {
        code: UNEXPECTED,
        quiet: false,
    }
}

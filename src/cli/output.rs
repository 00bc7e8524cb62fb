//! Writing data to stdout without panicking on a closed pipe: errors come back as
//! `io::Error`s, and a broken pipe ends the command quietly with exit 0 (see `exit`).

use std::fmt::Display;
use std::io::Write;

/// Writes one line of data to stdout.
pub fn line(text: impl Display) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Writes text to stdout as is.
pub fn raw(text: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text)?;
    out.flush()
}

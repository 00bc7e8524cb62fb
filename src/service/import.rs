//! Reading users from CSV (a header naming `id,name,email,avatar` in any order) or JSON lines
//! (one object per line) for `chatctl users import`, streaming, with the line each record
//! starts on, and the field rules shared with `chatctl users add`. A bad row becomes a
//! [`Reject`] with its line and reason; only unreadable input or an unusable header stop a read.

mod rows;

use std::io::BufRead;

use serde::Serialize;

use crate::db::users::Profile;
use rows::{Columns, csv_item, header, json_item, reject};

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line (RFC 4180 quoting).
    Csv,
    /// One JSON object per line: {"id": 1, "name": "Anna", "email": "...", "avatar": "..."}.
    Jsonl,
}

impl Format {
    /// Guesses from the first non-blank byte: `{` is JSON lines, anything else CSV.
    pub fn sniff(start: &[u8]) -> Format {
        match start.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// A row that passed the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub line: u64,
    pub id: i64,
    pub profile: Profile,
}

/// A row that did not, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub line: u64,
    pub reason: String,
}

/// One record of the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    User(NewUser),
    Reject(Reject),
}

/// Why reading stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the input: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Header { line: u64, message: String },
}

/// Checks and normalises one user's fields: id positive; name required (trimmed, at most
/// 255 characters); email empty or one `@` between text (at most 255); avatar optional (at
/// most 2048, empty means none). Errors name the field.
pub fn check_user(id: i64, profile: Profile) -> Result<(i64, Profile), (&'static str, String)> {
    if id <= 0 {
        return Err(("id", format!("{id} is not a positive integer")));
    }
    let name = profile.name.trim().to_string();
    let email = profile.email.trim().to_string();
    let avatar = profile
        .avatar
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    if name.is_empty() {
        return Err(("name", "is required".into()));
    }
    if name.chars().count() > 255 {
        return Err(("name", "is longer than 255 characters".into()));
    }
    if name.chars().any(char::is_control) {
        return Err(("name", "contains control characters".into()));
    }
    let email_ok = match email.split_once('@') {
        _ if email.is_empty() => true,
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if !email_ok || email.chars().count() > 255 {
        return Err(("email", format!("{email:?} is not an email address")));
    }
    if avatar.as_ref().is_some_and(|a| a.chars().count() > 2048) {
        return Err(("avatar", "is longer than 2048 characters".into()));
    }
    Ok((
        id,
        Profile {
            name,
            email,
            avatar,
        },
    ))
}

/// Reads records one at a time.
pub struct Reader<R> {
    input: R,
    format: Format,
    /// Lines read so far.
    line: u64,
    /// CSV: the column of each known field, from the header.
    columns: Option<Columns>,
    buf: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R, format: Format) -> Self {
        Reader {
            input,
            format,
            line: 0,
            columns: None,
            buf: Vec::new(),
        }
    }

    /// CSV columns the header named that are not imported.
    pub fn ignored_columns(&self) -> &[String] {
        self.columns.as_ref().map_or(&[], |c| &c.ignored)
    }

    /// The next row, or `None` at the end of the input. Blank lines are skipped.
    pub fn next_item(&mut self) -> Result<Option<Item>, ReadError> {
        loop {
            let Some(first) = self.read_line()? else {
                return Ok(None);
            };
            let start = self.line;
            let Ok(text) = first else {
                return Ok(Some(reject(
                    start,
                    "is not valid UTF-8: save the file as UTF-8",
                )));
            };
            if text.trim().is_empty() {
                continue;
            }
            let item = match self.format {
                Format::Jsonl => json_item(start, &text),
                Format::Csv => {
                    let fields = match self.csv_record(text)? {
                        Ok(fields) => fields,
                        Err(reason) => return Ok(Some(reject(start, &reason))),
                    };
                    match &self.columns {
                        None => {
                            self.columns = Some(header(start, &fields)?);
                            continue;
                        }
                        Some(columns) => csv_item(start, columns, &fields),
                    }
                }
            };
            return Ok(Some(item));
        }
    }

    /// One physical line without its line ending; `Err(())` when it is not UTF-8.
    fn read_line(&mut self) -> Result<Option<Result<String, ()>>, ReadError> {
        self.buf.clear();
        if self.input.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        let bytes = match self.buf.strip_prefix("\u{feff}".as_bytes()) {
            Some(rest) if self.line == 1 => rest,
            _ => &self.buf[..],
        };
        Ok(Some(String::from_utf8(bytes.to_vec()).map_err(|_| ())))
    }

    /// Splits a CSV record that starts with `text`, reading more lines while a quoted field
    /// is open.
    fn csv_record(&mut self, mut text: String) -> Result<Result<Vec<String>, String>, ReadError> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match (quoted, c) {
                    (true, '"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    (true, '"') => quoted = false,
                    (true, c) => field.push(c),
                    (false, ',') => fields.push(std::mem::take(&mut field)),
                    (false, '"') if field.trim().is_empty() => {
                        field.clear();
                        quoted = true;
                    }
                    (false, c) => field.push(c),
                }
            }
            if !quoted {
                fields.push(field);
                return Ok(Ok(fields));
            }
            field.push('\n');
            text = match self.read_line()? {
                Some(Ok(next)) => next,
                Some(Err(())) => {
                    return Ok(Err("is not valid UTF-8: save the file as UTF-8".into()));
                }
                None => return Ok(Err("a quoted field is not closed".into())),
            };
        }
    }
}

#[cfg(test)]
mod tests;

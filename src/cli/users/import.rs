//! `chatctl users import FILE`: streams the file into the service's batched import, with a
//! progress bar on stderr for people (hidden off a terminal and with -q) and a summary on
//! stdout that names every rejected line; exits 6 when any row was rejected.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::super::exit::{REJECTED, config_error, failure};
use super::super::output;
use crate::service::admin::{DEFAULT_BATCH, ImportSummary};
use crate::service::import::{Format, Reader};

#[derive(Debug, Args)]
pub struct Opts {
    /// The file to import, or - for stdin.
    pub file: PathBuf,
    /// The file's format [default: from the extension (.csv, .jsonl, .ndjson), else from
    /// the first character ({ is JSON lines)].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Check every row and count what would change, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Rows per write transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH as u32, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Print the summary as JSON (every rejected line with its reason).
    #[arg(long)]
    pub json: bool,
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub async fn run(service: &crate::service::Service, o: Opts, quiet: bool) -> anyhow::Result<()> {
    let stdin = o.file.as_os_str() == "-";
    let (input, size): (Box<dyn Read>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let file = File::open(&o.file)
            .map_err(|e| config_error(format!("cannot open {}: {e}", o.file.display())))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let read = Arc::new(AtomicU64::new(0));
    let mut input = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: input,
            read: read.clone(),
        },
    );
    let format = match o.format {
        Some(f) => f,
        None => format_of(
            &o.file,
            std::io::BufRead::fill_buf(&mut input).context("reading the input")?,
        ),
    };
    let bar = progress_bar(size, quiet);
    let mut reader = Reader::new(input, format);
    let mut on_batch = |s: &ImportSummary| {
        bar.set_position(read.load(Ordering::Relaxed));
        bar.set_message(format!("{} rows", s.rows()));
    };
    let summary = service
        .import_users(&mut reader, o.batch_size as usize, o.dry_run, &mut on_batch)
        .await;
    bar.finish_and_clear();
    let summary = summary?;
    if !reader.ignored_columns().is_empty() {
        tracing::warn!("ignored columns: {}", reader.ignored_columns().join(", "));
    }
    if o.json {
        output::line(serde_json::to_string_pretty(&summary)?)?;
    } else {
        report(&summary)?;
    }
    if summary.rejected > 0 {
        let lines: Vec<String> = summary
            .rejects
            .iter()
            .take(10)
            .map(|r| r.line.to_string())
            .collect();
        let more = if summary.rejects.len() > 10 {
            ", ..."
        } else {
            ""
        };
        return Err(failure(
            REJECTED,
            format!(
                "{} of {} rows rejected (lines {}{more}): fix them and import the file again (the other rows were {})",
                summary.rejected,
                summary.rows(),
                lines.join(", "),
                if summary.dry_run {
                    "checked"
                } else {
                    "imported"
                }
            ),
        ));
    }
    Ok(())
}

fn format_of(path: &std::path::Path, start: &[u8]) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
        Some(e)
            if ["jsonl", "ndjson"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x)) =>
        {
            Format::Jsonl
        }
        _ => Format::sniff(start),
    }
}

/// A bar over the file's bytes (a spinner for stdin), drawn only on a terminal.
fn progress_bar(size: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match size {
        Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "importing [{bar:40}] {percent:>3}% {msg} ({eta} left)",
                )
                .expect("BUG: valid template")
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("importing {spinner} {msg}").expect("BUG: valid template"),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// The summary for people; every rejected line, each with its reason.
fn report(s: &ImportSummary) -> std::io::Result<()> {
    let (done, created, updated) = if s.dry_run {
        ("checked", "to create", "to update")
    } else {
        ("imported", "created", "updated")
    };
    let dry = if s.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    output::line(format!(
        "{done} {} rows{dry}: {} {created}, {} {updated}, {} unchanged, {} rejected",
        s.rows(),
        s.created,
        s.updated,
        s.unchanged,
        s.rejected,
    ))?;
    for r in &s.rejects {
        output::line(format!("line {}: {}", r.line, r.reason))?;
    }
    Ok(())
}

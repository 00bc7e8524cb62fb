//! `chatctl bench`: the benchmark (see `crate::bench`). Starts this executable as `serve`
//! on scratch databases, drives it, and prints one table with the targets.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::GlobalOpts;
use super::exit::config_error;
use crate::bench::{self, Plan};
use crate::config::parse_duration;
use crate::db::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Sqlite,
    Postgres,
    Both,
}

/// PostgreSQL comes from the global --database-url (a server URL; a scratch database is
/// created and dropped on it), else TEST_POSTGRES_URL, else `scripts/postgres.sh`. Raise the
/// open-files limit for the 1,000 WebSocket subscribers (`ulimit -n 65536`, or use
/// scripts/bench.sh).
#[derive(Debug, Args)]
pub struct Opts {
    /// Which database backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    pub backend: Which,
    /// Measured window of each row, after the warm-up [default: 5s, 1s with --quick].
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Warm-up before each window [default: 1s, 300ms with --quick].
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
    /// Concurrent closed-loop clients, one keep-alive connection each.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub concurrency: usize,
    /// Centrifugo v6 binary for the realtime rows [default: .cache/bin/centrifugo, then PATH];
    /// without one they are skipped.
    #[arg(long, env = "CENTRIFUGO_BIN", value_name = "PATH")]
    pub centrifugo_bin: Option<PathBuf>,
    /// Messages in the big chat [default: 1000000, 100000 with --quick].
    #[arg(long, value_name = "N")]
    pub messages: Option<i64>,
    /// WebSocket subscribers of the delivery row [default: 1000, 100 with --quick].
    #[arg(long, value_name = "N")]
    pub subscribers: Option<usize>,
    /// Outbox rows the relay row drains [default: 50000, 10000 with --quick].
    #[arg(long, value_name = "N")]
    pub relay_events: Option<usize>,
    /// Keep the scratch directory (serve and Centrifugo logs, the SQLite file).
    #[arg(long)]
    pub keep: bool,
    /// A smoke run: short windows, smaller data (not comparable with the targets).
    #[arg(long)]
    pub quick: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the tables as Markdown.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let mut plan = if opts.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    plan.backends = match opts.backend {
        Which::Sqlite => vec![Backend::Sqlite],
        Which::Postgres => vec![Backend::Postgres],
        Which::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let duration = |flag: &str, text: &Option<String>| -> anyhow::Result<_> {
        text.as_deref()
            .map(|t| parse_duration(t).map_err(|e| config_error(format!("{flag}: {e}"))))
            .transpose()
    };
    if let Some(d) = duration("--duration", &opts.duration)? {
        plan.duration = d;
    }
    if let Some(d) = duration("--warmup", &opts.warmup)? {
        plan.warmup = d;
    }
    if opts.concurrency == 0 || plan.duration.is_zero() {
        return Err(config_error(
            "--concurrency and --duration must be above 0".into(),
        ));
    }
    plan.concurrency = opts.concurrency;
    plan.big_messages = opts.messages.unwrap_or(plan.big_messages).max(0);
    plan.subscribers = opts.subscribers.unwrap_or(plan.subscribers);
    plan.relay_events = opts.relay_events.unwrap_or(plan.relay_events);
    plan.keep = opts.keep;
    plan.centrifugo_bin = opts.centrifugo_bin.or_else(find_centrifugo);
    if plan.backends.contains(&Backend::Postgres) {
        plan.postgres_url = global.database_url.clone().or_else(postgres_url);
        if let Some(url) = &plan.postgres_url
            && !url.starts_with("postgres")
        {
            return Err(config_error(format!(
                "--database-url must name a PostgreSQL server for bench, got {}",
                crate::db::redact_url(url)
            )));
        }
    }
    let report = bench::run(plan).await?;
    if opts.json {
        super::output::line(serde_json::to_string_pretty(&report)?)?;
    } else {
        super::output::raw(bench::report::render(&report, opts.markdown).as_bytes())?;
    }
    Ok(())
}

/// `.cache/bin/centrifugo` (what scripts/centrifugo.sh builds), then `centrifugo` on PATH.
fn find_centrifugo() -> Option<PathBuf> {
    let cached = Path::new(".cache/bin/centrifugo");
    if cached.exists() {
        return std::fs::canonicalize(cached).ok();
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join("centrifugo"))
        .find(|p| p.exists())
}

/// TEST_POSTGRES_URL, else the URL scripts/postgres.sh prints (it starts a private server).
fn postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    let script = Path::new("scripts/postgres.sh");
    if !script.exists() {
        return None;
    }
    let output = std::process::Command::new("bash")
        .arg(script)
        .output()
        .ok()?;
    let url = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !url.is_empty()).then_some(url)
}

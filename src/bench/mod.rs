//! `chatctl bench`: starts `chatctl serve` on scratch databases (SQLite, then PostgreSQL),
//! seeds realistic data, drives it over loopback HTTP with many concurrent keep-alive
//! clients, measures a real Centrifugo's relay and delivery path, and reports one table with
//! the targets as ratios. Everything is measured in the same run on the same box,
//! so the ratios hold when the absolute numbers drift.

mod backend;
mod delivery;
mod http;
mod load;
mod measure;
mod probes;
mod realtime;
mod relay;
pub mod report;
mod rows;
mod scratch;
pub mod seed;
mod server;
pub mod stats;
mod targets;

use std::path::PathBuf;
use std::time::Duration;

use crate::db::Backend;

pub use report::Report;

/// What to measure and for how long.
#[derive(Debug, Clone)]
pub struct Plan {
    pub backends: Vec<Backend>,
    /// An admin URL of a PostgreSQL server; each run creates and drops its own database.
    pub postgres_url: Option<String>,
    pub centrifugo_bin: Option<PathBuf>,
    /// Measured window of each closed-loop row, after `warmup`.
    pub duration: Duration,
    pub warmup: Duration,
    pub concurrency: usize,
    /// Messages in the big chat.
    pub big_messages: i64,
    /// Outbox rows drained for the relay row.
    pub relay_events: usize,
    /// WebSocket clients on the realtime chat's channel.
    pub subscribers: usize,
    /// POSTs per second of the delivery row, and for how long.
    pub realtime_rate: f64,
    pub realtime_duration: Duration,
    /// Keep the scratch directory (logs, SQLite file) after a successful run.
    pub keep: bool,
}

impl Plan {
    /// The full run (about two minutes per backend).
    pub fn full() -> Plan {
        Plan {
            backends: vec![Backend::Sqlite, Backend::Postgres],
            postgres_url: None,
            centrifugo_bin: None,
            duration: Duration::from_secs(5),
            warmup: Duration::from_secs(1),
            concurrency: 64,
            big_messages: 1_000_000,
            relay_events: 50_000,
            subscribers: 1000,
            realtime_rate: 10.0,
            realtime_duration: Duration::from_secs(5),
            keep: false,
        }
    }

    /// A smoke run: short windows and smaller data; its ratios are not comparable to targets.
    pub fn quick() -> Plan {
        Plan {
            duration: Duration::from_secs(1),
            warmup: Duration::from_millis(300),
            big_messages: 100_000,
            relay_events: 10_000,
            subscribers: 100,
            realtime_duration: Duration::from_secs(2),
            ..Plan::full()
        }
    }
}

/// One backend's run: the plan and where its files go.
pub struct Session {
    pub plan: Plan,
    pub backend: Backend,
    pub dir: PathBuf,
    pub centrifugo_bin: Option<PathBuf>,
    /// Clock ticks per second of `/proc` CPU times.
    pub clock_ticks: u64,
}

/// Runs the plan; the scratch directory is removed unless a backend failed (its logs are
/// then named in the error).
pub async fn run(plan: Plan) -> anyhow::Result<Report> {
    crate::centrifugo::install_tls();
    let (clock_ticks, verified) = probes::clock_ticks();
    let mut settings = vec![
        format!(
            "{} s windows after {} s warm-up, {} concurrent closed-loop clients (one keep-alive connection each)",
            plan.duration.as_secs_f64(),
            plan.warmup.as_secs_f64(),
            plan.concurrency
        ),
        format!(
            "CPU from /proc at CLK_TCK={clock_ticks} ({})",
            if verified { "getconf" } else { "assumed" }
        ),
        "serve runs with its defaults except the per-user send limit (off)".into(),
    ];
    let mut centrifugo_bin = plan.centrifugo_bin.clone().filter(|p| p.exists());
    let need = plan.subscribers as u64 * 2 + plan.concurrency as u64 + 256;
    let files = probes::raise_open_files(need).unwrap_or(0);
    if centrifugo_bin.is_some() && files < need {
        settings.push(format!(
            "realtime skipped: open-files limit {files} < {need} needed (run `ulimit -n 65536` first)"
        ));
        centrifugo_bin = None;
    }
    let dir = scratch::temp_dir()?;
    let mut report = Report {
        date: now_utc(),
        machine: machine(),
        settings: settings.join("; "),
        ..Report::default()
    };
    for backend in plan.backends.clone() {
        let session = Session {
            plan: plan.clone(),
            backend,
            dir: dir.join(backend.name()),
            centrifugo_bin: centrifugo_bin.clone(),
            clock_ticks,
        };
        std::fs::create_dir_all(&session.dir)?;
        eprintln!("bench: {} …", backend.name());
        match backend::run(&session).await {
            Ok(b) => {
                report
                    .targets
                    .extend(targets::targets(&b.backend, &b.figures));
                report.backends.push(b);
            }
            Err(e) => {
                return Err(e.context(format!(
                    "{} benchmark failed (logs in {})",
                    backend.name(),
                    session.dir.display()
                )));
            }
        }
    }
    if plan.keep {
        eprintln!("bench: logs and files kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(report)
}

fn now_utc() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// CPU model, logical CPUs, memory and kernel, from `/proc`.
pub fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim())
        })
        .unwrap_or("unknown CPU")
        .to_string();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = probes::status_kb(&read("/proc/meminfo"), "MemTotal").unwrap_or(0);
    format!(
        "{cpus} × {model}, {:.1} GiB RAM, Linux {}; {}",
        memory as f64 / 1024.0 / 1024.0,
        read("/proc/sys/kernel/osrelease").trim(),
        load_average()
    )
}

/// The 1-minute load average, a warning sign that something else competes for the CPUs.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "load average {}",
        text.split_whitespace().next().unwrap_or("?")
    )
}

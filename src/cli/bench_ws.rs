//! `chatctl bench-ws` (hidden: not in --help or completions): measures the embedded realtime
//! server from the outside. It starts this binary's `serve` on a fresh SQLite file, reads the
//! server's RSS, opens `--connections` WebSocket clients that connect and subscribe to a
//! channel of their own and then stay idle (answering pings), and reads the RSS again: the difference per connection
//! is the memory an idle connection costs (the kernel's socket buffers are not in it). Then
//! `--subscribers` more clients subscribe to one channel and `--publications` publications go
//! through the server API one by one; for each, the time from the request to the moment the
//! last subscriber has it. Linux only (reads /proc). Needs `ulimit -n` above the number of
//! connections (both processes hold one descriptor per connection).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser};
use serde_json::json;
use tokio::sync::{mpsc, watch};

/// Measure the embedded realtime server: memory per idle connection and fan-out time.
#[derive(Debug, Parser)]
#[command(
    name = "chatctl bench-ws",
    bin_name = "chatctl bench-ws",
    max_term_width = 100
)]
struct BenchCli {
    #[command(flatten)]
    opts: Opts,
}

/// Entry point for `chatctl bench-ws ...`.
pub fn main() -> std::process::ExitCode {
    let cli = BenchCli::parse_from(std::env::args_os().skip(1));
    crate::centrifugo::install_tls();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run(cli.opts)))
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(super::exit::UNEXPECTED)
        }
    }
}

#[derive(Debug, Args)]
pub struct Opts {
    /// Idle connections whose memory is measured.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Subscribers of the one channel the fan-out publishes to.
    #[arg(long, default_value_t = 1_000)]
    pub subscribers: usize,
    /// Publications timed for the fan-out.
    #[arg(long, default_value_t = 30)]
    pub publications: usize,
    /// Size of each publication's padding, in bytes.
    #[arg(long, default_value_t = 200)]
    pub payload_bytes: usize,
    /// The idle connections only connect (no subscription), to see what a subscription adds.
    #[arg(long)]
    pub no_subscribe: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

mod clients;

use clients::open_clients;

pub(super) const SECRET: &str = "bench-ws-hmac-secret-0123456789abcdef";
const API_KEY: &str = "bench-ws-api-key";
pub(super) const FANOUT: &str = "bench-fanout";

struct Server {
    child: Child,
    dir: PathBuf,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("reading /proc (bench-ws needs Linux)")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")
}

fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

async fn start_server() -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir = std::env::temp_dir().join(format!("chatctl-bench-ws-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let log = std::fs::File::create(dir.join("serve.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("bench.db").display()),
        )
        .env("CHATCTL_AUTH_SECRET", "bench-ws-auth-secret-0123456789")
        .env("CENTRIFUGO_SECRET", SECRET)
        .env("CENTRIFUGO_API_KEY", API_KEY)
        .env("CHATCTL_LOG", "warn")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting chatctl serve")?;
    let server = Server {
        child,
        dir,
        base: format!("127.0.0.1:{port}"),
    };
    let http = crate::centrifugo::http_client(Duration::from_secs(2));
    for _ in 0..100 {
        if http
            .get(format!("http://{}/readyz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!(
        "chatctl serve did not get ready (log: {})",
        server.dir.join("serve.log").display()
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let needed = (opts.connections + opts.subscribers + 256) as u64;
    if open_files_limit().is_some_and(|limit| limit < needed) {
        bail!("open file limit too low for {needed} descriptors: run `ulimit -n {needed}` first");
    }
    let server = start_server().await?;
    let pid = server.child.id();
    let url = format!("ws://{}/connection/websocket", server.base);
    let (stop_tx, stop) = watch::channel(false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kb(pid)?;
    let started = Instant::now();
    open_clients(&url, opts.connections, !opts.no_subscribe, None, &stop).await?;
    let open_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kb(pid)?;
    let per_conn = (after.saturating_sub(before) * 1024) as f64 / opts.connections.max(1) as f64;

    let (tx, mut arrivals) = mpsc::unbounded_channel();
    open_clients(&url, opts.subscribers, true, Some(&tx), &stop).await?;
    let http = crate::centrifugo::http_client(Duration::from_secs(10));
    let pad = "x".repeat(opts.payload_bytes);
    let (mut all, mut half) = (Vec::new(), Vec::new());
    for seq in 0..opts.publications as u64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = Instant::now();
        let response = http
            .post(format!("http://{}/api/publish", server.base))
            .header("X-API-Key", API_KEY)
            .json(&json!({"channel": FANOUT, "data": {"seq": seq, "pad": pad}}))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("publish answered {}", response.status());
        }
        let mut times = Vec::with_capacity(opts.subscribers);
        while times.len() < opts.subscribers {
            let (got, at) = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
                .await
                .context("a subscriber missed a publication")?
                .context("subscribers gone")?;
            if got == seq {
                times.push(at.duration_since(sent).as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        all.push(times[times.len() - 1]);
        half.push(percentile(&times, 0.5));
    }
    let _ = stop_tx.send(true);
    all.sort_by(f64::total_cmp);
    half.sort_by(f64::total_cmp);
    let report = json!({
        "connections": opts.connections,
        "subscribed": !opts.no_subscribe,
        "open_seconds": (open_secs * 10.0).round() / 10.0,
        "server_rss_kb_before": before,
        "server_rss_kb_after": after,
        "bytes_per_idle_connection": per_conn.round(),
        "subscribers": opts.subscribers,
        "publications": opts.publications,
        "payload_bytes": opts.payload_bytes,
        "fanout_all_delivered_ms": {"p50": percentile(&all, 0.5), "p95": percentile(&all, 0.95), "max": all[all.len() - 1]},
        "fanout_half_delivered_ms_p50": percentile(&half, 0.5),
    });
    if opts.json {
        super::output::line(report.to_string())?;
    } else {
        super::output::line(format!(
            "{} idle connections ({}), opened in {:.1} s\n\
             server RSS {} kB -> {} kB: {:.0} bytes ({:.1} KB) per idle connection\n\
             fan-out of one {}-byte publication to {} subscribers, {} times (server API publish -> last subscriber):\n\
             p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (half of them had it after {:.2} ms, p50)",
            opts.connections,
            if opts.no_subscribe {
                "connected, no subscription"
            } else {
                "each connected and subscribed to a channel of its own"
            },
            open_secs,
            before,
            after,
            per_conn,
            per_conn / 1024.0,
            opts.payload_bytes,
            opts.subscribers,
            opts.publications,
            percentile(&all, 0.5),
            percentile(&all, 0.95),
            all[all.len() - 1],
            percentile(&half, 0.5)
        ))?;
    }
    drop(server);
    Ok(())
}

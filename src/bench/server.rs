//! The processes under test: `chatctl serve` (this very executable, as a child on a free
//! loopback port, with its configuration in the environment only) and a real Centrifugo.
//! Both log to files in the scratch directory; a child that dies early reports its log tail.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::time::Instant;

use super::http::{Conn, Target};
use crate::centrifugo::api::ApiClient;

/// Environment of one `serve` run.
#[derive(Debug, Clone, Default)]
pub struct ServeEnv {
    pub database_url: String,
    pub auth_secret: String,
    /// `CHATCTL_WRITE_BATCH`; `None` keeps the default.
    pub write_batch: Option<u32>,
    /// `CHATCTL_SQLITE_SYNCHRONOUS`; `None` keeps the default (full).
    pub synchronous: Option<&'static str>,
    /// `CHATCTL_CHAT_LIST_MAX`; `None` keeps the default.
    pub chat_list_max: Option<u32>,
    /// Centrifugo URL, API key and HMAC secret, when realtime is measured.
    pub centrifugo: Option<CentrifugoKeys>,
}

#[derive(Debug, Clone)]
pub struct CentrifugoKeys {
    pub url: String,
    pub api_key: String,
    pub secret: String,
}

/// A running child process and its log file.
pub struct Process {
    child: Child,
    pub pid: u32,
    pub log: PathBuf,
    name: &'static str,
}

impl Process {
    fn spawn(name: &'static str, mut command: Command, log: PathBuf) -> anyhow::Result<Process> {
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pid = child.id();
        Ok(Process {
            child,
            pid,
            log,
            name,
        })
    }

    /// Fails with the log's tail when the process has exited.
    fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); log:\n{}",
                self.name,
                tail(&self.log, 15)
            );
        }
        Ok(())
    }

    /// Stops the process: SIGTERM to its pid, then SIGKILL after a grace period.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Drop kills it if it is still running.
    }
}

impl Drop for Process {
    /// A child never outlives the bench, even when it fails half-way.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound once, then released for the child).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `chatctl serve` on a free port, ready (`/readyz` answered 200).
pub struct Serve {
    pub process: Process,
    pub target: Target,
}

impl Serve {
    pub async fn start(dir: &Path, label: &str, env: &ServeEnv) -> anyhow::Result<Serve> {
        let exe = std::env::current_exe().context("finding the chatctl executable")?;
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut command = Command::new(exe);
        command
            .arg("serve")
            .arg("--bind")
            .arg(addr.to_string())
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &env.database_url)
            .env("CHATCTL_AUTH_SECRET", &env.auth_secret)
            // 1,000 users at thousands of messages per second send more than the default
            // per-user limit (600 a minute): measure the server, not its abuse limiter.
            .env("CHATCTL_RATE_SEND_PER_MINUTE", "0");
        if let Some(n) = env.write_batch {
            command.env("CHATCTL_WRITE_BATCH", n.to_string());
        }
        if let Some(mode) = env.synchronous {
            command.env("CHATCTL_SQLITE_SYNCHRONOUS", mode);
        }
        if let Some(n) = env.chat_list_max {
            command.env("CHATCTL_CHAT_LIST_MAX", n.to_string());
        }
        if let Some(keys) = &env.centrifugo {
            command
                .env("CENTRIFUGO_URL", &keys.url)
                .env("CENTRIFUGO_API_KEY", &keys.api_key)
                .env("CENTRIFUGO_SECRET", &keys.secret);
        }
        let log = dir.join(format!("serve-{label}.log"));
        let mut process = Process::spawn("chatctl serve", command, log)?;
        let target = Target::new(addr);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut conn = Conn::new(addr);
        loop {
            process.check_alive()?;
            if let Ok(reply) = conn.send(target.get("/readyz", None)).await
                && reply.status.is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "chatctl serve was not ready within 60 s; log:\n{}",
                    tail(&process.log, 15)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Serve { process, target })
    }
}

/// A real Centrifugo with the config `chatctl centrifugo config` writes for these keys.
pub struct Centrifugo {
    pub process: Process,
    pub keys: CentrifugoKeys,
}

impl Centrifugo {
    pub async fn start(bin: &Path, dir: &Path) -> anyhow::Result<Centrifugo> {
        use crate::centrifugo::server_config::{Format, Params, random_secret, render};
        let port = free_port()?;
        let keys = CentrifugoKeys {
            url: format!("http://127.0.0.1:{port}"),
            api_key: random_secret(),
            secret: random_secret(),
        };
        let mut params = Params::new(keys.secret.clone(), keys.api_key.clone());
        params.port = port;
        let config = dir.join("centrifugo.json");
        std::fs::write(&config, render(Format::V6, &params))?;
        let mut command = Command::new(bin);
        command
            .arg("-c")
            .arg(&config)
            .current_dir(dir)
            // Centrifugo reads CENTRIFUGO_* variables as config: none may leak in.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        let mut process = Process::spawn("centrifugo", command, dir.join("centrifugo.log"))?;
        let api = ApiClient::new(&keys.url, &keys.api_key, Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(30);
        while api.info().await.is_err() {
            process.check_alive()?;
            if Instant::now() > deadline {
                bail!(
                    "Centrifugo did not answer within 30 s; log:\n{}",
                    tail(&process.log, 15)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Centrifugo { process, keys })
    }
}

/// The last `n` lines of a log file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

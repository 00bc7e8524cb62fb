//! `chatctl serve` as a real process (the binary cargo built for these tests), for what only a
//! process shows: signals, exit codes and everything it writes to stderr. The environment is
//! cleared and set explicitly, so nothing of the test runner's leaks in.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::common::{AUTH_SECRET, CENTRIFUGO_SECRET};

/// A running `chatctl serve`.
pub struct Served {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

/// A free port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Served {
    /// Starts `chatctl serve` with the test secrets, `database_url` and `extra` variables, and
    /// waits until `/readyz` answers 200.
    pub async fn start(database_url: &str, extra: &[(&str, String)]) -> Served {
        chatctl::centrifugo::install_tls();
        let port = free_port();
        let dir = std::env::temp_dir().join("chatctl-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("serve-{}-{port}.log", std::process::id()));
        let stderr = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_chatctl"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("CHATCTL_BIND", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("CHATCTL_AUTH_SECRET", AUTH_SECRET)
            .env("CENTRIFUGO_SECRET", CENTRIFUGO_SECRET)
            .env("CHATCTL_LOG", "info")
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(stderr);
        for (name, value) in extra {
            command.env(name, value);
        }
        let child = command.spawn().expect("spawn chatctl serve");
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        served.wait_ready().await;
        served
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chatctl serve did not become ready:\n{}", self.log_text());
    }

    /// Sends SIGTERM, as an orchestrator stopping the instance would.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// SIGKILL: a crash, nothing runs after it.
    pub fn crash(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits for the process to exit; its exit code.
    pub async fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if tokio::time::Instant::now() > deadline {
                panic!("chatctl serve still running after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the process wrote to stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// An API token for `user_id` with a profile (provisioned on first use).
pub fn api_token(user_id: i64) -> String {
    crate::common::mint_token(user_id, &format!("User {user_id}"))
}

/// What one sender saw: (client_message_id, status or transport error, started after SIGTERM).
pub type Outcome = (String, Result<u16, String>, bool);

pub async fn sender(
    base: String,
    user: i64,
    chat: i64,
    stop: Arc<AtomicBool>,
    signal: Arc<AtomicBool>,
) -> Vec<Outcome> {
    let client = reqwest::Client::new();
    let token = api_token(user);
    let mut out = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let key = format!("u{user}-{n}");
        let after_signal = signal.load(Ordering::SeqCst);
        let result = client
            .post(format!("{base}/api/chats/{chat}/messages"))
            .bearer_auth(&token)
            .json(&json!({"text": format!("load {key}"), "client_message_id": key}))
            .send()
            .await;
        match result {
            Ok(response) => out.push((key, Ok(response.status().as_u16()), after_signal)),
            Err(e) => {
                // Refused or closed connections once the server stops accepting.
                out.push((key, Err(e.to_string()), after_signal));
                break;
            }
        }
    }
    out
}

/// Opens a chat for each of users 1..=`users` (with user + 100) and starts a `sender` in
/// each, all stopped by `stop` and marking what they send after `signal`.
pub async fn start_senders(
    base: &str,
    users: i64,
    stop: &Arc<AtomicBool>,
    signal: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Outcome>>> {
    let mut chats = Vec::new();
    for user in 1..=users {
        chats.push((user, open_chat(base, user, user + 100).await));
    }
    // All chats exist before the first send, so the load starts at once.
    chats
        .into_iter()
        .map(|(user, chat)| {
            tokio::spawn(sender(
                base.to_string(),
                user,
                chat,
                stop.clone(),
                signal.clone(),
            ))
        })
        .collect()
}

/// Provisions both users (by a call each) and opens their chat.
pub async fn open_chat(base: &str, user: i64, companion: i64) -> i64 {
    let client = reqwest::Client::new();
    for id in [user, companion] {
        let r = client
            .get(format!("{base}/api/get-user-info"))
            .bearer_auth(api_token(id))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let response = client
        .post(format!("{base}/api/chats"))
        .bearer_auth(api_token(user))
        .json(&json!({"companionId": companion}))
        .send()
        .await
        .unwrap();
    response.json::<serde_json::Value>().await.unwrap()["chatId"]
        .as_i64()
        .unwrap()
}

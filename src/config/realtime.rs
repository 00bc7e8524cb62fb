//! The `[realtime]` section: which realtime server chatctl uses (its embedded
//! Centrifugo-compatible one, or an external Centrifugo) and the embedded server's limits.
//! The defaults mirror the Centrifugo config `chatctl centrifugo config` generates, so a
//! client sees the same behaviour from both.

use serde::Deserialize;

use super::Duration;

/// Where realtime events go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The embedded server, unless `centrifugo.url` names another server.
    Auto,
    /// Always the embedded server (`centrifugo.url` is then only for the CLI).
    Embedded,
    /// Always the external Centrifugo at `centrifugo.url`.
    Centrifugo,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeConfig {
    /// `auto`, `embedded` or `centrifugo`.
    pub mode: String,
    /// Browser origins allowed to open the WebSocket, as glob patterns (`https://*.example`).
    pub allowed_origins: Vec<String>,
    /// Publications kept per channel for recovery (0 turns history off).
    pub history_size: u32,
    /// How long a channel's history lives after its last publication (0 turns history off).
    pub history_ttl: Duration,
    /// Interval of the server's pings (`{}`).
    pub ping_interval: Duration,
    /// How long a client has to answer a ping before it is disconnected (3012).
    pub pong_timeout: Duration,
    /// Largest frame a client may send, in bytes (above: close 1009).
    pub message_size_limit: usize,
    /// Bytes queued for a client that does not read before it is disconnected (3008).
    pub queue_max_bytes: usize,
    /// Channels one connection may subscribe to (above: error 106).
    pub channel_limit: u32,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            mode: "auto".into(),
            allowed_origins: Vec::new(),
            history_size: 300,
            history_ttl: Duration::secs(600),
            ping_interval: Duration::secs(25),
            pong_timeout: Duration::secs(8),
            message_size_limit: 65_536,
            queue_max_bytes: 1_048_576,
            channel_limit: 128,
        }
    }
}

impl RealtimeConfig {
    /// The parsed mode (validated before use).
    pub fn mode(&self) -> Mode {
        match self.mode.as_str() {
            "embedded" => Mode::Embedded,
            "centrifugo" => Mode::Centrifugo,
            _ => Mode::Auto,
        }
    }

    /// Checks ranges and spellings, naming the key; `centrifugo_url` is `centrifugo.url`.
    pub fn validate(&self, centrifugo_url: &str) -> Result<(), String> {
        if !matches!(self.mode.as_str(), "auto" | "embedded" | "centrifugo") {
            return Err(format!(
                "realtime.mode must be \"auto\", \"embedded\" or \"centrifugo\", got {:?}",
                self.mode
            ));
        }
        if self.mode() == Mode::Centrifugo && centrifugo_url.trim().is_empty() {
            return Err(
                "realtime.mode = \"centrifugo\" needs centrifugo.url (CENTRIFUGO_URL)".into(),
            );
        }
        if (self.history_size == 0) != self.history_ttl.get().is_zero() {
            return Err(
                "realtime.history_size and realtime.history_ttl must both be set or both be 0"
                    .into(),
            );
        }
        if self.pong_timeout.get().is_zero() || self.ping_interval.get() <= self.pong_timeout.get()
        {
            return Err(
                "realtime.ping_interval must be longer than realtime.pong_timeout (> 0)".into(),
            );
        }
        if self.message_size_limit < 1024 {
            return Err("realtime.message_size_limit must be at least 1024".into());
        }
        if self.queue_max_bytes < self.message_size_limit {
            return Err(
                "realtime.queue_max_bytes must be at least realtime.message_size_limit".into(),
            );
        }
        if self.channel_limit == 0 {
            return Err("realtime.channel_limit must be at least 1".into());
        }
        Ok(())
    }
}

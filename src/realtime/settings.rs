//! The embedded server's settings, resolved once from the configuration: limits and timings
//! (Centrifugo's defaults where chatctl has no key), the token verifier, the API key and
//! the browser origins allowed to connect.

use std::time::Duration;

use super::tokens::Verifier;
use crate::config::Config;

/// Centrifugo v6's `client.stale_close_delay`: time to send `connect`.
pub const STALE_CLOSE_DELAY: Duration = Duration::from_secs(10);
/// `client.expired_close_delay` and `client.expired_sub_close_delay`.
pub const EXPIRED_CLOSE_DELAY: i64 = 25;
/// `channel.max_length`.
pub const CHANNEL_MAX_LENGTH: usize = 255;
/// Longest connection or subscription lifetime a token can give (Centrifugo's cap).
pub const MAX_TTL_SECS: i64 = 365 * 24 * 3600;

#[derive(Debug)]
pub struct Settings {
    pub history_size: usize,
    pub history_ttl: Duration,
    /// `client.recovery_max_publication_limit`.
    pub recovery_max: usize,
    pub ping_interval: Duration,
    pub pong_timeout: Duration,
    pub message_size_limit: usize,
    pub queue_max_bytes: usize,
    pub channel_limit: usize,
    /// None when no HMAC secret is configured: every token is then invalid.
    pub verifier: Option<Verifier>,
    /// Empty: the server API answers 401 to everything, as Centrifugo does.
    pub api_key: String,
    pub origins: Origins,
    /// Reported as `version` in connect results and `info`.
    pub version: String,
}

impl Settings {
    pub fn from_config(config: &Config) -> Settings {
        let r = &config.realtime;
        let secret = config.centrifugo.secret.expose();
        let mut origins: Vec<String> = r.allowed_origins.clone();
        origins.extend(config.server.cors_origins.iter().cloned());
        Settings {
            history_size: r.history_size as usize,
            history_ttl: r.history_ttl.get(),
            recovery_max: 300,
            ping_interval: r.ping_interval.get(),
            pong_timeout: r.pong_timeout.get(),
            message_size_limit: r.message_size_limit,
            queue_max_bytes: r.queue_max_bytes,
            channel_limit: r.channel_limit as usize,
            verifier: (!secret.is_empty())
                .then(|| Verifier::new(secret).ok())
                .flatten(),
            api_key: config.centrifugo.api_key.expose().to_string(),
            origins: Origins::new(&origins),
            version: format!("{} chatctl", env!("CARGO_PKG_VERSION")),
        }
    }

    /// History (and so positioning and recovery) is on when both size and TTL are set.
    pub fn history_on(&self) -> bool {
        self.history_size > 0 && !self.history_ttl.is_zero()
    }
}

/// Which `Origin` headers may open a WebSocket: none at all (non-browser clients), the
/// server's own origin, and the configured patterns (`*` matches any run of characters,
/// `?` one character), compared in lower case as Centrifugo does.
#[derive(Debug, Default)]
pub struct Origins {
    patterns: Vec<String>,
}

impl Origins {
    pub fn new(patterns: &[String]) -> Origins {
        Origins {
            patterns: patterns.iter().map(|p| p.trim().to_lowercase()).collect(),
        }
    }

    /// Is a browser page at `origin` allowed when the request was sent to `host`?
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin.map(str::to_lowercase) else {
            return true;
        };
        let same_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .zip(host)
            .is_some_and(|(origin_host, host)| origin_host.eq_ignore_ascii_case(host));
        same_host || self.patterns.iter().any(|p| glob(p, &origin))
    }
}

/// `*` and `?` wildcards.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_allow_no_origin_the_same_host_and_patterns() {
        let o = Origins::new(&[
            "https://*.example.com".into(),
            "http://localhost:3000".into(),
        ]);
        assert!(o.allows(None, Some("chat.local")));
        assert!(o.allows(Some("http://chat.local:8080"), Some("chat.local:8080")));
        assert!(o.allows(Some("https://app.example.com"), Some("api.other")));
        assert!(o.allows(Some("HTTP://LOCALHOST:3000"), Some("api.other")));
        assert!(!o.allows(Some("https://evil.test"), Some("chat.local")));
        assert!(!o.allows(Some("https://example.com.evil.test"), Some("x")));
        assert!(!Origins::default().allows(Some("https://a.test"), Some("b.test")));
    }

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob("*", "anything"));
        assert!(glob("a?c", "abc"));
        assert!(glob("a*c*e", "abxxcdde"));
        assert!(!glob("a*c", "abd"));
    }
}

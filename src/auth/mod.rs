//! Tokens: verifying API bearer tokens ([`api`]) and minting Centrifugo connection and
//! subscription tokens ([`realtime`]). The verifying key and algorithm always come from the
//! configuration, never from the token.

pub mod api;
pub mod realtime;

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    crate::model::now_ms() / 1000
}

//! Centrifugo tokens, HS256 over the Centrifugo HMAC secret: connection tokens (`sub`, `iat`,
//! `exp`, as the original) and subscription tokens (plus `channel`). Callers must have
//! authorized the channel before minting a subscription token.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// Claims of a Centrifugo token.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl Claims {
    /// Claims of a connection token (no `channel`: Centrifugo rejects one that has it).
    pub fn connection(user_id: i64, ttl_secs: i64, now: i64) -> Claims {
        Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + ttl_secs,
            channel: None,
        }
    }

    /// Claims of a subscription token for one channel.
    pub fn subscription(user_id: i64, channel: &str, ttl_secs: i64, now: i64) -> Claims {
        Claims {
            channel: Some(channel.to_string()),
            ..Claims::connection(user_id, ttl_secs, now)
        }
    }

    /// Signs the claims with the Centrifugo HMAC secret.
    pub fn sign(&self, secret: &str) -> Result<String, String> {
        if secret.is_empty() {
            return Err(
                "the Centrifugo HMAC secret is empty: set CENTRIFUGO_SECRET or centrifugo.secret"
                    .into(),
            );
        }
        let key = EncodingKey::from_secret(secret.as_bytes()).map_err(|e| e.to_string())?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), self, &key).map_err(|e| e.to_string())
    }
}

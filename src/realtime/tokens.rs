//! Connection and subscription tokens, verified as Centrifugo v6 verifies them: HS256,
//! HS384 or HS512 over the HMAC secret (`centrifugo.secret`); `exp` and `nbf` checked
//! without leeway (an expired token is [`TokenError::Expired`], answered 109); a connection
//! token must not carry `channel`; a subscription token must. The caller compares `sub`,
//! `channel` and `client` with the connection, since a mismatch there is a disconnect.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// What a connection token grants.
#[derive(Debug)]
pub struct ConnectClaims {
    /// `sub`; empty for an anonymous connection.
    pub user: String,
    /// Unix seconds when the connection expires; 0: never.
    pub expire_at: i64,
    /// `info` (or decoded `b64info`): shown in presence as `conn_info`.
    pub info: Option<Box<RawValue>>,
}

/// What a subscription token grants.
#[derive(Debug)]
pub struct SubscribeClaims {
    pub user: String,
    pub channel: String,
    /// Binds the token to one client id when not empty.
    pub client: String,
    /// Unix seconds when the subscription expires; 0: never.
    pub expire_at: i64,
    /// `info`: shown in presence as `chan_info`.
    pub info: Option<Box<RawValue>>,
    /// `data`: returned in the subscribe result.
    pub data: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    exp: Option<f64>,
    nbf: Option<f64>,
    channel: Option<String>,
    client: Option<String>,
    info: Option<Box<RawValue>>,
    b64info: Option<String>,
    data: Option<Box<RawValue>>,
    b64data: Option<String>,
    expire_at: Option<i64>,
}

/// Verifies tokens signed with one HMAC secret.
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

impl Verifier {
    pub fn new(secret: &str) -> Result<Verifier, String> {
        let key = DecodingKey::from_secret(secret.as_bytes()).map_err(|e| e.to_string())?;
        // Signature and algorithm only: every claim is checked below, as Centrifugo does.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        Ok(Verifier { key, validation })
    }

    fn claims(&self, token: &str, now: f64) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
        let expired = claims.exp.is_some_and(|exp| exp <= now);
        let early = claims.nbf.is_some_and(|nbf| nbf > now);
        if expired || early {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// A connection token at time `now` (Unix seconds).
    pub fn connect(&self, token: &str, now: f64) -> Result<ConnectClaims, TokenError> {
        let claims = self.claims(token, now)?;
        if claims.channel.as_deref().is_some_and(|c| !c.is_empty()) {
            return Err(TokenError::Invalid(
                "connection token with a channel claim".into(),
            ));
        }
        let info = raw_or_base64(claims.info, claims.b64info.as_deref())?;
        Ok(ConnectClaims {
            user: claims.sub.unwrap_or_default(),
            expire_at: expire_at(claims.expire_at, claims.exp),
            info,
        })
    }

    /// A subscription token at time `now` (Unix seconds).
    pub fn subscribe(&self, token: &str, now: f64) -> Result<SubscribeClaims, TokenError> {
        let claims = self.claims(token, now)?;
        let channel = claims.channel.unwrap_or_default();
        if channel.is_empty() {
            return Err(TokenError::Invalid(
                "subscription token without a channel claim".into(),
            ));
        }
        let info = raw_or_base64(claims.info, claims.b64info.as_deref())?;
        let data = raw_or_base64(claims.data, claims.b64data.as_deref())?;
        Ok(SubscribeClaims {
            user: claims.sub.unwrap_or_default(),
            channel,
            client: claims.client.unwrap_or_default(),
            expire_at: expire_at(claims.expire_at, claims.exp),
            info,
            data,
        })
    }
}

/// `expire_at` wins over `exp`; `expire_at: 0` means never.
fn expire_at(expire_at: Option<i64>, exp: Option<f64>) -> i64 {
    match expire_at {
        Some(at) => at.max(0),
        None => exp.map_or(0, |e| e.floor() as i64),
    }
}

/// The JSON value, or the JSON a base64 field decodes to (binary is not for JSON clients).
fn raw_or_base64(
    raw: Option<Box<RawValue>>,
    b64: Option<&str>,
) -> Result<Option<Box<RawValue>>, TokenError> {
    use base64::Engine;
    match b64.filter(|s| !s.is_empty()) {
        None => Ok(raw),
        Some(text) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| TokenError::Invalid(format!("base64: {e}")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| TokenError::Invalid("binary info for a JSON client".into()))?;
            RawValue::from_string(text)
                .map(Some)
                .map_err(|_| TokenError::Invalid("binary info for a JSON client".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn sign(alg: Algorithm, secret: &str, claims: impl serde::Serialize) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn connection_tokens_follow_centrifugo_rules() {
        let v = Verifier::new("s3cret").unwrap();
        let now = 1_000.0;
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let t = sign(
                alg,
                "s3cret",
                RawValue::from_string(r#"{"sub":"42","exp":2000,"info":{"b":1,"a":2}}"#.into())
                    .unwrap(),
            );
            let c = v.connect(&t, now).unwrap();
            assert_eq!((c.user.as_str(), c.expire_at), ("42", 2000));
            assert_eq!(
                c.info.unwrap().get(),
                r#"{"b":1,"a":2}"#,
                "info kept verbatim"
            );
        }
        let expired = sign(Algorithm::HS256, "s3cret", json!({"sub":"1","exp":1000}));
        assert_eq!(v.connect(&expired, now).unwrap_err(), TokenError::Expired);
        let early = sign(Algorithm::HS256, "s3cret", json!({"sub":"1","nbf":1001}));
        assert_eq!(v.connect(&early, now).unwrap_err(), TokenError::Expired);
        for bad in [
            sign(Algorithm::HS256, "other", json!({"sub":"1"})),
            sign(Algorithm::HS256, "s3cret", json!({"sub":"1","channel":"x"})),
            sign(Algorithm::HS256, "s3cret", json!({"sub":1})),
            "abc".to_string(),
        ] {
            assert!(
                matches!(v.connect(&bad, now), Err(TokenError::Invalid(_))),
                "{bad}"
            );
        }
        let forever = sign(
            Algorithm::HS256,
            "s3cret",
            json!({"exp":2000,"expire_at":0}),
        );
        let c = v.connect(&forever, now).unwrap();
        assert_eq!((c.user.as_str(), c.expire_at), ("", 0));
    }

    #[test]
    fn subscription_tokens_need_a_channel() {
        let v = Verifier::new("s3cret").unwrap();
        let t = sign(
            Algorithm::HS256,
            "s3cret",
            json!({"sub":"42","channel":"user-42-chats","exp":2000,"data":{"d":1}}),
        );
        let c = v.subscribe(&t, 1000.0).unwrap();
        assert_eq!(c.channel, "user-42-chats");
        assert_eq!(c.data.unwrap().get(), r#"{"d":1}"#);
        let without = sign(Algorithm::HS256, "s3cret", json!({"sub":"42"}));
        assert!(matches!(
            v.subscribe(&without, 1000.0),
            Err(TokenError::Invalid(_))
        ));
    }
}

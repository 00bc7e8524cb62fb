//! API bearer tokens: HS256 with a shared secret, or RS256/ES256 with a public key (a Laravel
//! Passport `oauth-public.key` works as is). Claims are checked here rather than by the JWT
//! library so that Passport's shapes pass (string `aud`, float timestamps with microseconds)
//! and everything else malformed fails closed.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

use crate::config::AuthConfig;
use crate::db::users::Profile;

/// Why a token was refused; logged at debug level, never shown to the client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Rejection {
    #[error("signature, algorithm or encoding invalid: {0}")]
    Signature(String),
    #[error("claim {0} missing or malformed")]
    Malformed(&'static str),
    #[error("token expired")]
    Expired,
    #[error("token not valid yet")]
    NotYetValid,
    #[error("issuer not accepted")]
    Issuer,
    #[error("audience not accepted")]
    Audience,
    #[error("a Centrifugo subscription token is not an API token")]
    WrongKind,
}

/// Who a valid token names.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub user_id: i64,
    /// Profile claims, used to provision unknown users.
    pub profile: Option<Profile>,
}

/// Verifies API tokens with the configured key.
#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: i64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithms", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Builds the verifier from config; the error names the key to fix.
    pub fn from_config(config: &AuthConfig) -> Result<Verifier, String> {
        let (key, algorithm) = if !config.public_key.is_empty() {
            let pem = std::fs::read(&config.public_key).map_err(|e| {
                format!(
                    "auth.public_key / CHATCTL_AUTH_PUBLIC_KEY: cannot read {}: {e}",
                    config.public_key
                )
            })?;
            if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
                (key, Algorithm::RS256)
            } else if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
                (key, Algorithm::ES256)
            } else {
                return Err(format!(
                    "auth.public_key / CHATCTL_AUTH_PUBLIC_KEY: {} is not an RSA or EC public key in PEM form",
                    config.public_key
                ));
            }
        } else if !config.secret.is_empty() {
            if config.secret.expose().len() < 16 {
                return Err(
                    "auth.secret / CHATCTL_AUTH_SECRET must be at least 16 characters".into(),
                );
            }
            let key = DecodingKey::from_secret(config.secret.expose().as_bytes())
                .map_err(|e| format!("auth.secret: {e}"))?;
            (key, Algorithm::HS256)
        } else {
            return Err("no API auth key: set CHATCTL_AUTH_SECRET (HS256) or CHATCTL_AUTH_PUBLIC_KEY (RS256/ES256 PEM file)".into());
        };
        // The library checks the signature and that the header's alg is exactly ours;
        // claims are checked below.
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        Ok(Verifier {
            key,
            validation,
            issuers: config.issuers.clone(),
            audiences: config.audiences.clone(),
            leeway: config.leeway.as_secs().min(60) as i64,
        })
    }

    /// Verifies signature and claims at time `now` (seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<Identity, Rejection> {
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| Rejection::Signature(e.to_string()))?;
        let claims = data.claims;
        if claims.contains_key("channel") {
            return Err(Rejection::WrongKind);
        }
        let exp = timestamp(&claims, "exp")?.ok_or(Rejection::Malformed("exp"))?;
        if now > exp + self.leeway {
            return Err(Rejection::Expired);
        }
        if let Some(nbf) = timestamp(&claims, "nbf")?
            && nbf > now + self.leeway
        {
            return Err(Rejection::NotYetValid);
        }
        if let Some(iat) = timestamp(&claims, "iat")?
            && iat > now + self.leeway
        {
            return Err(Rejection::NotYetValid);
        }
        if !self.issuers.is_empty() {
            match claims.get("iss") {
                Some(Value::String(iss)) if self.issuers.contains(iss) => {}
                _ => return Err(Rejection::Issuer),
            }
        }
        if !self.audiences.is_empty() {
            let ok = match claims.get("aud") {
                Some(Value::String(aud)) => self.audiences.contains(aud),
                Some(Value::Array(auds)) => auds.iter().any(|a| {
                    a.as_str()
                        .is_some_and(|a| self.audiences.iter().any(|x| x == a))
                }),
                _ => false,
            };
            if !ok {
                return Err(Rejection::Audience);
            }
        }
        let user_id = subject(&claims)?;
        Ok(Identity {
            user_id,
            profile: profile(&claims),
        })
    }
}

/// A NumericDate: an integer or a float (Passport writes microseconds), nothing else.
fn timestamp(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, Rejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else {
                match n.as_f64() {
                    Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
                    _ => Err(Rejection::Malformed(name)),
                }
            }
        }
        Some(_) => Err(Rejection::Malformed(name)),
    }
}

/// `sub`: a positive 64-bit integer, written as a string (Passport) or a number.
fn subject(claims: &Map<String, Value>) -> Result<i64, Rejection> {
    let id = match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<i64>().ok()
        }
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    id.filter(|id| *id > 0).ok_or(Rejection::Malformed("sub"))
}

fn profile(claims: &Map<String, Value>) -> Option<Profile> {
    // NUL cannot be stored as text (PostgreSQL refuses it): drop it from claims.
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .map(|v| v.replace('\0', ""))
    };
    let (name, email, avatar) = (text("name"), text("email"), text("avatar"));
    if name.is_none() && email.is_none() && avatar.is_none() {
        return None;
    }
    // A missing name is filled in by the provisioning code; the other claims still count.
    Some(Profile {
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        avatar,
    })
}

/// Mints an HS256 API token (development and scripts; production tokens come from the host
/// application).
pub fn mint(
    secret: &str,
    user_id: i64,
    profile: &Profile,
    ttl_secs: i64,
    now: i64,
) -> Result<String, String> {
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::String(user_id.to_string()));
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ttl_secs).into());
    if !profile.name.is_empty() {
        claims.insert("name".into(), profile.name.clone().into());
    }
    if !profile.email.is_empty() {
        claims.insert("email".into(), profile.email.clone().into());
    }
    if let Some(avatar) = &profile.avatar {
        claims.insert("avatar".into(), avatar.clone().into());
    }
    let key = EncodingKey::from_secret(secret.as_bytes()).map_err(|e| e.to_string())?;
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;

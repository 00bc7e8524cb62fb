//! Forging tokens for the attacks: Passport-shaped claims, RS256 with the fixture keys,
//! HS256 over any bytes, unsigned tokens, flipped signature bits, DER bytes of a PEM key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::AUDIENCE;

pub(super) fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Passport's claims for user 42: string `aud` and `sub`, float timestamps, `jti`, `scopes`.
pub(super) fn passport_claims(now: i64) -> Value {
    let t = now as f64 + 0.734_512;
    json!({"aud": AUDIENCE, "jti": "0f9e8d7c6b5a", "iat": t, "nbf": t, "exp": t + 3600.0,
           "sub": "42", "scopes": []})
}

/// `claims` with `changes` applied; a `null` change removes the claim.
pub(super) fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

pub(super) fn rs256(claims: &Value, private_pem: &str) -> String {
    let key = EncodingKey::from_rsa_pem(&std::fs::read(fixture(private_pem)).unwrap()).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub(super) fn hs256(claims: &Value, secret: &[u8]) -> String {
    let key = EncodingKey::from_secret(secret).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
}

pub(super) fn passport(claims: &Value) -> String {
    rs256(claims, "passport-private.pem")
}

/// An unsigned token with `alg` as given.
pub(super) fn unsigned(alg: &str, claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        part(&json!({"alg": alg, "typ": "JWT"})),
        part(claims)
    )
}

/// `token` with one bit of its signature flipped.
pub(super) fn flip_a_signature_bit(token: &str) -> String {
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[17] ^= 0x08;
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The DER bytes of a PEM file.
pub(super) fn der(pem: &[u8]) -> Vec<u8> {
    let body: String = String::from_utf8_lossy(pem)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

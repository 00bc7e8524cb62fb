//! Unit tests of API token verification, including a token shaped exactly like Laravel
//! Passport's.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::config::{AuthConfig, Duration, Secret};

const SECRET: &str = "0123456789abcdef-test-secret";
const NOW: i64 = 1_750_000_000;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn hs_verifier() -> Verifier {
    Verifier::from_config(&AuthConfig {
        secret: Secret::new(SECRET),
        ..AuthConfig::default()
    })
    .unwrap()
}

fn hs(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[test]
fn accepts_a_valid_hs256_token_and_reads_profile() {
    let t = hs(&json!({"sub": "7", "exp": NOW + 60, "name": "Анна", "email": "a@x"}));
    let id = hs_verifier().verify(&t, NOW).unwrap();
    assert_eq!(id.user_id, 7);
    assert_eq!(id.profile.unwrap().name, "Анна");
}

#[test]
fn accepts_a_laravel_passport_token_with_the_public_key() {
    let config = AuthConfig {
        public_key: fixture("passport-public.pem"),
        audiences: vec!["3".into()],
        ..AuthConfig::default()
    };
    let verifier = Verifier::from_config(&config).unwrap();
    let private = std::fs::read(fixture("passport-private.pem")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    let claims = json!({
        "aud": "3",
        "jti": "5e3b7c0f2a1d4e9b8c7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7",
        "iat": 1_749_999_990.123_456_f64,
        "nbf": 1_749_999_990.123_456_f64,
        "exp": 1_781_535_990.123_456_f64,
        "sub": "42",
        "scopes": []
    });
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(&private).unwrap(),
    )
    .unwrap();
    let id = verifier.verify(&token, NOW).unwrap();
    assert_eq!(id.user_id, 42);
    assert_eq!(id.profile, None);
}

#[test]
fn refuses_what_must_be_refused() {
    let v = hs_verifier();
    let cases = [
        (json!({"sub": "7", "exp": NOW - 31}), Rejection::Expired),
        (
            json!({"sub": "7", "exp": NOW + 60, "nbf": NOW + 120}),
            Rejection::NotYetValid,
        ),
        (
            json!({"sub": "7", "exp": "9999999999"}),
            Rejection::Malformed("exp"),
        ),
        (json!({"sub": "7"}), Rejection::Malformed("exp")),
        (json!({"exp": NOW + 60}), Rejection::Malformed("sub")),
        (
            json!({"sub": "x7", "exp": NOW + 60}),
            Rejection::Malformed("sub"),
        ),
        (
            json!({"sub": "-7", "exp": NOW + 60}),
            Rejection::Malformed("sub"),
        ),
        (
            json!({"sub": "99999999999999999999", "exp": NOW + 60}),
            Rejection::Malformed("sub"),
        ),
        (
            json!({"sub": "7", "exp": NOW + 60, "channel": "x"}),
            Rejection::WrongKind,
        ),
    ];
    for (claims, expected) in cases {
        assert_eq!(v.verify(&hs(&claims), NOW), Err(expected), "{claims}");
    }
}

#[test]
fn expiry_within_the_leeway_is_accepted() {
    let t = hs(&json!({"sub": "7", "exp": NOW - 29}));
    assert!(hs_verifier().verify(&t, NOW).is_ok());
}

#[test]
fn the_algorithm_comes_from_config_not_from_the_token() {
    let v = hs_verifier();
    // alg none, in every casing, with an empty signature.
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = base64url(&json!({"alg": alg, "typ": "JWT"}).to_string());
        let body = base64url(&json!({"sub": "7", "exp": NOW + 60}).to_string());
        assert!(
            v.verify(&format!("{header}.{body}."), NOW).is_err(),
            "{alg}"
        );
    }
    // HS256 signed with the RSA public key's bytes against an RS256 verifier.
    let rs = Verifier::from_config(&AuthConfig {
        public_key: fixture("passport-public.pem"),
        ..AuthConfig::default()
    })
    .unwrap();
    let public = std::fs::read(fixture("passport-public.pem")).unwrap();
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "7", "exp": NOW + 60}),
        &EncodingKey::from_secret(&public).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        rs.verify(&forged, NOW),
        Err(Rejection::Signature(_))
    ));
}

#[test]
fn audience_and_issuer_allow_lists_apply() {
    let config = AuthConfig {
        secret: Secret::new(SECRET),
        issuers: vec!["https://app.example".into()],
        audiences: vec!["chat".into()],
        leeway: Duration::secs(0),
        ..AuthConfig::default()
    };
    let v = Verifier::from_config(&config).unwrap();
    let ok = hs(
        &json!({"sub": "1", "exp": NOW + 9, "iss": "https://app.example", "aud": ["x", "chat"]}),
    );
    assert!(v.verify(&ok, NOW).is_ok());
    let foreign_aud =
        hs(&json!({"sub": "1", "exp": NOW + 9, "iss": "https://app.example", "aud": "other"}));
    assert_eq!(v.verify(&foreign_aud, NOW), Err(Rejection::Audience));
    let foreign_iss =
        hs(&json!({"sub": "1", "exp": NOW + 9, "iss": "https://evil", "aud": "chat"}));
    assert_eq!(v.verify(&foreign_iss, NOW), Err(Rejection::Issuer));
}

#[test]
fn minted_tokens_verify() {
    let profile = Profile {
        name: "Bob".into(),
        email: "b@x".into(),
        avatar: None,
    };
    let t = mint(SECRET, 9, &profile, 60, NOW).unwrap();
    assert_eq!(hs_verifier().verify(&t, NOW).unwrap().user_id, 9);
}

#[test]
fn es256_public_keys_are_recognised() {
    let v = Verifier::from_config(&AuthConfig {
        public_key: fixture("ec-public.pem"),
        ..AuthConfig::default()
    })
    .unwrap();
    let private = std::fs::read(fixture("ec-private-pk8.pem")).unwrap();
    let t = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &json!({"sub": "5", "exp": NOW + 60}),
        &EncodingKey::from_ec_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(v.verify(&t, NOW).unwrap().user_id, 5);
}

fn base64url(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

//! The questions of `chatctl init` (dialoguer, run off the async runtime) and the checks
//! behind each answer: the database by connecting, a public key by loading it as `serve` would.

use anyhow::Context;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Input, Select};

use super::super::exit::{DATABASE, config_error, failure};
use super::Opts;
use crate::auth::api::Verifier;
use crate::centrifugo::server_config::random_secret;
use crate::config::Secret;
use crate::config::starter::{self, ApiAuth};
use crate::db::Db;

/// The database URL from the flag or the operator, checked by connecting (which creates a
/// SQLite file).
pub(super) async fn database(flag: Option<String>, ask: bool) -> anyhow::Result<String> {
    loop {
        let url = match (&flag, ask) {
            (Some(url), _) => starter::check_database_url(url).map_err(config_error)?,
            (None, false) => "sqlite://chatctl.db".to_string(),
            (None, true) => {
                let kinds = [
                    "SQLite file (embedded, nothing to install)",
                    "PostgreSQL server",
                ];
                match prompt(move || {
                    Select::with_theme(&ColorfulTheme::default())
                        .with_prompt("Database")
                        .items(kinds)
                        .default(0)
                        .interact()
                })
                .await?
                {
                    0 => format!(
                        "sqlite://{}",
                        prompt_text("SQLite file", "chatctl.db", false, |_| Ok(())).await?
                    ),
                    _ => {
                        prompt_text(
                            "PostgreSQL URL (postgres://USER:PASS@HOST:5432/DB)",
                            "",
                            false,
                            |t| starter::check_database_url(t).map(drop),
                        )
                        .await?
                    }
                }
            }
        };
        let config = crate::config::DatabaseConfig {
            url: Secret::new(url.clone()),
            ..Default::default()
        };
        match Db::connect(&config).await {
            Ok(db) => {
                let ping = db.ping().await;
                db.close().await;
                match ping {
                    Ok(()) => return Ok(url),
                    Err(e) if !ask || flag.is_some() => {
                        return Err(failure(DATABASE, e.to_string()));
                    }
                    Err(e) => eprintln!("✗ {e}"),
                }
            }
            Err(e) if !ask || flag.is_some() => return Err(failure(DATABASE, e.to_string())),
            Err(e) => eprintln!("✗ {e}"),
        }
    }
}

/// How API tokens are verified: the key given (loaded to check it), or a fresh HS256 secret.
pub(super) async fn api_auth(opts: &Opts, ask: bool) -> anyhow::Result<(ApiAuth, Vec<String>)> {
    let key = match (&opts.auth_public_key, ask) {
        (Some(path), _) => Some(path.display().to_string()),
        (None, false) => None,
        (None, true) => {
            let kinds = [
                "Generate an HS256 secret (your application signs its tokens with it)",
                "A public key file (RS256/ES256), e.g. Laravel Passport's storage/oauth-public.key",
            ];
            match prompt(move || {
                Select::with_theme(&ColorfulTheme::default())
                    .with_prompt("API tokens")
                    .items(kinds)
                    .default(0)
                    .interact()
            })
            .await?
            {
                0 => None,
                _ => Some(
                    prompt_text("Public key file", "", false, |t| check_key(t).map(drop)).await?,
                ),
            }
        }
    };
    let Some(key) = key else {
        return Ok((ApiAuth::Secret(random_secret()), opts.audiences.clone()));
    };
    let key = check_key(&key).map_err(config_error)?;
    let audiences = if opts.audiences.is_empty() && ask {
        let answer = prompt_text(
            "Accepted audiences, comma-separated (for Passport: the OAuth client id; empty: any)",
            "",
            true,
            |_| Ok(()),
        )
        .await?;
        answer
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(String::from)
            .collect()
    } else {
        opts.audiences.clone()
    };
    Ok((ApiAuth::PublicKey(key), audiences))
}

/// Loads the key as `serve` would; returns its absolute path.
fn check_key(path: &str) -> Result<String, String> {
    let absolute = std::path::absolute(path.trim()).map_err(|e| format!("{path}: {e}"))?;
    let auth = crate::config::AuthConfig {
        public_key: absolute.display().to_string(),
        ..Default::default()
    };
    Verifier::from_config(&auth)?;
    Ok(auth.public_key)
}

/// Runs a blocking prompt off the async runtime.
async fn prompt<T: Send + 'static>(
    f: impl FnOnce() -> dialoguer::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let answer = tokio::task::spawn_blocking(f)
        .await
        .context("BUG: prompt task failed")?;
    answer.map_err(|e| {
        config_error(format!(
            "no answer ({e}): run chatctl init in a terminal, or with --yes"
        ))
    })
}

pub(super) async fn prompt_text(
    question: &str,
    default: &str,
    allow_empty: bool,
    check: fn(&str) -> Result<(), String>,
) -> anyhow::Result<String> {
    let (question, default) = (question.to_string(), default.to_string());
    prompt(move || {
        let theme = ColorfulTheme::default();
        let mut input = Input::<String>::with_theme(&theme)
            .with_prompt(question)
            .allow_empty(allow_empty)
            .validate_with(move |t: &String| check(t));
        if !default.is_empty() {
            input = input.default(default);
        }
        input.interact_text()
    })
    .await
    .map(|s| s.trim().to_string())
}

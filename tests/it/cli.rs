//! The binary's contract: help, exit codes, one-line errors, JSON output, completions that
//! match the committed files, and `serve --no-migrate` refusing a stale schema.

use assert_cmd::Command;
use serde_json::Value;

use crate::common::fresh_database_url;

/// The binary with a clean environment: no config file, no inherited chatctl variables.
fn chatctl() -> Command {
    let mut cmd = Command::cargo_bin("chatctl").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir());
    cmd
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_documents_every_command() {
    let output = chatctl().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "token",
        "centrifugo",
        "publish",
        "subscribe",
        "completions",
    ] {
        assert!(
            help.contains(command),
            "{command} missing from --help:\n{help}"
        );
    }
}

#[test]
fn committed_completions_match_the_cli_definition() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/completions");
    for (shell, file) in [
        ("bash", "chatctl.bash"),
        ("zsh", "_chatctl"),
        ("fish", "chatctl.fish"),
        ("powershell", "_chatctl.ps1"),
    ] {
        let output = chatctl().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let committed = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        assert!(
            committed == String::from_utf8(output.stdout).unwrap(),
            "completions/{file} is stale: regenerate with `chatctl completions {shell} > completions/{file}`"
        );
    }
}

#[test]
fn a_bad_database_url_names_the_variable_and_a_valid_form() {
    let output = chatctl()
        .args(["migrate", "status"])
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("DATABASE_URL") && err.contains("sqlite://"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn an_unknown_config_key_is_a_usage_error_naming_it() {
    let dir = tempdir();
    let file = dir.join("chatctl.toml");
    std::fs::write(&file, "[server]\nbnid = \"0.0.0.0:1\"\n").unwrap();
    let output = chatctl()
        .args(["migrate", "status", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("bnid"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn a_missing_explicit_config_file_is_a_usage_error() {
    let output = chatctl()
        .args(["migrate", "status", "--config", "/nonexistent/chatctl.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("does not exist"));
}

#[tokio::test]
async fn migrate_run_then_status_reports_everything_applied() {
    let url = fresh_database_url().await;
    let before = chatctl()
        .args(["migrate", "status", "--json", "--database-url", &url])
        .output()
        .unwrap();
    assert!(before.status.success(), "{}", stderr_of(&before));
    let status: Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(status[0]["state"], "pending");
    let run = chatctl()
        .args(["migrate", "run", "--database-url", &url])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr_of(&run));
    let after = chatctl()
        .args(["migrate", "status", "--json", "--database-url", &url])
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        status
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "applied"),
        "{status}"
    );
}

#[tokio::test]
async fn serve_with_no_migrate_refuses_and_lists_pending_migrations() {
    let url = fresh_database_url().await;
    let output = chatctl()
        .args([
            "serve",
            "--no-migrate",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &url,
        ])
        .env("CHATCTL_AUTH_SECRET", "0123456789abcdef0123")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("pending") && err.contains("1 init") && err.contains("chatctl migrate run"),
        "{err}"
    );
}

#[test]
fn token_json_prints_the_claims_and_a_verifiable_token() {
    let output = chatctl()
        .args([
            "token",
            "42",
            "--ttl",
            "10m",
            "--channel",
            "user-42-chats",
            "--json",
        ])
        .env("CENTRIFUGO_SECRET", "the-centrifugo-secret")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["claims"]["sub"], "42");
    assert_eq!(printed["claims"]["channel"], "user-42-chats");
    let claims = &printed["claims"];
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    let key = jsonwebtoken::DecodingKey::from_secret(b"the-centrifugo-secret").unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    let decoded =
        jsonwebtoken::decode::<Value>(printed["token"].as_str().unwrap(), &key, &validation)
            .unwrap();
    assert_eq!(decoded.claims["channel"], "user-42-chats");
}

#[test]
fn generate_jwt_is_an_alias_and_a_missing_secret_says_what_to_set() {
    let output = chatctl().args(["generate-jwt", "7"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("CENTRIFUGO_SECRET"),
        "{}",
        stderr_of(&output)
    );
    let output = chatctl().args(["token", "7", "--api"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("CHATCTL_AUTH_SECRET"));
}

#[test]
fn centrifugo_config_v6_keeps_subscriptions_closed_and_legacy_keeps_the_original_keys() {
    let v6 = chatctl().args(["centrifugo", "config"]).output().unwrap();
    assert!(v6.status.success());
    let config: Value = serde_json::from_slice(&v6.stdout).unwrap();
    assert!(
        config["channel"]["without_namespace"]
            .get("allow_subscribe_for_client")
            .is_none()
    );
    assert!(
        stderr_of(&v6).contains("CENTRIFUGO_SECRET="),
        "fresh secrets are reported"
    );
    let open = chatctl()
        .args(["centrifugo", "config", "--insecure-open-subscriptions"])
        .output()
        .unwrap();
    assert!(stderr_of(&open).contains("WARNING"));
    let legacy = chatctl()
        .args(["centrifugo", "config", "--format", "legacy"])
        .output()
        .unwrap();
    let config: Value = serde_json::from_slice(&legacy.stdout).unwrap();
    assert_eq!(config.as_object().unwrap().len(), 7);
}

#[test]
fn a_closed_stdout_pipe_exits_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("chatctl");
    let mut child = std::process::Command::new(bin)
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code() == Some(0), "exit {status:?}: {err}");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "chatctl-cli-{}-{}",
        std::process::id(),
        chatctl::model::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

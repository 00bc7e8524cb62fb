//! `chatctl init`: refusing without a terminal, writing a chatctl.toml that chatctl reads and a
//! Centrifugo config with the same secrets, refusing to overwrite, checking keys and databases.

use std::path::{Path, PathBuf};

use chatctl::config::Config;
use serde_json::Value;

use super::cli_admin::chatctl;
use crate::common::fresh_database_url;

fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "chatctl-init-{}-{}-{n}",
        std::process::id(),
        chatctl::model::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn init(dir: &Path, extra: &[&str]) -> std::process::Output {
    chatctl()
        .arg("init")
        .arg("--out-dir")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn without_a_terminal_and_without_yes_init_stops_with_one_line() {
    let dir = tempdir();
    let output = init(&dir, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("no terminal") && err.contains("--yes"),
        "{err}"
    );
    assert!(!dir.join("chatctl.toml").exists());
}

#[tokio::test]
async fn init_yes_writes_a_config_chatctl_reads_and_a_centrifugo_config_with_the_same_secrets() {
    let dir = tempdir();
    let url = fresh_database_url().await;
    let args = [
        "--yes",
        "--database-url",
        &url,
        "--centrifugo-url",
        "http://127.0.0.1:8123",
        "--origin",
        "https://app.example",
        "--origin",
        "http://localhost:3000/",
    ];
    let output = init(&dir, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = String::from_utf8(output.stdout).unwrap();
    for next in [
        "centrifugo -c centrifugo.json",
        "chatctl centrifugo check",
        "chatctl serve",
        "cd ",
    ] {
        assert!(out.contains(next), "{next} missing from:\n{out}");
    }
    let toml_path = dir.join("chatctl.toml");
    let text = std::fs::read_to_string(&toml_path).unwrap();
    let config = Config::from_toml(&text, "chatctl.toml").unwrap();
    assert_eq!(config.database.url.expose(), url);
    assert_eq!(
        config.server.cors_origins,
        ["https://app.example", "http://localhost:3000"]
    );
    assert_eq!(config.auth.secret.expose().len(), 64);
    assert!(text.contains("\n# "), "keys are commented");
    assert!(!text.contains("[limits]"), "defaults are left out");

    let centrifugo: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("centrifugo.json")).unwrap())
            .unwrap();
    assert_eq!(
        centrifugo["client"]["token"]["hmac_secret_key"],
        config.centrifugo.secret.expose()
    );
    assert_eq!(
        centrifugo["http_api"]["key"],
        config.centrifugo.api_key.expose()
    );
    assert_eq!(centrifugo["http_server"]["port"], 8123);
    assert_eq!(
        centrifugo["client"]["allowed_origins"][0],
        "https://app.example"
    );
    assert!(
        centrifugo["channel"]["without_namespace"]
            .get("allow_subscribe_for_client")
            .is_none()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&toml_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "secrets are private: {mode:o}");
    }
    // chatctl runs on the written file as is.
    let token = chatctl()
        .args(["token", "1", "--api", "--config"])
        .arg(&toml_path)
        .output()
        .unwrap();
    assert!(token.status.success(), "{}", stderr(&token));
}

#[tokio::test]
async fn init_refuses_to_overwrite_without_force() {
    let dir = tempdir();
    let url = fresh_database_url().await;
    let first = init(&dir, &["--yes", "--database-url", &url]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = std::fs::read_to_string(dir.join("chatctl.toml")).unwrap();
    let again = init(&dir, &["--yes", "--database-url", &url]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(dir.join("chatctl.toml")).unwrap(),
        before
    );
    let forced = init(&dir, &["--yes", "--force", "--database-url", &url]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(
        std::fs::read_to_string(dir.join("chatctl.toml")).unwrap(),
        before,
        "fresh secrets"
    );
}

#[tokio::test]
async fn init_loads_the_public_key_it_is_given() {
    let dir = tempdir();
    let url = fresh_database_url().await;
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/passport-public.pem"
    );
    let output = init(
        &dir,
        &[
            "--yes",
            "--database-url",
            &url,
            "--auth-public-key",
            key,
            "--auth-audience",
            "3",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let config = Config::from_toml(
        &std::fs::read_to_string(dir.join("chatctl.toml")).unwrap(),
        "t",
    )
    .unwrap();
    assert_eq!(config.auth.public_key, key);
    assert!(config.auth.secret.is_empty());
    assert_eq!(config.auth.audiences, ["3"]);

    let not_a_key = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let other = tempdir();
    let output = init(
        &other,
        &[
            "--yes",
            "--database-url",
            &url,
            "--auth-public-key",
            not_a_key,
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not an RSA or EC public key"),
        "{}",
        stderr(&output)
    );
    assert!(
        !other.join("chatctl.toml").exists(),
        "nothing written on a refusal"
    );
}

#[test]
fn init_checks_the_database_by_connecting() {
    let dir = tempdir();
    let output = init(
        &dir,
        &[
            "--yes",
            "--database-url",
            "postgres://nobody:pw@127.0.0.1:1/chat",
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(!dir.join("chatctl.toml").exists());
    let output = init(&dir, &["--yes", "--database-url", "mysql://x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("DATABASE_URL"),
        "{}",
        stderr(&output)
    );
}

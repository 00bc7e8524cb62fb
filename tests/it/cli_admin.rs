//! The operator commands' contract: `inspect` and `users add|list|show` (help, exit codes,
//! JSON shapes, refusals), on the backend under test, and the helpers the other cli_* files
//! share. Inspecting real data: cli_inspect.rs; imports: cli_import.rs; init: cli_init.rs.

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::common::fresh_database_url;

/// The binary with a clean environment: no config file, no inherited chatctl variables.
pub fn chatctl() -> Command {
    let mut cmd = Command::cargo_bin("chatctl").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir());
    cmd
}

/// Runs chatctl with `args` against `url`; returns (exit code, stdout, stderr).
pub fn run(url: &str, args: &[&str]) -> (i32, String, String) {
    let output = chatctl()
        .args(args)
        .args(["--database-url", url])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs chatctl expecting success and JSON on stdout.
pub fn json_of(url: &str, args: &[&str]) -> Value {
    let (code, out, err) = run(url, args);
    assert_eq!(code, 0, "chatctl {args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"))
}

/// A fresh database with the schema applied.
pub async fn migrated_database() -> String {
    let url = fresh_database_url().await;
    let (code, _, err) = run(&url, &["migrate", "run"]);
    assert_eq!(code, 0, "{err}");
    url
}

pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn help_documents_the_operator_commands() {
    let (_, help, _) = run("sqlite://x.db", &["--help"]);
    for command in ["init", "users", "inspect"] {
        assert!(help.contains(command), "{command} missing:\n{help}");
    }
    let (_, help, _) = run("sqlite://x.db", &["inspect", "--help"]);
    for what in ["users", "chats", "messages", "outbox", "stats"] {
        assert!(help.contains(what), "{what} missing:\n{help}");
    }
    let (_, help, _) = run("sqlite://x.db", &["inspect", "chats", "--help"]);
    assert!(
        help.contains("--user") && help.contains("GET /api/chats") && help.contains("--json"),
        "{help}"
    );
    let (_, help, _) = run("sqlite://x.db", &["users", "import", "--help"]);
    assert!(
        help.contains("id,name,email,avatar") && help.contains("exits 6"),
        "{help}"
    );
}

#[tokio::test]
async fn operator_commands_refuse_a_database_without_the_schema() {
    let url = fresh_database_url().await;
    for args in [
        &["inspect", "stats"][..],
        &["users", "list"],
        &["users", "add", "1", "--name", "A"],
    ] {
        let (code, out, err) = run(&url, args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("chatctl migrate run"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[tokio::test]
async fn inspect_on_an_empty_database_shows_nothing_and_zero_counts() {
    let url = migrated_database().await;
    for what in ["users", "chats", "messages", "outbox"] {
        assert_eq!(
            json_of(&url, &["inspect", what, "--json"]),
            json!([]),
            "{what}"
        );
        let (code, out, err) = run(&url, &["inspect", what]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.is_empty() && err.contains("no "),
            "{what}: {out} / {err}"
        );
    }
    let stats = json_of(&url, &["inspect", "stats", "--json"]);
    assert_eq!(
        keys(&stats),
        [
            "backend",
            "chats",
            "dead_letter_reasons",
            "last_message_at",
            "messages",
            "outbox_dead",
            "outbox_oldest_pending_at",
            "outbox_pending",
            "outbox_retrying",
            "users",
            "users_online"
        ]
    );
    assert_eq!(stats["backend"], crate::common::backend());
    assert_eq!(
        (stats["users"].as_i64(), stats["messages"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(stats["last_message_at"], Value::Null);
    let (code, _, err) = run(&url, &["inspect", "users", "--user", "42"]);
    assert_eq!(code, 4, "an unknown user is not found: {err}");
}

#[tokio::test]
async fn users_add_show_and_list() {
    let url = migrated_database().await;
    let (code, out, err) = run(
        &url,
        &[
            "users",
            "add",
            "1",
            "--name",
            "Anna",
            "--email",
            "anna@example.com",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created user 1"), "{out}");
    let (_, out, _) = run(&url, &["users", "add", "--id", "1", "--name", "Anna K"]);
    assert!(out.contains("updated user 1"), "{out}");
    let added = json_of(
        &url,
        &[
            "users",
            "add",
            "2",
            "--name",
            "Boris",
            "--avatar",
            "https://a/b.png",
            "--json",
        ],
    );
    assert_eq!(added["avatar"], "https://a/b.png");
    let shown = json_of(&url, &["users", "show", "1", "--json"]);
    assert_eq!(
        keys(&shown),
        [
            "avatar",
            "chats",
            "created_at",
            "email",
            "id",
            "is_online",
            "last_active_at",
            "last_seen_at",
            "name",
            "unread_count",
            "updated_at"
        ]
    );
    assert_eq!(
        (shown["name"].as_str(), shown["email"].as_str()),
        (Some("Anna K"), Some(""))
    );
    let listed = json_of(&url, &["users", "list", "--json", "--after", "1"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], 2);
    let (code, out, _) = run(&url, &["users", "list"]);
    assert_eq!(code, 0);
    assert!(out.contains("Anna K") && out.contains("Boris"), "{out}");

    let (code, _, err) = run(&url, &["users", "show", "99"]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = run(&url, &["users", "add", "3", "--name", "  "]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name"), "{err}");
    let (code, _, err) = run(
        &url,
        &["users", "add", "3", "--name", "C", "--email", "nope"],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&url, &["users", "add", "--name", "No id"]);
    assert_eq!(code, 2, "clap refuses a missing id: {err}");
}

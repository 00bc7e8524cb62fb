//! `chatctl users import`: counts of created, updated, unchanged and rejected rows, rejects
//! with their line numbers, idempotent re-runs, JSON lines from stdin, and the speed of a
//! 100,000-user import.

use std::time::Instant;

use serde_json::{Value, json};

use super::cli_admin::{chatctl, json_of, migrated_database, run};

fn write(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join("chatctl-import-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}-{}-{name}",
        std::process::id(),
        chatctl::model::now_ms()
    ));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn import_counts_rows_and_names_every_rejected_line() {
    let url = migrated_database().await;
    run(&url, &["users", "add", "2", "--name", "Old Boris"]);
    run(&url, &["users", "add", "3", "--name", "Clara"]);
    let csv = "id,name,email,avatar\n\
               1,Anna,anna@example.com,\n\
               2,Boris,,https://a/b.png\n\
               3,Clara,,\n\
               x,Bad id,,\n\
               5,,,\n\
               6,\"Doe, Jo\",jo@example.com,\n\
               7,Seven,not-an-email,\n";
    let file = write("users.csv", csv);
    let (code, out, err) = run(&url, &["users", "import", &file, "--json"]);
    assert_eq!(code, 6, "some rows rejected: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("lines 5, 6, 8"), "{err}");
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "no progress bar off a terminal: {err:?}"
    );
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["created"], 2);
    assert_eq!(summary["updated"], 1);
    assert_eq!(summary["unchanged"], 1);
    assert_eq!(summary["rejected"], 3);
    assert_eq!(summary["dry_run"], false);
    let lines: Vec<i64> = summary["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6, 8]);
    assert!(
        summary["rejects"][1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("name:")
    );
    assert_eq!(
        json_of(&url, &["users", "show", "6", "--json"])["name"],
        "Doe, Jo"
    );
    assert_eq!(
        json_of(&url, &["users", "show", "2", "--json"])["avatar"],
        "https://a/b.png"
    );

    // The same file again changes nothing; the table summary names the lines too.
    let (code, out, _) = run(&url, &["users", "import", &file]);
    assert_eq!(code, 6);
    assert!(
        out.starts_with("imported 7 rows: 0 created, 0 updated, 4 unchanged, 3 rejected"),
        "{out}"
    );
    assert!(out.contains("line 5: id:"), "{out}");
}

#[tokio::test]
async fn dry_run_writes_nothing_and_jsonl_reads_from_stdin() {
    let url = migrated_database().await;
    let jsonl = "{\"id\": 1, \"name\": \"Anna\"}\n{\"id\": \"2\", \"name\": \"Boris\", \"email\": \"b@example.com\"}\n";
    let output = chatctl()
        .args([
            "users",
            "import",
            "-",
            "--dry-run",
            "--json",
            "--database-url",
            &url,
        ])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (summary["created"].as_i64(), summary["dry_run"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(json_of(&url, &["users", "list", "--json"]), json!([]));
    let output = chatctl()
        .args(["users", "import", "-", "--database-url", &url])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        json_of(&url, &["users", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_file_without_id_and_name_columns_is_refused_before_anything_is_written() {
    let url = migrated_database().await;
    let file = write("bad.csv", "user_id,full_name\n1,Anna\n");
    let (code, _, err) = run(&url, &["users", "import", &file]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("id and name") && err.contains("line 1"),
        "{err}"
    );
    let (code, _, err) = run(&url, &["users", "import", "/nonexistent/users.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot open"), "{err}");
}

#[tokio::test]
async fn importing_100_000_users_takes_seconds() {
    let url = migrated_database().await;
    let mut csv = String::from("id,name,email,avatar\n");
    for id in 1..=100_000 {
        csv += &format!("{id},User {id},user{id}@example.com,https://cdn.example/{id}.png\n");
    }
    let file = write("100k.csv", &csv);
    let started = Instant::now();
    let summary = json_of(&url, &["users", "import", &file, "--json"]);
    let first = started.elapsed();
    assert_eq!(summary["created"], 100_000);
    let started = Instant::now();
    let again = json_of(&url, &["users", "import", &file, "--json"]);
    let second = started.elapsed();
    assert_eq!(again["unchanged"], 100_000);
    eprintln!(
        "import of 100,000 users on {}: {first:.2?} (again, unchanged: {second:.2?})",
        crate::common::backend()
    );
    assert!(first.as_secs() < 60, "took {first:?}");
    let stats = json_of(&url, &["inspect", "stats", "--json"]);
    assert_eq!(stats["users"], 100_000);
}

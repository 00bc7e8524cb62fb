//! `inspect` on real data made through the API: a user's chat list is the API's, the table
//! shows the same facts as the JSON, messages keep their read state, and the outbox shows its
//! backlog and dead letters with their reasons.

use serde_json::{Value, json};

use super::cli_admin::{json_of, keys, run};
use crate::common::TestApp;

#[tokio::test]
async fn inspect_shows_chats_messages_and_the_outbox_with_the_same_facts_as_json() {
    let app = TestApp::spawn().await;
    let url = app.service.config().database.url.expose().to_string();
    let anna = app.user(1, "Anna").await;
    let boris = app.user(2, "Boris").await;
    let chat = app.chat(&anna, 2).await;
    app.send(&anna, chat, "hello Boris").await;
    let last = app.send(&boris, chat, "hi Anna").await;

    // Anna's view: what GET /api/chats gives her, in JSON and in the table.
    let (_, api) = app.get("/api/chats", &anna).await;
    let list = json_of(&url, &["inspect", "chats", "--user", "1", "--json"]);
    assert_eq!(list, api, "inspect chats --user is the API's chat list");
    let (code, table, err) = run(&url, &["inspect", "chats", "--user", "1"]);
    assert_eq!(code, 0, "{err}");
    let item = &list[0];
    for fact in [
        item["id"].to_string(),
        format!("2 {}", item["companion_name"].as_str().unwrap()),
        item["unread_count"].to_string(),
        item["last_message"]["id"].to_string(),
        item["last_message"]["text"].as_str().unwrap().to_string(),
        item["last_message"]["timestamp"]
            .as_str()
            .unwrap()
            .to_string(),
        format!(
            "2 {}",
            item["last_message"]["sender_name"].as_str().unwrap()
        ),
    ] {
        assert!(
            table.contains(&fact),
            "{fact} missing from the table:\n{table}"
        );
    }
    assert_eq!(item["unread_count"], 1);

    let all = json_of(&url, &["inspect", "chats", "--json"]);
    assert_eq!(
        keys(&all[0]),
        ["created_at", "id", "kind", "last_message", "members"]
    );
    let members = all[0]["members"].as_array().unwrap();
    assert_eq!(
        members[0]["unread_count"], 1,
        "Anna has not read Boris's reply"
    );
    assert_eq!(members[1]["last_read_message_id"], last["id"]);

    let messages = json_of(
        &url,
        &["inspect", "messages", "--chat", &chat.to_string(), "--json"],
    );
    assert_eq!(messages[0]["text"], "hi Anna", "newest first");
    assert_eq!(messages[0]["was_read"], false, "inspecting does not read");
    assert_eq!(messages[1]["was_read"], true);
    let page = json_of(
        &url,
        &[
            "inspect",
            "messages",
            "--json",
            "--limit",
            "1",
            "--before",
            &last["id"].to_string(),
        ],
    );
    assert_eq!(page[0]["text"], "hello Boris");
    assert_eq!(
        json_of(&url, &["inspect", "chats", "--user", "1", "--json"])[0]["unread_count"],
        1
    );
    let users = json_of(
        &url,
        &["inspect", "users", "--chat", &chat.to_string(), "--json"],
    );
    assert_eq!(users.as_array().unwrap().len(), 2);

    // Realtime is off here, so every event waits in the outbox; bury one as Centrifugo would.
    let outbox = json_of(&url, &["inspect", "outbox", "--json", "--user", "1"]);
    assert!(!outbox.as_array().unwrap().is_empty());
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "pending")
    );
    let id = outbox[0]["id"].as_i64().unwrap();
    let mut conn = app.service.db().acquire().await.unwrap();
    chatctl::db::outbox::bury(&mut conn, &[id], "unknown channel")
        .await
        .unwrap();
    drop(conn);
    let dead = json_of(&url, &["inspect", "outbox", "--dead", "--json"]);
    assert_eq!(dead[0]["last_error"], "unknown channel");
    assert_eq!(dead[0]["next_attempt_at"], Value::Null);
    let stats = json_of(&url, &["inspect", "stats", "--json"]);
    assert_eq!(
        stats["dead_letter_reasons"],
        json!([{"reason": "unknown channel", "count": 1}])
    );
    assert_eq!(stats["messages"], 2);
    let (_, table, _) = run(&url, &["inspect", "outbox", "--dead"]);
    assert!(table.contains("unknown channel"), "{table}");
}

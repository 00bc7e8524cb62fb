//! The number of SQL statements a request runs does not grow with the data: the chat list of
//! a user with 20 chats and of one with 1,000, a page of a chat with 2, 1,000 and 10,000
//! messages, and the relay's rendering of the chat lists of 2 users or of 1,008. Statements are counted from sqlx's own per-statement `sqlx::query` tracing
//! event (emitted by the driver for every statement it executes, `begin`/`commit`
//! included; a new connection's set-up statements are left out), so nothing in chatctl has
//! to cooperate. A binary of its own because the
//! counter is process-wide: in `tests/it` the other tests' statements would mix in. It uses
//! the same harness (`tests/it/common.rs`, `CHATCTL_TEST_BACKEND`).

#[path = "it/common.rs"]
mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chatctl::bench::seed;
use chatctl::db::Db;
use common::TestApp;
use reqwest::StatusCode;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);
/// The statements' summaries (sqlx's `summary` field), for the failure messages.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Counts sqlx's per-statement events.
struct CountStatements;

struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            // A connection the pool opens mid-request runs its set-up (sqlx's own pragmas,
            // `Db::connect`'s after_connect) once per connection, not per request.
            let text = summary.0.to_ascii_lowercase();
            if text.contains("set time zone") || text.contains("pragma ") {
                return;
            }
            SEEN.lock().unwrap().push(summary.0);
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Statements run while serving one GET (nothing else touches the database meanwhile:
/// the test app runs no relay or sweeper). Asserts the request succeeded.
async fn statements_for(app: &TestApp, path: &str, token: &str) -> (u64, serde_json::Value) {
    SEEN.lock().unwrap().clear();
    let before = STATEMENTS.load(Ordering::SeqCst);
    let (status, body) = app.get(path, token).await;
    let after = STATEMENTS.load(Ordering::SeqCst);
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    eprintln!("{path}: {:?}", SEEN.lock().unwrap());
    (after - before, body)
}

#[tokio::test]
async fn statements_per_request_do_not_grow_with_chats_or_messages() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountStatements))
        .expect("the only subscriber of this binary");
    let app = TestApp::spawn().await;
    // Seed on a connection of its own: the seeder relaxes foreign keys for its session.
    let db = Db::connect(&app.service.config().database).await.unwrap();
    seed::seed(&db, 10_000, chatctl::model::now_ms())
        .await
        .unwrap();
    db.close().await;

    // Warm up both users (provisioning on first sight may write) and the statement cache.
    let hub20 = app.token(seed::HUB20, "Bench User 1001");
    let hub1000 = app.token(seed::HUB1000, "Bench User 1002");
    for token in [&hub20, &hub1000] {
        statements_for(&app, "/api/chats", token).await;
    }
    let (n20, list20) = statements_for(&app, "/api/chats", &hub20).await;
    let (n1000, list1000) = statements_for(&app, "/api/chats", &hub1000).await;
    let rows = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    assert_eq!(rows(&list20), 20, "{list20}");
    assert!(rows(&list1000) > rows(&list20), "the big list is bigger");
    assert!(n20 > 0, "the counter sees the driver's statements");
    assert_eq!(
        n20, n1000,
        "GET /api/chats: {n20} statements for 20 chats, {n1000} for 1,000"
    );

    let (a, _) = seed::members(1);
    let (small, _) = seed::SMALL_PAIR;
    let (big, _) = seed::BIG_PAIR;
    let chats = [
        (1, a, 2),
        (seed::SMALL_CHAT, small, seed::SMALL_CHAT_MESSAGES),
        (seed::BIG_CHAT, big, 10_000),
    ];
    let mut counts = Vec::new();
    for (chat, user, messages) in chats {
        let token = app.token(user, &format!("Bench User {user}"));
        let path = format!("/api/chats/{chat}/messages");
        statements_for(&app, &path, &token).await;
        let (n, page) = statements_for(&app, &path, &token).await;
        assert!(page.to_string().contains("text"), "{page}");
        counts.push((messages, n));
    }
    eprintln!("GET /api/chats: {n20} statements; GET messages (messages, statements): {counts:?}");
    assert!(
        counts.iter().all(|&(_, n)| n == counts[0].1),
        "GET messages, (messages in chat, statements): {counts:?}"
    );

    // The relay renders all chat lists of a pass together: 2 users or all 1,008 (a pass claims
    // at most `relay.batch_size`, 2000 by default, rows), 1 chat or 1,000 each, the same
    // statements.
    let few = [seed::HUB20, seed::HUB1000];
    let all: Vec<i64> = (1..=seed::LAST_USER).collect();
    let mut lists = Vec::new();
    for users in [&few[..], &all[..]] {
        SEEN.lock().unwrap().clear();
        let before = STATEMENTS.load(Ordering::SeqCst);
        let rendered = app.service.chat_lists_of(users).await.unwrap();
        let n = STATEMENTS.load(Ordering::SeqCst) - before;
        assert_eq!(rendered.len(), users.len(), "a list for every user");
        eprintln!(
            "chat lists of {} users: {:?}",
            users.len(),
            SEEN.lock().unwrap()
        );
        lists.push((users.len(), n));
    }
    assert!(
        lists.iter().all(|&(_, n)| n == lists[0].1),
        "relay chat lists, (users, statements): {lists:?}"
    );
}

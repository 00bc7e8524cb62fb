//! The test application: a fresh database per test (a temporary SQLite file, or a new
//! PostgreSQL database), the real HTTP server on 127.0.0.1:0, and request helpers.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use chatctl::config::{Config, Secret};
use chatctl::db::Db;
use chatctl::db::users::Profile;
use chatctl::service::Service;
use reqwest::StatusCode;
use serde_json::Value;

pub const AUTH_SECRET: &str = "integration-test-secret-0123456789";
pub const CENTRIFUGO_SECRET: &str = "integration-centrifugo-secret";

/// Which backend this run tests.
pub fn backend() -> String {
    std::env::var("CHATCTL_TEST_BACKEND").unwrap_or_else(|_| "sqlite".into())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique name for this test's database.
fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!(
        "{prefix}_{}_{}_{n}",
        std::process::id(),
        chatctl::model::now_ms()
    )
}

/// A database URL of a fresh, empty database.
pub async fn fresh_database_url() -> String {
    match backend().as_str() {
        "postgres" => {
            let admin = std::env::var("TEST_POSTGRES_URL")
                .expect("CHATCTL_TEST_BACKEND=postgres needs TEST_POSTGRES_URL (scripts/postgres.sh prints one)");
            let name = unique("chatctl_test");
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("connect to TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let base = admin
                .rsplit_once('/')
                .expect("TEST_POSTGRES_URL has a database")
                .0;
            format!("{base}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join("chatctl-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", unique("t"))).display()
            )
        }
    }
}

/// The configuration tests run with.
pub fn test_config(database_url: String) -> Config {
    let mut config = Config::default();
    config.database.url = Secret::new(database_url);
    config.auth.secret = Secret::new(AUTH_SECRET);
    config.centrifugo.secret = Secret::new(CENTRIFUGO_SECRET);
    config
}

pub struct TestApp {
    pub base: String,
    pub service: Service,
    pub client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a tweaked configuration.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config(fresh_database_url().await);
        tweak(&mut config);
        let db = Db::connect(&config.database).await.expect("connect");
        db.migrate().await.expect("migrate");
        let service = Service::new(db, config, true).expect("service");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = service.clone();
        tokio::spawn(async move {
            chatctl::http::serve(listener, served, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            base,
            service,
            client: chatctl::centrifugo::http_client(std::time::Duration::from_secs(30)),
            shutdown: Some(tx),
        }
    }

    /// Stops the server (graceful shutdown).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// An API token for `user_id`, provisioning them with `name` on first use.
    pub fn token(&self, user_id: i64, name: &str) -> String {
        mint_token(user_id, name)
    }

    /// Creates a user directly (as `chatctl users add` would) and returns an API token.
    pub async fn user(&self, user_id: i64, name: &str) -> String {
        let profile = Profile {
            name: name.into(),
            email: format!("u{user_id}@example.test"),
            avatar: None,
        };
        self.service.upsert_user(user_id, &profile).await.unwrap();
        self.token(user_id, name)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Creates the chat between the token's user and `companion`; returns its id.
    pub async fn chat(&self, token: &str, companion: i64) -> i64 {
        let (status, body) = self
            .post(
                "/api/chats",
                token,
                serde_json::json!({ "companionId": companion }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["chatId"].as_i64().unwrap()
    }

    /// Sends a message; returns the stored message.
    pub async fn send(&self, token: &str, chat_id: i64, text: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/api/chats/{chat_id}/messages"),
                token,
                serde_json::json!({ "text": text }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Counts rows of a table (for "nothing was stored" assertions).
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
            .fetch_one(self.service.db().pool())
            .await
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// An API token for `user_id` signed with the test secret, valid for an hour; the server
/// provisions the user with `name` on first use.
pub fn mint_token(user_id: i64, name: &str) -> String {
    let profile = Profile {
        name: name.into(),
        email: format!("u{user_id}@example.test"),
        avatar: None,
    };
    chatctl::auth::api::mint(
        AUTH_SECRET,
        user_id,
        &profile,
        3600,
        chatctl::auth::now_secs(),
    )
    .unwrap()
}

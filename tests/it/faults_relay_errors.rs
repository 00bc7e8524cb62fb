//! Centrifugo answering `200` with an error body (security plan check 42): code 100 is
//! retried, with its reason kept, until Centrifugo recovers, and never counted as delivered;
//! code 102 makes a dead letter with its reason after one attempt, and the relay carries on.

use std::time::Duration;

use sqlx::Row;

use crate::common::TestApp;
use crate::faults_centrifugo::setup;
use crate::standin::{Mode, StandIn, eventually, start_background};

/// (state, attempts, last_error) of each outbox row on message channels.
async fn message_rows(app: &TestApp) -> Vec<(i64, i64, Option<String>)> {
    sqlx::query("select state, attempts, last_error from outbox where channel like '%-messages' order by id")
        .fetch_all(app.service.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn an_error_100_in_a_200_answer_is_retried_until_centrifugo_recovers() {
    let standin = StandIn::start(Mode::Error(100)).await;
    let (app, chats) = setup(&standin).await;
    let _relay = start_background(&app);
    let (token, chat) = &chats[0];
    let sent: Vec<i64> = [
        app.send(token, *chat, "a").await,
        app.send(token, *chat, "b").await,
    ]
    .iter()
    .map(|m| m["id"].as_i64().unwrap())
    .collect();
    eventually("retries recorded", Duration::from_secs(10), || async {
        let rows = message_rows(&app).await;
        rows.len() == 2 && rows.iter().all(|(_, attempts, _)| *attempts >= 2)
    })
    .await;
    for (state, _, error) in message_rows(&app).await {
        assert_eq!(state, 0, "still waiting, not dead");
        assert!(
            error.unwrap().contains("Centrifugo error 100"),
            "the reason is kept"
        );
    }
    assert!(
        standin.message_ids().is_empty(),
        "a 200 with an error body is not a delivery"
    );
    standin.set(Mode::Ok);
    eventually(
        "delivered once Centrifugo recovers",
        Duration::from_secs(10),
        || async { message_rows(&app).await.is_empty() && standin.message_ids() == sent },
    )
    .await;
}

#[tokio::test]
async fn an_error_102_in_a_200_answer_is_a_dead_letter_with_its_reason() {
    let standin = StandIn::start(Mode::ErrorEach(102)).await;
    let (app, chats) = setup(&standin).await;
    let _relay = start_background(&app);
    let (token, chat) = &chats[0];
    app.send(token, *chat, "refused for good").await;
    eventually("the row buried", Duration::from_secs(10), || async {
        message_rows(&app)
            .await
            .iter()
            .all(|(state, _, _)| *state == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = message_rows(&app).await;
    assert_eq!(rows.len(), 1);
    let (state, attempts, error) = &rows[0];
    assert_eq!(
        (*state, *attempts),
        (1, 1),
        "dead after one attempt, never retried"
    );
    assert_eq!(
        error.as_deref(),
        Some("Centrifugo error 102: unknown channel")
    );
    // The relay carries on with what comes next.
    standin.set(Mode::Ok);
    let next = app.send(token, *chat, "delivered").await["id"]
        .as_i64()
        .unwrap();
    eventually(
        "the next message delivered and settled",
        Duration::from_secs(10),
        || async { standin.message_ids() == vec![next] && message_rows(&app).await.len() == 1 },
    )
    .await;
    let rows = message_rows(&app).await;
    assert_eq!(rows[0].0, 1, "the dead letter stays for an operator");
}

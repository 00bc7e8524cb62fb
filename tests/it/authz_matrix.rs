//! The authorization matrix (figure R16): every route that names an object, called with that
//! object in five states (the caller's own, someone else's, missing, malformed, overflowing a
//! 64-bit id), each with its documented answer; routes without ids, as the caller only. A
//! leak is any answer other than the documented one, a refusal that tells a foreign object
//! from a missing one or carries more than a message, or a refused call that changed stored
//! state or reached Centrifugo. The test counts combinations and leaks and prints both.
//! Server-owned fields in bodies are in `owned_fields`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::TestApp;
use crate::expect::{members, messages, raw, snapshot};
use crate::standin::{Mode, StandIn, configure};

mod table;

use table::{Case, State, World, cases};

/// Why an answer leaks, if it does.
fn leak(case: &Case, status: StatusCode, body: &Value, w: &World) -> Option<String> {
    if status != case.expected {
        return Some(format!("status {status}, documented {}", case.expected));
    }
    if !status.is_success() {
        let keys: Vec<&String> = body
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let shaped = keys == ["message"] || (status == 422 && keys == ["errors", "message"]);
        if !shaped {
            return Some(format!("refusal carries more than a message: {body}"));
        }
    }
    let text = body.to_string();
    if case.caller == "mallory" && status.is_success() {
        for secret in ["secret from anna", "secret from boris"] {
            if text.contains(secret) {
                return Some(format!("Anna and Boris's messages in {body}"));
            }
        }
        if case.route == "GET /api/chats"
            && body
                .as_array()
                .is_some_and(|l| l.iter().any(|c| c["id"] == w.ab))
        {
            return Some("Anna and Boris's chat in Mallory's list".into());
        }
    }
    None
}

async fn call(app: &TestApp, tokens: &[(&str, String)], case: &Case) -> (StatusCode, Value) {
    let token = &tokens.iter().find(|(n, _)| *n == case.caller).unwrap().1;
    let auth = format!("Bearer {token}");
    let (status, _, body) = raw(
        app,
        case.method.clone(),
        &case.path,
        Some(&auth),
        case.body.clone(),
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn every_route_and_object_state_gets_its_documented_answer_and_nothing_leaks() {
    let standin = StandIn::start(Mode::Ok).await;
    let app = TestApp::spawn_with(|c| configure(c, &standin)).await;
    let tokens = vec![
        ("anna", app.user(1, "Anna").await),
        ("boris", app.user(2, "Boris").await),
        ("mallory", app.user(3, "Mallory").await),
        ("vera", app.user(4, "Vera").await),
    ];
    let (anna, boris, mallory) = (&tokens[0].1, &tokens[1].1, &tokens[2].1);
    let ab = app.chat(anna, 2).await;
    let mv = app.chat(mallory, 4).await;
    let ab_message = app.send(anna, ab, "secret from anna").await["id"]
        .as_i64()
        .unwrap();
    app.send(boris, ab, "secret from boris").await;
    let mv_message = app.send(mallory, mv, "mallory's own").await["id"]
        .as_i64()
        .unwrap();
    let w = World {
        ab,
        ab_message,
        mv_message,
    };
    let all = cases(&w);

    // Refusals first: they must leave Anna and Boris's chat exactly as it was.
    let (rows, cursors, stored) = (
        snapshot(&app).await,
        members(&app).await,
        messages(&app).await,
    );
    let mut leaks = Vec::new();
    let mut refusal_bodies: Vec<(&str, State, Value)> = Vec::new();
    for case in all.iter().filter(|c| !c.expected.is_success()) {
        let (status, body) = call(&app, &tokens, case).await;
        if let Some(why) = leak(case, status, &body, &w) {
            leaks.push(format!(
                "{} / {:?} ({} {}): {why}",
                case.route, case.state, case.method, case.path
            ));
        }
        refusal_bodies.push((case.route, case.state, body));
    }
    assert_eq!(snapshot(&app).await, rows, "refused calls stored nothing");
    assert_eq!(
        members(&app).await,
        cursors,
        "refused calls moved no read cursor"
    );
    assert_eq!(messages(&app).await, stored, "refused calls sent nothing");
    // A foreign chat is indistinguishable from a missing one.
    for (route, _, body) in refusal_bodies
        .iter()
        .filter(|(_, s, _)| *s == State::NonMember)
    {
        let missing = refusal_bodies
            .iter()
            .find(|(r, s, _)| r == route && *s == State::Missing);
        if let Some((_, _, missing)) = missing
            && missing != body
        {
            leaks.push(format!(
                "{route}: non-member {body} differs from missing {missing}"
            ));
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let typed: Vec<_> = standin
        .published()
        .into_iter()
        .filter(|(c, _)| c.starts_with("chat."))
        .collect();
    if !typed.is_empty() {
        leaks.push(format!("refused typing reached Centrifugo: {typed:?}"));
    }

    for case in all.iter().filter(|c| c.expected.is_success()) {
        let (status, body) = call(&app, &tokens, case).await;
        if let Some(why) = leak(case, status, &body, &w) {
            leaks.push(format!(
                "{} / {:?} ({} {}): {why}",
                case.route, case.state, case.method, case.path
            ));
        }
    }
    let routes: std::collections::BTreeSet<&str> = all.iter().map(|c| c.route).collect();
    eprintln!(
        "R16: {} combinations over {} routes and id positions, {} leaks",
        all.len(),
        routes.len(),
        leaks.len()
    );
    assert_eq!(
        all.len(),
        54,
        "the matrix changed: update docs/RELIABILITY.md (R16)"
    );
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

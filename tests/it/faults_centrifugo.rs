//! Centrifugo slow or hung (security plan check 41, figures R3, R4 and R13), with a stand-in
//! where the real server cannot be made to: answering after 5 s or never, sends stay as fast
//! as with a healthy Centrifugo, no 5xx, no database connection is held while the relay waits,
//! and nothing is lost once it recovers. Error answers are in `faults_relay_errors`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::TestApp;
use crate::standin::{Mode, StandIn, configure, eventually, start_background};

/// Senders, messages each: 200 sends in all.
const SENDERS: i64 = 10;
const EACH: usize = 20;

/// What a load run saw: sorted latencies (ms), every status, and when each message's POST
/// was answered.
struct Seen {
    latencies: Vec<f64>,
    statuses: Vec<u16>,
    answered: Vec<(i64, Instant)>,
}

/// Sends from `SENDERS` users at once.
async fn load(app: &TestApp, chats: &[(String, i64)]) -> Seen {
    let tasks: Vec<_> = chats
        .iter()
        .map(|(token, chat)| {
            let (client, base, token, chat) =
                (app.client.clone(), app.base.clone(), token.clone(), *chat);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for n in 0..EACH {
                    let started = Instant::now();
                    let response = client
                        .post(format!("{base}/api/chats/{chat}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({"text": format!("m{n}")}))
                        .send()
                        .await;
                    let (status, id) = match response {
                        Ok(r) => (
                            r.status().as_u16(),
                            r.json::<serde_json::Value>().await.ok(),
                        ),
                        Err(_) => (0, None),
                    };
                    let id = id.and_then(|b| b["id"].as_i64());
                    seen.push((
                        started.elapsed().as_secs_f64() * 1000.0,
                        status,
                        id,
                        Instant::now(),
                    ));
                }
                seen
            })
        })
        .collect();
    let mut out = Seen {
        latencies: Vec::new(),
        statuses: Vec::new(),
        answered: Vec::new(),
    };
    for task in tasks {
        for (ms, status, id, at) in task.await.unwrap() {
            out.latencies.push(ms);
            out.statuses.push(status);
            out.answered.extend(id.map(|id| (id, at)));
        }
    }
    out.latencies.sort_by(f64::total_cmp);
    out
}

/// Outbox lag: from a send's 200 to the stand-in's receipt of its publication (ms, sorted).
fn outbox_lag(seen: &Seen, standin: &StandIn) -> Vec<f64> {
    let first: std::collections::HashMap<i64, Instant> = standin
        .messages()
        .into_iter()
        .rev()
        .map(|(id, p)| (id, p.at))
        .collect();
    let mut lag: Vec<f64> = seen
        .answered
        .iter()
        .filter_map(|(id, done)| {
            first
                .get(id)
                .map(|at| at.saturating_duration_since(*done).as_secs_f64() * 1e3)
        })
        .collect();
    lag.sort_by(f64::total_cmp);
    lag
}

fn p99(sorted: &[f64]) -> f64 {
    sorted[(sorted.len() * 99).div_ceil(100) - 1]
}

pub(crate) async fn setup(standin: &StandIn) -> (TestApp, Vec<(String, i64)>) {
    let app = TestApp::spawn_with(|c| {
        configure(c, standin);
        c.relay.retry_base = chatctl::config::Duration(Duration::from_millis(50));
        c.relay.retry_max = chatctl::config::Duration(Duration::from_millis(500));
    })
    .await;
    let mut chats = Vec::new();
    for user in 1..=SENDERS {
        let token = app.user(user, &format!("Sender {user}")).await;
        app.user(user + 100, "Reader").await;
        let chat = app.chat(&token, user + 100).await;
        chats.push((token, chat));
    }
    (app, chats)
}

/// Connections checked out of the pool right now.
fn in_use(app: &TestApp) -> u32 {
    let pool = app.service.db().pool();
    pool.size() - pool.num_idle() as u32
}

async fn sends_stay_fast_and_nothing_is_lost_while_centrifugo(fault: Mode) {
    let standin = StandIn::start(Mode::Ok).await;
    let (app, chats) = setup(&standin).await;
    let _relay = start_background(&app);
    let healthy = load(&app, &chats).await;
    assert!(
        healthy.statuses.iter().all(|s| *s == 200),
        "{:?}",
        healthy.statuses
    );
    eventually(
        "the healthy run published",
        Duration::from_secs(10),
        || async { standin.message_ids().len() >= healthy.answered.len() },
    )
    .await;
    let lag = outbox_lag(&healthy, &standin);
    eprintln!(
        "R4: outbox lag (200 to publication) p50 {:.1} ms, p99 {:.1} ms",
        lag[lag.len() / 2],
        p99(&lag)
    );

    standin.set(fault);
    let faulty = load(&app, &chats).await;
    let statuses = &faulty.statuses;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "no 5xx, no 503 from an exhausted pool: {statuses:?}"
    );
    // The relay is now waiting on Centrifugo: it must hold no connection while it does (one
    // held across the call would be checked out in every sample).
    let (mut least, mut most) = (u32::MAX, 0);
    for _ in 0..40 {
        let now = in_use(&app);
        (least, most) = (least.min(now), most.max(now));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        least, 0,
        "a connection stays checked out while Centrifugo does not answer"
    );
    let max = app.service.config().database.max_connections;
    assert!(
        most < max,
        "the pool ran dry: {most} of {max} connections in use"
    );
    let (p99_healthy, p99_faulty) = (p99(&healthy.latencies), p99(&faulty.latencies));
    eprintln!(
        "R3: POST /messages p99 {p99_healthy:.1} ms healthy, {p99_faulty:.1} ms with {fault:?}; {least}..{most} of {max} connections in use while the relay waits"
    );
    assert!(p99_faulty < 250.0, "p99 {p99_faulty:.1} ms with {fault:?}");
    assert!(
        p99_faulty < p99_healthy * 3.0 + 50.0,
        "p99 {p99_faulty:.1} ms vs {p99_healthy:.1} ms healthy"
    );

    standin.set(Mode::Ok);
    let ids: BTreeSet<i64> = crate::expect::messages(&app)
        .await
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(ids.len(), 2 * SENDERS as usize * EACH);
    eventually(
        "every message published after recovery",
        Duration::from_secs(30),
        || async { ids.is_subset(&standin.message_ids().into_iter().collect()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_centrifugo_answering_after_5_s_neither_slows_sends_nor_loses_messages() {
    sends_stay_fast_and_nothing_is_lost_while_centrifugo(Mode::Late(Duration::from_secs(5))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_centrifugo_neither_slows_sends_nor_loses_messages() {
    sends_stay_fast_and_nothing_is_lost_while_centrifugo(Mode::Hang).await;
}

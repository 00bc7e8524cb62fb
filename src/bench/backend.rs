//! One backend's run, in order: scratch database and seed; `serve` with the defaults
//! (HTTP ceiling, reads, POST, memory); `serve` with batching off; `serve` with
//! `synchronous=NORMAL` (SQLite); `serve` with a real Centrifugo (relay, delivery).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::Session;
use super::measure::{self, Measured, Tokens, get, mb, measure, post_messages, row};
use super::probes;
use super::realtime;
use super::report::{BackendReport, Row, num};
use super::scratch::Scratch;
use super::seed;
use super::server::{Serve, ServeEnv};
use crate::centrifugo::server_config::random_secret;
use crate::db::Backend;

/// Measures one backend; the scratch database is dropped whatever happens.
pub async fn run(session: &Session) -> anyhow::Result<BackendReport> {
    let scratch = match session.backend {
        Backend::Sqlite => Scratch::sqlite(&session.dir).await?,
        Backend::Postgres => {
            let url = session.plan.postgres_url.as_deref().context(
                "no PostgreSQL server: pass --database-url, set TEST_POSTGRES_URL, or run from the repository (scripts/postgres.sh)",
            )?;
            Scratch::postgres(url).await?
        }
    };
    let result = phases(session, &scratch).await;
    scratch.drop_database().await;
    result
}

async fn phases(session: &Session, scratch: &Scratch) -> anyhow::Result<BackendReport> {
    let plan = &session.plan;
    let name = session.backend.name();
    let sqlite = session.backend == Backend::Sqlite;
    let mut report = BackendReport {
        backend: name.to_string(),
        ..BackendReport::default()
    };
    report
        .notes
        .push(measure::seed_database(scratch, plan).await?);
    let control = scratch.open("full").await?;
    if !sqlite {
        let settings = Scratch::postgres_settings(&control).await;
        report
            .notes
            .push(format!("PostgreSQL server: {}", settings.join(", ")));
    }
    let secret = random_secret();
    let tokens = Arc::new(Tokens::mint(&secret)?);
    let env = ServeEnv {
        database_url: scratch.url.clone(),
        auth_secret: secret,
        ..ServeEnv::default()
    };
    let c = plan.concurrency;
    let f = &mut report.figures;

    // 1. Defaults: the ceiling, the reads and the POST on one server.
    let serve = Serve::start(&session.dir, &format!("{name}-defaults"), &env).await?;
    let (t, pid) = (serve.target.clone(), serve.process.pid);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = probes::rss(pid).map(|(now, _)| now);
    let healthz = measure(
        session,
        &t,
        pid,
        c,
        get(&t, &tokens, "/healthz".into(), None),
    )
    .await?;
    f.healthz_rps = Some(healthz.summary.per_sec);
    let list = |user| get(&t, &tokens, "/api/chats".into(), Some(user));
    let chats20 = measure(session, &t, pid, c, list(seed::HUB20)).await?;
    f.chats20_rps = Some(chats20.summary.per_sec);
    f.chats20_p50_ms = chats20.summary.p50_ms;
    let chats1000 = measure(session, &t, pid, c, list(seed::HUB1000)).await?;
    f.chats1000_p50_ms = chats1000.summary.p50_ms;
    let page = |chat: i64, user| {
        get(
            &t,
            &tokens,
            format!("/api/chats/{chat}/messages"),
            Some(user),
        )
    };
    let small = measure(
        session,
        &t,
        pid,
        c,
        page(seed::SMALL_CHAT, seed::SMALL_PAIR.0),
    )
    .await?;
    f.messages_small_p50_ms = small.summary.p50_ms;
    let big = measure(session, &t, pid, c, page(seed::BIG_CHAT, seed::BIG_PAIR.0)).await?;
    f.messages_big_p50_ms = big.summary.p50_ms;
    let post = measure(session, &t, pid, c, post_messages(&t, &tokens)).await?;
    f.post_rps = Some(post.summary.per_sec);
    f.post_p99_ms = post.summary.p99_ms;
    f.post_cpu_us = post.cpu_us;
    let after = probes::rss(pid);
    let under_load = post.rss_max.max(after.map_or(0, |(now, _)| now));
    f.rss_load_mb = Some(mb(under_load));
    serve.process.stop().await;

    // The same two lists at an equal page size, so page size and number of chats part ways.
    let small_pages = ServeEnv {
        chat_list_max: Some(20),
        ..env.clone()
    };
    let serve = Serve::start(&session.dir, &format!("{name}-list20"), &small_pages).await?;
    let (t20, pid20) = (serve.target.clone(), serve.process.pid);
    let list = |user| get(&t20, &tokens, "/api/chats".into(), Some(user));
    let page20_small = measure(session, &t20, pid20, c, list(seed::HUB20)).await?;
    let page20_big = measure(session, &t20, pid20, c, list(seed::HUB1000)).await?;
    serve.process.stop().await;
    if let (Some(a), Some(b)) = (page20_big.summary.p50_ms, page20_small.summary.p50_ms) {
        report.notes.push(format!(
            "with pages of 20 chats for both users (CHATCTL_CHAT_LIST_MAX=20), 1,000-chat ÷ 20-chat p50 = {}",
            num(a / b)
        ));
    }

    // 2. Batching off: one transaction per request, the naive baseline.
    measure::reset_presence(&control).await?;
    let unbatched = post_with(session, &tokens, &env, "batch1", Some(1), None).await?;
    report.figures.post_unbatched_rps = Some(unbatched.summary.per_sec);

    // 3. SQLite with synchronous=NORMAL: what durability costs.
    let normal = if sqlite {
        measure::reset_presence(&control).await?;
        let m = post_with(session, &tokens, &env, "normal", None, Some("normal")).await?;
        report.figures.post_normal_rps = Some(m.summary.per_sec);
        Some(m)
    } else {
        None
    };

    let list_max = crate::config::Config::default().limits.chat_list_max;
    let rows = &mut report.rows;
    rows.push(row("GET /healthz (HTTP ceiling)", &healthz));
    rows.push(row(
        "POST message, batching off (WRITE_BATCH=1)",
        &unbatched,
    ));
    let defaults = if sqlite {
        "defaults: batching, synchronous=FULL"
    } else {
        "defaults: batching"
    };
    rows.push(row(format!("POST message ({defaults})"), &post));
    if let Some(m) = &normal {
        rows.push(row("POST message, synchronous=NORMAL", m));
    }
    rows.push(row("GET /api/chats, user with 20 chats", &chats20));
    rows.push(row(
        format!("GET /api/chats, user with 1,000 chats (first page: {list_max})"),
        &chats1000,
    ));
    rows.push(row(
        "GET /api/chats, 20 chats, CHAT_LIST_MAX=20",
        &page20_small,
    ));
    rows.push(row(
        "GET /api/chats, 1,000 chats, CHAT_LIST_MAX=20",
        &page20_big,
    ));
    rows.push(row(
        format!(
            "GET messages page, {}-message chat",
            num(seed::SMALL_CHAT_MESSAGES as f64)
        ),
        &small,
    ));
    rows.push(row(
        format!(
            "GET messages page, {}-message chat",
            num(plan.big_messages as f64)
        ),
        &big,
    ));
    rows.push(Row {
        name: "serve RSS: idle → under POST load".into(),
        note: format!(
            "{} MB → {} MB (peak VmHWM {} MB)",
            idle.map_or("?".into(), |b| num(mb(b))),
            num(mb(under_load)),
            after.map_or("?".into(), |(_, hwm)| num(mb(hwm)))
        ),
        ..Row::default()
    });

    // 4. Realtime through a real Centrifugo.
    match &session.centrifugo_bin {
        Some(bin) => {
            let rows = realtime::rows(session, &control, &tokens, &env, bin).await?;
            let (relay, delivery, figures) = rows;
            report.figures.relay_events_per_sec = figures.0;
            report.figures.delivery_p99_ms = figures.1;
            report.rows.push(relay);
            report.rows.push(delivery);
        }
        None => report.notes.push(
            "realtime rows skipped: no Centrifugo binary (pass --centrifugo-bin or CENTRIFUGO_BIN, \
             or run scripts/centrifugo.sh)"
                .into(),
        ),
    }
    report.notes.push(format!(
        "{} at the end of this backend's run",
        super::load_average()
    ));
    control.close().await;
    Ok(report)
}

/// A POST measurement on a `serve` of its own with other settings.
async fn post_with(
    session: &Session,
    tokens: &Arc<Tokens>,
    env: &ServeEnv,
    label: &str,
    write_batch: Option<u32>,
    synchronous: Option<&'static str>,
) -> anyhow::Result<Measured> {
    let env = ServeEnv {
        write_batch,
        synchronous,
        ..env.clone()
    };
    let label = format!("{}-{label}", session.backend.name());
    let serve = Serve::start(&session.dir, &label, &env).await?;
    let (t, pid) = (serve.target.clone(), serve.process.pid);
    let m = measure(
        session,
        &t,
        pid,
        session.plan.concurrency,
        post_messages(&t, tokens),
    )
    .await;
    serve.process.stop().await;
    m
}

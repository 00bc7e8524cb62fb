//! Group commit for sends: concurrent `POST …/messages` are gathered by one writer task into
//! a single transaction (at most `database.write_batch`, gathered without waiting longer than
//! one scheduler turn), so one commit and one fsync serve many requests, and the statement
//! count per batch stays fixed. Each request still gets its own result and its own error.
//!
//! The task holds only the pool and what rendering needs, not the `Service`, so it ends when
//! the service is dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot};

use super::events::{self, Event};
use super::{Caller, user_view};
use crate::db::batch::{self, MemberState, NewMessage, NewOutboxRow};
use crate::db::{Db, pool_error};
use crate::error::{Error, Result};
use crate::model::{self, Clock, Message, StatusPayload};

/// One send waiting for the writer.
pub(super) struct SendJob {
    pub me: Caller,
    pub chat_id: i64,
    pub text: String,
    pub client_id: Option<String>,
    pub reply: oneshot::Sender<Result<Message>>,
}

/// The way to the writer task.
#[derive(Debug)]
pub(super) struct Handle {
    jobs: mpsc::Sender<SendJob>,
}

/// What the writer needs, without the service (no reference cycle).
struct Ctx {
    db: Db,
    clock: Clock,
    outbox_written: Arc<Notify>,
    max_batch: usize,
}

impl Handle {
    pub(super) fn start(
        db: Db,
        clock: Clock,
        outbox_written: Arc<Notify>,
        max_batch: usize,
    ) -> Handle {
        let (jobs, rx) = mpsc::channel(max_batch * 4);
        let ctx = Ctx {
            db,
            clock,
            outbox_written,
            max_batch,
        };
        tokio::spawn(run(ctx, rx));
        Handle { jobs }
    }

    /// Queues a send and waits for its outcome.
    pub(super) async fn send(
        &self,
        job: SendJob,
        reply: oneshot::Receiver<Result<Message>>,
    ) -> Result<Message> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| Error::Unavailable("the message writer stopped".into()))?;
        reply
            .await
            .map_err(|_| Error::Internal("BUG: the message writer dropped a send".into()))?
    }
}

async fn run(ctx: Ctx, mut rx: mpsc::Receiver<SendJob>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut yielded = false;
        loop {
            while jobs.len() < ctx.max_batch {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            if jobs.len() >= ctx.max_batch || yielded {
                break;
            }
            // One turn for requests already on their way; never a timed wait.
            tokio::task::yield_now().await;
            yielded = true;
        }
        settle(&ctx, jobs).await;
    }
}

/// Writes a batch and answers every job. When another process took a `client_message_id`
/// in the meantime, the batch is retried one job at a time.
async fn settle(ctx: &Ctx, jobs: Vec<SendJob>) {
    match write(ctx, &jobs).await {
        Ok(outcomes) => answer(jobs, outcomes),
        Err(Retry::OneByOne) => {
            for job in jobs {
                let outcome = match write(ctx, std::slice::from_ref(&job)).await {
                    Ok(mut outcomes) => outcomes.pop().expect("BUG: one outcome per job"),
                    Err(e) => Err(e.into_error()),
                };
                let _ = job.reply.send(outcome);
            }
        }
        Err(Retry::Failed(e)) => {
            tracing::error!(error = %e, jobs = jobs.len(), "message batch failed");
            let shared = |e: &Error| match e {
                Error::Unavailable(m) => Error::Unavailable(m.clone()),
                other => Error::Internal(other.to_string()),
            };
            for job in jobs {
                let _ = job.reply.send(Err(shared(&e)));
            }
        }
    }
}

fn answer(jobs: Vec<SendJob>, outcomes: Vec<Result<Message>>) {
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        // A requester that went away still had its message stored; nothing else to do.
        let _ = job.reply.send(outcome);
    }
}

enum Retry {
    OneByOne,
    Failed(Error),
}

impl Retry {
    fn into_error(self) -> Error {
        match self {
            Retry::Failed(e) => e,
            Retry::OneByOne => {
                Error::Internal("BUG: a single send cannot conflict with itself".into())
            }
        }
    }
}

impl<E: Into<Error>> From<E> for Retry {
    fn from(e: E) -> Self {
        Retry::Failed(e.into())
    }
}

/// What becomes of one job before anything is written.
enum Plan {
    Done(Box<Result<Message>>),
    /// A new message, by index into the fresh list.
    Fresh(usize),
    /// The same key as an earlier job of this batch.
    SameAs(usize),
}

async fn write(ctx: &Ctx, jobs: &[SendJob]) -> Result<Vec<Result<Message>>, Retry> {
    let backend = ctx.db.backend();
    let now = model::now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let mut chat_ids: Vec<i64> = jobs.iter().map(|j| j.chat_id).collect();
    chat_ids.sort_unstable();
    chat_ids.dedup();
    let mut members: BTreeMap<(i64, i64), MemberState> = BTreeMap::new();
    for m in batch::members_for_update(&mut tx, backend, &chat_ids)
        .await
        .map_err(pool_error)?
    {
        members.insert((m.chat_id, m.user_id), m);
    }
    let companion_cursor = |chat: i64, me: i64| {
        members
            .range((chat, i64::MIN)..=(chat, i64::MAX))
            .find(|(k, _)| k.1 != me)
            .map_or(0, |(_, m)| m.last_read_message_id)
    };
    let keys: Vec<(i64, &str)> = jobs
        .iter()
        .filter(|j| members.contains_key(&(j.chat_id, j.me.id)))
        .filter_map(|j| j.client_id.as_deref().map(|k| (j.me.id, k)))
        .collect();
    let existing = if keys.is_empty() {
        Vec::new()
    } else {
        batch::find_by_client_ids(&mut tx, &keys).await?
    };
    let existing: HashMap<(i64, &str), &crate::db::messages::MessageRow> = existing
        .iter()
        .filter_map(|m| m.client_message_id.as_deref().map(|k| ((m.user_id, k), m)))
        .collect();
    let mut plans = Vec::with_capacity(jobs.len());
    let mut first_with_key: HashMap<(i64, &str), usize> = HashMap::new();
    let mut fresh: Vec<usize> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if !members.contains_key(&(job.chat_id, job.me.id)) {
            plans.push(Plan::Done(Box::new(Err(Error::not_found("Chat")))));
            continue;
        }
        if let Some(key) = job.client_id.as_deref() {
            if let Some(row) = existing.get(&(job.me.id, key)) {
                plans.push(Plan::Done(Box::new(repeat(
                    ctx.clock,
                    job,
                    row,
                    companion_cursor(row.chat_id, job.me.id),
                ))));
                continue;
            }
            if let Some(&earlier) = first_with_key.get(&(job.me.id, key)) {
                plans.push(Plan::SameAs(earlier));
                continue;
            }
            first_with_key.insert((job.me.id, key), i);
        }
        plans.push(Plan::Fresh(fresh.len()));
        fresh.push(i);
    }
    let rendered = if fresh.is_empty() {
        tx.commit().await?;
        Vec::new()
    } else {
        let rendered = store(ctx, &mut tx, jobs, &fresh, &mut members, now).await?;
        tx.commit().await?;
        ctx.outbox_written.notify_one();
        rendered
    };
    let mut rendered: Vec<Option<Message>> = rendered.into_iter().map(Some).collect();
    let mut results: Vec<Result<Message>> = Vec::with_capacity(jobs.len());
    for plan in plans {
        let outcome = match plan {
            Plan::Done(outcome) => *outcome,
            Plan::Fresh(n) => Ok(rendered[n]
                .take()
                .expect("BUG: each fresh message is rendered once")),
            Plan::SameAs(earlier) => match &results[earlier] {
                Ok(message) => Ok(message.clone()),
                Err(_) => Err(Error::Internal(
                    "the first send with this key failed".into(),
                )),
            },
        };
        results.push(outcome);
    }
    Ok(results)
}

/// Inserts the fresh messages and everything they change; returns them rendered, in order.
async fn store(
    ctx: &Ctx,
    tx: &mut sqlx::AnyConnection,
    jobs: &[SendJob],
    fresh: &[usize],
    members: &mut BTreeMap<(i64, i64), MemberState>,
    now: i64,
) -> Result<Vec<Message>, Retry> {
    let backend = ctx.db.backend();
    let ids = batch::allocate_message_ids(tx, backend, fresh.len()).await?;
    let rows: Vec<NewMessage<'_>> = fresh
        .iter()
        .zip(&ids)
        .map(|(&i, &id)| NewMessage {
            id,
            chat_id: jobs[i].chat_id,
            user_id: jobs[i].me.id,
            text: &jobs[i].text,
            client_message_id: jobs[i].client_id.as_deref(),
            created_at: now,
        })
        .collect();
    let stored = batch::insert_messages(tx, &rows).await?;
    if stored < rows.len() as u64 {
        return Err(Retry::OneByOne);
    }
    // Read state: the sender has read up to their message; everyone else has one more unread.
    let mut touched: BTreeMap<(i64, i64), ()> = BTreeMap::new();
    let mut last_message: BTreeMap<i64, i64> = BTreeMap::new();
    for m in &rows {
        last_message.insert(m.chat_id, m.id);
        for ((_, user), state) in members.range_mut((m.chat_id, i64::MIN)..=(m.chat_id, i64::MAX)) {
            if *user == m.user_id {
                state.last_read_message_id = m.id;
                state.unread_count = 0;
            } else {
                state.unread_count += 1;
            }
            touched.insert((m.chat_id, *user), ());
        }
    }
    batch::set_last_messages(tx, &last_message.into_iter().collect::<Vec<_>>()).await?;
    let states: Vec<MemberState> = touched.keys().map(|k| members[k].clone()).collect();
    batch::set_member_states(tx, &states, now).await?;
    let mut senders: Vec<i64> = rows.iter().map(|m| m.user_id).collect();
    senders.sort_unstable();
    senders.dedup();
    let newly_online = batch::mark_online(tx, &senders, now).await?;
    let mut events: Vec<Event> = newly_online
        .iter()
        .map(|&user_id| {
            Event::StatusChanged(StatusPayload {
                user_id,
                is_online: true,
                last_seen: Some(ctx.clock.hhmm(now)),
            })
        })
        .collect();
    let mut rendered = Vec::with_capacity(rows.len());
    for (m, &i) in rows.iter().zip(fresh) {
        let mut sender = jobs[i].me.clone();
        if newly_online.contains(&sender.id) {
            sender.is_online = true;
            sender.last_seen_at = Some(now);
        }
        let message = Message {
            id: m.id,
            chat_id: m.chat_id,
            text: m.text.to_string(),
            user: user_view(ctx.clock, &sender),
            was_read: false,
            timestamp: ctx.clock.hhmm(now),
            created_at: Clock::rfc3339(now),
            client_message_id: m.client_message_id.map(str::to_string),
        };
        events.push(Event::MessageSent(message.clone()));
        rendered.push(message);
    }
    // One fresh chat list per member, however many of their chats changed.
    let mut listeners: Vec<i64> = touched.keys().map(|(_, user)| *user).collect();
    listeners.sort_unstable();
    listeners.dedup();
    events.extend(listeners.into_iter().map(Event::ChatListChanged));
    let outbox: Vec<NewOutboxRow> = events
        .iter()
        .flat_map(events::entries)
        .map(|e| NewOutboxRow {
            channel: e.channel,
            kind: e.kind,
            payload: e.payload,
        })
        .collect();
    batch::insert_outbox(tx, &outbox, now).await?;
    Ok(rendered)
}

/// The stored message for a repeated `client_message_id`.
fn repeat(
    clock: Clock,
    job: &SendJob,
    row: &crate::db::messages::MessageRow,
    companion_cursor: i64,
) -> Result<Message> {
    if row.chat_id != job.chat_id {
        return Err(Error::Conflict(
            "The client_message_id was already used for a message in another chat.".into(),
        ));
    }
    Ok(Message {
        id: row.id,
        chat_id: row.chat_id,
        text: row.text.clone(),
        user: user_view(clock, &job.me),
        was_read: companion_cursor >= row.id,
        timestamp: clock.hhmm(row.created_at),
        created_at: Clock::rfc3339(row.created_at),
        client_message_id: row.client_message_id.clone(),
    })
}

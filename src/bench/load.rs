//! The closed-loop load generator: N tasks, each with its own keep-alive connection, sending
//! the next request as soon as the previous answer arrives. Requests completing inside the
//! measured window (after a warm-up) count; a non-2xx status or a transport error is an error.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::http::{Conn, Req, Target};
use super::stats::{Summary, micros};

/// Makes the next request of a task from its random source and a sequence number unique
/// within the run.
pub type MakeRequest = Arc<dyn Fn(&mut StdRng, u64) -> Req + Send + Sync>;

/// One closed-loop measurement.
pub struct Spec {
    pub target: Target,
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub make: MakeRequest,
}

/// A measurement under way.
pub struct Running {
    /// Start of the measured window.
    pub from: Instant,
    /// End of the measured window.
    pub to: Instant,
    tasks: Vec<JoinHandle<Tally>>,
}

#[derive(Default)]
struct Tally {
    samples: Vec<u32>,
    errors: u64,
    kinds: BTreeMap<String, u64>,
}

/// Connects every task's connection, then starts the load; the window opens after the
/// warm-up.
pub async fn start(spec: Spec) -> anyhow::Result<Running> {
    let mut conns = Vec::with_capacity(spec.concurrency);
    for _ in 0..spec.concurrency.max(1) {
        let mut conn = Conn::new(spec.target.addr);
        conn.connect().await.map_err(anyhow::Error::msg)?;
        conns.push(conn);
    }
    let from = Instant::now() + spec.warmup;
    let to = from + spec.duration;
    let stride = 1u64 << 40;
    let tasks = conns
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let make = spec.make.clone();
            let first = i as u64 * stride;
            tokio::spawn(worker(conn, make, first, from, to))
        })
        .collect();
    Ok(Running { from, to, tasks })
}

impl Running {
    /// Waits for every task and sums up the window.
    pub async fn finish(self) -> Summary {
        let seconds = (self.to - self.from).as_secs_f64();
        let mut all = Tally::default();
        for task in self.tasks {
            match task.await {
                Ok(t) => {
                    all.samples.extend(t.samples);
                    all.errors += t.errors;
                    for (kind, n) in t.kinds {
                        *all.kinds.entry(kind).or_default() += n;
                    }
                }
                Err(e) => {
                    all.errors += 1;
                    *all.kinds.entry(format!("task: {e}")).or_default() += 1;
                }
            }
        }
        let mut summary = Summary::from_samples(all.samples, all.errors, seconds);
        let mut kinds: Vec<(String, u64)> = all.kinds.into_iter().collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
        summary.error_kinds = kinds
            .into_iter()
            .take(3)
            .map(|(kind, n)| format!("{kind}: {n}"))
            .collect();
        summary
    }
}

async fn worker(
    mut conn: Conn,
    make: MakeRequest,
    first: u64,
    from: Instant,
    to: Instant,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(first ^ 0x5eed);
    let mut tally = Tally::default();
    let mut seq = first;
    loop {
        let started = Instant::now();
        if started >= to {
            break;
        }
        let req = make(&mut rng, seq);
        seq += 1;
        let result = conn.send(req).await;
        let done = Instant::now();
        let counted = done >= from && done <= to;
        let failure = match result {
            Ok(reply) if reply.status.is_success() => {
                if counted {
                    tally.samples.push(micros(done - started));
                }
                continue;
            }
            Ok(reply) => {
                let text = String::from_utf8_lossy(&reply.body);
                format!("HTTP {} {}", reply.status.as_u16(), shorten(&text, 80))
            }
            Err(e) => {
                // Do not spin on a refused connection.
                tokio::time::sleep(Duration::from_millis(5)).await;
                shorten(&e, 80)
            }
        };
        if counted {
            tally.errors += 1;
            *tally.kinds.entry(failure).or_default() += 1;
        }
    }
    tally
}

/// The first `max` characters of a text, on one line.
pub fn shorten(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        line.chars().take(max).collect::<String>() + "…"
    }
}

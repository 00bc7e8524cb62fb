//! The targets, per backend: each figure as a ratio of two rows of the same run (or
//! an absolute bound), against its bar, with PASS, FAIL, or SKIP when it was not measured.

use super::report::{Figures, TargetRow, Verdict, num};

enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// The targets for one backend (`sqlite` or `postgres`).
pub fn targets(backend: &str, f: &Figures) -> Vec<TargetRow> {
    let sqlite = backend == "sqlite";
    let mut rows = Vec::new();
    let mut add = |figure: &'static str, value: Option<f64>, bound: Bound, unit: &str| {
        let (target, verdict) = match (&bound, value) {
            (Bound::AtLeast(t), Some(v)) => (format!("≥ {}{unit}", num(*t)), v >= *t),
            (Bound::AtMost(t), Some(v)) => (format!("≤ {}{unit}", num(*t)), v <= *t),
            (Bound::AtLeast(t), None) => (format!("≥ {}{unit}", num(*t)), false),
            (Bound::AtMost(t), None) => (format!("≤ {}{unit}", num(*t)), false),
        };
        rows.push(TargetRow {
            backend: backend.to_string(),
            figure,
            measured: value,
            shown: value.map_or("–".into(), |v| format!("{}{unit}", num(v))),
            target,
            verdict: match value {
                None => Verdict::Skip,
                Some(_) if verdict => Verdict::Pass,
                Some(_) => Verdict::Fail,
            },
        });
    };
    add(
        "POST message ÷ POST with batching off",
        ratio(f.post_rps, f.post_unbatched_rps),
        Bound::AtLeast(3.0),
        "×",
    );
    add(
        "POST message ÷ GET /healthz",
        ratio(f.post_rps, f.healthz_rps),
        Bound::AtLeast(if sqlite { 0.10 } else { 0.06 }),
        "",
    );
    add(
        "POST p99 at 64 concurrent",
        f.post_p99_ms,
        Bound::AtMost(15.0),
        " ms",
    );
    add(
        "server CPU per POST",
        f.post_cpu_us,
        Bound::AtMost(85.0),
        " µs",
    );
    if sqlite {
        add(
            "POST with FULL ÷ POST with NORMAL",
            ratio(f.post_rps, f.post_normal_rps),
            Bound::AtLeast(0.70),
            "",
        );
    }
    add(
        "GET /api/chats (20 chats) ÷ GET /healthz",
        ratio(f.chats20_rps, f.healthz_rps),
        Bound::AtLeast(if sqlite { 0.07 } else { 0.05 }),
        "",
    );
    add(
        "1,000-chat ÷ 20-chat user, first page p50",
        ratio(f.chats1000_p50_ms, f.chats20_p50_ms),
        Bound::AtMost(1.5),
        "",
    );
    add(
        "big ÷ 1,000-message chat, page p50",
        ratio(f.messages_big_p50_ms, f.messages_small_p50_ms),
        Bound::AtMost(1.5),
        "",
    );
    add(
        "relay to real Centrifugo",
        f.relay_events_per_sec,
        Bound::AtLeast(10_000.0),
        " events/s",
    );
    add(
        "POST → client received p99 (10 msg/s, subscribers)",
        f.delivery_p99_ms,
        Bound::AtMost(35.0),
        " ms",
    );
    add(
        "RSS of serve under POST load",
        f.rss_load_mb,
        Bound::AtMost(100.0),
        " MB",
    );
    rows
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn figures() -> Figures {
        Figures {
            healthz_rps: Some(100_000.0),
            post_rps: Some(12_000.0),
            post_unbatched_rps: Some(3_000.0),
            post_normal_rps: Some(20_000.0),
            post_p99_ms: Some(9.5),
            post_cpu_us: Some(90.0),
            chats20_rps: Some(8_000.0),
            chats20_p50_ms: Some(2.0),
            chats1000_p50_ms: Some(4.0),
            messages_small_p50_ms: Some(1.0),
            messages_big_p50_ms: Some(1.1),
            relay_events_per_sec: None,
            delivery_p99_ms: None,
            rss_load_mb: Some(40.0),
        }
    }

    #[test]
    fn targets_compare_ratios_and_skip_missing_figures() {
        let rows = targets("sqlite", &figures());
        let verdict = |name: &str| {
            rows.iter()
                .find(|r| r.figure.starts_with(name))
                .unwrap()
                .verdict
        };
        assert_eq!(verdict("POST message ÷ POST with"), Verdict::Pass); // 4×
        assert_eq!(verdict("POST message ÷ GET"), Verdict::Pass); // 0.12
        assert_eq!(verdict("server CPU"), Verdict::Fail); // 90 > 85
        assert_eq!(verdict("POST with FULL"), Verdict::Fail); // 0.6
        assert_eq!(verdict("1,000-chat"), Verdict::Fail); // 2.0
        assert_eq!(verdict("big ÷"), Verdict::Pass); // 1.1
        assert_eq!(verdict("relay"), Verdict::Skip);
        assert_eq!(rows.len(), 11);
        // PostgreSQL has no FULL/NORMAL row and a lower bar against /healthz.
        let pg = targets("postgres", &figures());
        assert_eq!(pg.len(), 10);
        assert!(pg.iter().any(|r| r.target == "≥ 0.06"));
    }
}

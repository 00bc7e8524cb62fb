//! The results: one measurement table (rows per backend), the targets as ratios with
//! PASS/FAIL, notes; rendered with comfy-table (terminal or Markdown) or as JSON.

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{CellAlignment, Table};
use serde::Serialize;

/// One line of the measurement table.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Row {
    pub name: String,
    /// Requests (or events) per second.
    pub per_sec: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub errors: Option<u64>,
    /// Server CPU per request (µs).
    pub cpu_us: Option<f64>,
    pub note: String,
}

/// The figures the targets are computed from (`None`: not measured).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Figures {
    pub healthz_rps: Option<f64>,
    pub post_rps: Option<f64>,
    pub post_unbatched_rps: Option<f64>,
    pub post_normal_rps: Option<f64>,
    pub post_p99_ms: Option<f64>,
    pub post_cpu_us: Option<f64>,
    pub chats20_rps: Option<f64>,
    pub chats20_p50_ms: Option<f64>,
    pub chats1000_p50_ms: Option<f64>,
    pub messages_small_p50_ms: Option<f64>,
    pub messages_big_p50_ms: Option<f64>,
    pub relay_events_per_sec: Option<f64>,
    pub delivery_p99_ms: Option<f64>,
    pub rss_load_mb: Option<f64>,
}

/// Everything measured on one backend.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackendReport {
    pub backend: String,
    pub rows: Vec<Row>,
    pub figures: Figures,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// One target of the issue, checked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetRow {
    pub backend: String,
    pub figure: &'static str,
    pub measured: Option<f64>,
    pub shown: String,
    pub target: String,
    pub verdict: Verdict,
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: String,
    pub settings: String,
    pub backends: Vec<BackendReport>,
    pub targets: Vec<TargetRow>,
}

/// A number for people: thousands separated, two significant decimals below 100.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.abs() >= 100.0 {
        let whole = v.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if whole < 0 { format!("-{out}") } else { out }
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), num)
}

fn table(markdown: bool, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(if markdown {
        ASCII_MARKDOWN
    } else {
        UTF8_FULL_CONDENSED
    });
    t.set_header(header.to_vec());
    t
}

/// The measurement and target tables, then the notes.
pub fn render(report: &Report, markdown: bool) -> String {
    let mut rows = table(
        markdown,
        &[
            "backend",
            "measurement",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "server CPU µs/req",
            "notes",
        ],
    );
    for b in &report.backends {
        for r in &b.rows {
            rows.add_row(vec![
                b.backend.clone(),
                r.name.clone(),
                opt(r.per_sec),
                opt(r.p50_ms),
                opt(r.p99_ms),
                r.errors.map_or(String::new(), |e| e.to_string()),
                opt(r.cpu_us),
                r.note.clone(),
            ]);
        }
    }
    for i in 2..7 {
        if let Some(c) = rows.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut checks = table(
        markdown,
        &["backend", "figure", "measured", "target", "result"],
    );
    for t in &report.targets {
        let verdict = match t.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        };
        checks.add_row(vec![
            t.backend.clone(),
            t.figure.to_string(),
            t.shown.clone(),
            t.target.clone(),
            verdict.to_string(),
        ]);
    }
    let mut out = format!(
        "{}\n{}\n{}\n\n{rows}\n\n{checks}\n",
        report.date, report.machine, report.settings
    );
    for b in &report.backends {
        if !b.notes.is_empty() {
            out.push_str(&format!("\nNotes ({}):\n", b.backend));
            for n in &b.notes {
                out.push_str(&format!("- {n}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::targets::tests::figures;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(12_345.6), "12,346");
        assert_eq!(num(1_000_000.0), "1,000,000");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(42.25), "42.2");
        assert_eq!(num(0.123), "0.12");
        assert_eq!(num(f64::NAN), "–");
    }

    #[test]
    fn render_shows_rows_targets_and_notes() {
        let report = Report {
            date: "date".into(),
            machine: "machine".into(),
            settings: "settings".into(),
            backends: vec![BackendReport {
                backend: "sqlite".into(),
                rows: vec![Row {
                    name: "GET /healthz".into(),
                    per_sec: Some(100_000.0),
                    p50_ms: Some(0.5),
                    p99_ms: Some(2.0),
                    errors: Some(0),
                    cpu_us: Some(7.25),
                    note: String::new(),
                }],
                figures: figures(),
                notes: vec!["a note".into()],
            }],
            targets: crate::bench::targets::targets("sqlite", &figures()),
        };
        for markdown in [false, true] {
            let text = render(&report, markdown);
            assert!(text.contains("GET /healthz"));
            assert!(text.contains("100,000"));
            assert!(text.contains("7.25"));
            assert!(text.contains("PASS") && text.contains("FAIL") && text.contains("SKIP"));
            assert!(text.contains("- a note"));
        }
        assert!(render(&report, true).contains("| backend"));
    }
}

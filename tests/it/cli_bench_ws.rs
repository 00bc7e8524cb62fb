//! `chatctl bench-ws`, the hidden measuring command, on a small scale: it starts its own
//! embedded server, every subscriber gets every publication, and the figures it prints are
//! plausible (the RSS grew, the fan-out took a measurable, bounded time).

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn bench_ws_measures_memory_and_fan_out_on_a_small_scale() {
    let output = Command::cargo_bin("chatctl")
        .unwrap()
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .args([
            "bench-ws",
            "--connections",
            "200",
            "--subscribers",
            "50",
            "--publications",
            "3",
            "--json",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench-ws failed: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["connections"], 200);
    assert_eq!(report["subscribers"], 50);
    assert_eq!(report["publications"], 3);
    let before = report["server_rss_kb_before"].as_u64().unwrap();
    let after = report["server_rss_kb_after"].as_u64().unwrap();
    assert!(before > 0 && after > before, "RSS {before} -> {after}");
    let per_conn = report["bytes_per_idle_connection"].as_f64().unwrap();
    assert!(per_conn > 0.0, "{report}");
    let p50 = report["fanout_all_delivered_ms"]["p50"].as_f64().unwrap();
    let max = report["fanout_all_delivered_ms"]["max"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= max && max < 10_000.0, "{report}");
}

#[test]
fn bench_ws_is_kept_out_of_help() {
    let output = Command::cargo_bin("chatctl")
        .unwrap()
        .env_clear()
        .arg("--help")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains("bench-ws"));
}

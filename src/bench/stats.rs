//! Latency statistics: nearest-rank percentiles over recorded samples (microseconds), and
//! the summary one measurement row carries.

use serde::Serialize;

/// Percentile `p` (0–100) of sorted samples by the nearest-rank method: the smallest sample
/// such that at least `p`% of all samples are at or below it. `None` without samples.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// What a closed-loop or paced measurement saw.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Successful (2xx) responses completed inside the window.
    pub ok: u64,
    /// Failed requests (non-2xx or transport errors) inside the window.
    pub errors: u64,
    /// Length of the measured window, seconds.
    pub seconds: f64,
    /// Successful responses per second.
    pub per_sec: f64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// A few error kinds with their counts, e.g. `503: 12`.
    pub error_kinds: Vec<String>,
}

impl Summary {
    /// Summarizes latency samples (µs; sorted here) of the `ok` requests.
    pub fn from_samples(mut samples: Vec<u32>, errors: u64, seconds: f64) -> Summary {
        samples.sort_unstable();
        let ms = |p: f64| percentile(&samples, p).map(|us| f64::from(us) / 1000.0);
        let ok = samples.len() as u64;
        Summary {
            ok,
            errors,
            seconds,
            per_sec: if seconds > 0.0 {
                ok as f64 / seconds
            } else {
                0.0
            },
            p50_ms: ms(50.0),
            p90_ms: ms(90.0),
            p99_ms: ms(99.0),
            max_ms: ms(100.0),
            error_kinds: Vec::new(),
        }
    }
}

/// Microseconds of a duration, saturating at `u32::MAX` (71 minutes).
pub fn micros(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        // 10 samples: p99 is the largest, p50 the fifth.
        let v: Vec<u32> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile(&v, 99.0), Some(100));
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 51.0), Some(60));
    }

    #[test]
    fn summary_sorts_and_converts_to_milliseconds() {
        let s = Summary::from_samples(vec![3000, 1000, 2000, 4000], 2, 2.0);
        assert_eq!(s.ok, 4);
        assert_eq!(s.errors, 2);
        assert_eq!(s.per_sec, 2.0);
        assert_eq!(s.p50_ms, Some(2.0));
        assert_eq!(s.p99_ms, Some(4.0));
        assert_eq!(s.max_ms, Some(4.0));
        let empty = Summary::from_samples(Vec::new(), 0, 0.0);
        assert_eq!(empty.per_sec, 0.0);
        assert_eq!(empty.p50_ms, None);
    }
}

//! The reference's metrics, kept with atomics and shown in the Prometheus text format by
//! `GET /metrics`.
//!
//! | reference name | Prometheus name |
//! |---|---|
//! | `workflow.instance.created` | `workflow_instance_created_total` |
//! | `workflow.instance.completed` | `workflow_instance_completed_total` |
//! | `workflow.instance.failed` | `workflow_instance_failed_total` |
//! | `workflow.state.duration` | `workflow_state_duration_seconds` (mock clock) |
//! | `workflow.script.duration` | `workflow_script_duration_seconds` |
//! | `workflow.http.duration` | `workflow_http_duration_seconds` |

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram of durations with fixed buckets.
#[derive(Debug, Default)]
pub(crate) struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub(crate) fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// Every metric of the engine.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) created: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) state_duration: Histogram,
    pub(crate) script_duration: Histogram,
    pub(crate) http_duration: Histogram,
}

impl Metrics {
    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for (name, help, counter) in [
            (
                "workflow_instance_created_total",
                "Instances created",
                &self.created,
            ),
            (
                "workflow_instance_completed_total",
                "Instances completed",
                &self.completed,
            ),
            (
                "workflow_instance_failed_total",
                "Instances failed",
                &self.failed,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        self.state_duration.render(
            &mut out,
            "workflow_state_duration_seconds",
            "Time spent in each state, on the mock's clock",
        );
        self.script_duration.render(
            &mut out,
            "workflow_script_duration_seconds",
            "Script execution time",
        );
        self.http_duration.render(
            &mut out,
            "workflow_http_duration_seconds",
            "HTTP logic duration",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_into_every_bucket_at_or_above_the_value() {
        let metrics = Metrics::default();
        metrics.script_duration.observe(Duration::from_millis(30));
        metrics.script_duration.observe(Duration::from_secs(20));

        let text = metrics.render();

        assert!(text.contains("workflow_script_duration_seconds_bucket{le=\"0.025\"} 0"));
        assert!(text.contains("workflow_script_duration_seconds_bucket{le=\"0.05\"} 1"));
        assert!(text.contains("workflow_script_duration_seconds_bucket{le=\"10\"} 1"));
        assert!(text.contains("workflow_script_duration_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("workflow_script_duration_seconds_count 2"));
    }
}

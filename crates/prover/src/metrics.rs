//! The prover's `/health` and `/metrics` (Prometheus text) endpoint.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{routing::get, Router};

/// Per task type: proofs made, failures, seconds spent proving.
#[derive(Debug, Default)]
pub struct Metrics {
    by_type: Mutex<BTreeMap<u8, TypeCounters>>,
}

/// A metric's name, help text, and how to read its value from the counters.
type Series = (&'static str, &'static str, fn(&TypeCounters) -> f64);

#[derive(Clone, Copy, Debug, Default)]
struct TypeCounters {
    proven: u64,
    failed: u64,
    proving_seconds: f64,
}

impl Metrics {
    /// Records a proof of `task_type` that took `elapsed`.
    pub fn proven(&self, task_type: u8, elapsed: Duration) {
        let mut map = self.by_type.lock().expect("metrics lock");
        let counters = map.entry(task_type).or_default();
        counters.proven += 1;
        counters.proving_seconds += elapsed.as_secs_f64();
    }

    /// Records a failed attempt at a task of `task_type`.
    pub fn failed(&self, task_type: u8) {
        self.by_type
            .lock()
            .expect("metrics lock")
            .entry(task_type)
            .or_default()
            .failed += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let map = self.by_type.lock().expect("metrics lock").clone();
        let mut out = String::new();
        let series: [Series; 3] = [
            ("prover_proofs_total", "Proofs made and submitted.", |c| {
                c.proven as f64
            }),
            (
                "prover_failures_total",
                "Tasks that failed to prove.",
                |c| c.failed as f64,
            ),
            (
                "prover_proving_seconds_total",
                "Wall time spent making the proofs counted in prover_proofs_total.",
                |c| c.proving_seconds,
            ),
        ];
        for (name, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (task_type, counters) in &map {
                let _ = writeln!(out, "{name}{{type=\"{task_type}\"}} {}", value(counters));
            }
        }
        out
    }
}

/// `GET /health` ("ok") and `GET /metrics`.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/metrics", get(move || async move { metrics.render() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_per_task_type() {
        let metrics = Metrics::default();
        metrics.proven(1, Duration::from_millis(1500));
        metrics.proven(1, Duration::from_millis(500));
        metrics.failed(1);
        metrics.failed(2);
        let text = metrics.render();
        assert!(
            text.contains("prover_proofs_total{type=\"1\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("prover_proving_seconds_total{type=\"1\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("prover_failures_total{type=\"2\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("prover_proofs_total{type=\"2\"} 0\n"),
            "{text}"
        );
    }
}

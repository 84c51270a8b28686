//! The prover's `/health` and `/metrics` (Prometheus text) endpoint.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{routing::get, Router};

/// Per task type: proofs made, failures, seconds spent proving, guest cycles and L2 gas of the
/// proofs; the rates derived from them (MHz, cycles per gas) are exported too.
#[derive(Debug, Default)]
pub struct Metrics {
    by_type: Mutex<BTreeMap<u8, TypeCounters>>,
}

/// A metric's name, Prometheus type, help text, and how to read its value from the counters.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&TypeCounters) -> f64,
);

#[derive(Clone, Copy, Debug, Default)]
struct TypeCounters {
    proven: u64,
    failed: u64,
    proving_seconds: f64,
    cycles: u64,
    gas: u64,
}

/// `a / b`, 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

impl Metrics {
    /// Records a proof of `task_type` that took `elapsed`, of a program run of `cycles` guest
    /// cycles over `gas` L2 gas.
    pub fn proven(&self, task_type: u8, elapsed: Duration, cycles: u64, gas: u64) {
        let mut map = self.by_type.lock().expect("metrics lock");
        let counters = map.entry(task_type).or_default();
        counters.proven += 1;
        counters.proving_seconds += elapsed.as_secs_f64();
        counters.cycles += cycles;
        counters.gas += gas;
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
        let series: [Series; 7] = [
            (
                "prover_proofs_total",
                "counter",
                "Proofs made and submitted.",
                |c| c.proven as f64,
            ),
            (
                "prover_failures_total",
                "counter",
                "Tasks that failed to prove.",
                |c| c.failed as f64,
            ),
            (
                "prover_proving_seconds_total",
                "counter",
                "Wall time spent making the proofs counted in prover_proofs_total.",
                |c| c.proving_seconds,
            ),
            (
                "prover_guest_cycles_total",
                "counter",
                "Guest cycles (RISC-V instructions) of the proofs counted in prover_proofs_total.",
                |c| c.cycles as f64,
            ),
            (
                "prover_gas_total",
                "counter",
                "L2 gas of the chunks counted in prover_proofs_total.",
                |c| c.gas as f64,
            ),
            (
                "prover_mhz",
                "gauge",
                "Guest cycles per second of proving, in millions (over all proofs so far).",
                |c| ratio(c.cycles as f64, c.proving_seconds) / 1e6,
            ),
            (
                "prover_cycles_per_gas",
                "gauge",
                "Guest cycles per L2 gas (over all proofs so far).",
                |c| ratio(c.cycles as f64, c.gas as f64),
            ),
        ];
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
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
        metrics.proven(1, Duration::from_millis(1500), 3_000_000, 1_000_000);
        metrics.proven(1, Duration::from_millis(500), 1_000_000, 1_000_000);
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
        // 4M cycles in 2 s over 2M gas.
        assert!(text.contains("prover_mhz{type=\"1\"} 2\n"), "{text}");
        assert!(
            text.contains("prover_cycles_per_gas{type=\"1\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("prover_mhz{type=\"2\"} 0\n"), "{text}");
        assert!(text.contains("# TYPE prover_mhz gauge"), "{text}");
        assert!(
            text.contains("prover_proofs_total{type=\"2\"} 0\n"),
            "{text}"
        );
    }
}

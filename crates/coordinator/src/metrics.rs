//! Prometheus metrics in the text exposition format: process counters and latency histograms,
//! plus task and prover gauges read from the database at scrape time (so every replica reports
//! the shared state).

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use rollproof_db::{stats, Db};
use rollproof_primitives::{ProverTaskFailureType, TaskType};

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

const BUCKETS_SEC: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0, 10.0];

/// A latency histogram with fixed buckets (seconds).
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (b, limit) in self.buckets.iter().zip(BUCKETS_SEC) {
            if secs <= limit {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, limit) in self.buckets.iter().zip(BUCKETS_SEC) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{limit}\"}} {}",
                b.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The API's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// New assignments handed out.
    pub assignments: Counter,
    /// Outstanding tasks handed to the same prover again.
    pub redeliveries: Counter,
    /// Proofs that verified.
    pub verifications_ok: Counter,
    /// Proofs that did not verify.
    pub verifications_failed: Counter,
    /// Failures reported by provers.
    pub prover_failures: Counter,
    /// Assignments released because their task could not be built (missing or invalid
    /// witness, ...).
    pub task_build_failures: Counter,
    /// Verification latency.
    pub verify_latency: Histogram,
    /// get_task latency for new assignments.
    pub get_task_latency: Histogram,
}

impl Metrics {
    /// The exposition text: this process's counters and the database's gauges.
    pub async fn render(&self, db: &Db) -> rollproof_db::Result<String> {
        let mut out = String::new();
        for (name, help, c) in [
            (
                "coordinator_assignments_total",
                "new task assignments",
                &self.assignments,
            ),
            (
                "coordinator_redeliveries_total",
                "outstanding tasks re-delivered",
                &self.redeliveries,
            ),
            (
                "coordinator_verifications_ok_total",
                "proofs verified",
                &self.verifications_ok,
            ),
            (
                "coordinator_verifications_failed_total",
                "proofs rejected",
                &self.verifications_failed,
            ),
            (
                "coordinator_prover_failures_total",
                "failures reported by provers",
                &self.prover_failures,
            ),
            (
                "coordinator_task_build_failures_total",
                "assignments released because the task could not be built",
                &self.task_build_failures,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.get()
            );
        }
        self.verify_latency.render(
            &mut out,
            "coordinator_verify_seconds",
            "proof verification latency",
        );
        self.get_task_latency
            .render(&mut out, "coordinator_get_task_seconds", "get_task latency");
        let _ = writeln!(out, "# HELP coordinator_tasks tasks by type and proving status\n# TYPE coordinator_tasks gauge");
        for c in stats::task_status_counts(db).await? {
            let _ = writeln!(
                out,
                "coordinator_tasks{{type=\"{}\",status=\"{}\"}} {}",
                c.task_type, c.status, c.count
            );
        }
        let _ = writeln!(out, "# HELP coordinator_prover_tasks prover tasks by type and status (status proof_invalid includes timeouts)\n# TYPE coordinator_prover_tasks gauge");
        for c in stats::prover_task_status_counts(db).await? {
            let _ = writeln!(
                out,
                "coordinator_prover_tasks{{type=\"{}\",status=\"{}\"}} {}",
                c.task_type, c.status, c.count
            );
        }
        // Timeouts are recorded by coordinator_cron (another process): counted from the shared
        // database, so every replica reports the same total.
        let _ = writeln!(out, "# HELP coordinator_timeouts_total assignments timed out (by coordinator_cron), per task type\n# TYPE coordinator_timeouts_total counter");
        let failures = stats::prover_task_failure_counts(db).await?;
        for t in [TaskType::Chunk, TaskType::Batch, TaskType::Bundle] {
            let n: u64 = failures
                .iter()
                .filter(|c| c.task_type == t && c.failure_type == ProverTaskFailureType::Timeout)
                .map(|c| c.count)
                .sum();
            let _ = writeln!(out, "coordinator_timeouts_total{{type=\"{t}\"}} {n}");
        }
        let active = stats::active_provers(db).await?;
        let _ = writeln!(out, "# HELP coordinator_active_provers provers holding a task\n# TYPE coordinator_active_provers gauge\ncoordinator_active_provers {active}");
        Ok(out)
    }
}

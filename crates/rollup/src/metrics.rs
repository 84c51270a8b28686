//! [`RelayerMetrics`]: what the relayer has done, in Prometheus' text format (`/metrics`).

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
};

/// Counters and gauges of one relayer process.
#[derive(Debug, Default)]
pub struct RelayerMetrics {
    /// Blocks stored.
    pub blocks_ingested: AtomicU64,
    /// Reorgs handled.
    pub reorgs: AtomicU64,
    /// Stored blocks removed by reorgs.
    pub blocks_removed: AtomicU64,
    /// Chunks proposed.
    pub chunks_proposed: AtomicU64,
    /// Batches proposed.
    pub batches_proposed: AtomicU64,
    /// Bundles proposed.
    pub bundles_proposed: AtomicU64,
    /// Failed ingestion polls.
    pub ingest_errors: AtomicU64,
    /// Failed proposer passes (any level).
    pub proposer_errors: AtomicU64,
    /// The node's head at the last poll.
    pub l2_head: AtomicU64,
    /// The highest stored block after the last poll.
    pub stored_tip: AtomicU64,
}

/// Adds `n` to `counter`.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl RelayerMetrics {
    /// The exposition text.
    pub fn render(&self) -> String {
        let series: [(&str, &str, &str, &AtomicU64); 10] = [
            (
                "rollup_blocks_ingested_total",
                "counter",
                "L2 blocks stored with their witness",
                &self.blocks_ingested,
            ),
            (
                "rollup_reorgs_total",
                "counter",
                "L2 reorgs handled",
                &self.reorgs,
            ),
            (
                "rollup_blocks_removed_total",
                "counter",
                "stored blocks removed by reorgs",
                &self.blocks_removed,
            ),
            (
                "rollup_chunks_proposed_total",
                "counter",
                "chunks proposed",
                &self.chunks_proposed,
            ),
            (
                "rollup_batches_proposed_total",
                "counter",
                "batches proposed",
                &self.batches_proposed,
            ),
            (
                "rollup_bundles_proposed_total",
                "counter",
                "bundles proposed",
                &self.bundles_proposed,
            ),
            (
                "rollup_ingest_errors_total",
                "counter",
                "failed ingestion polls",
                &self.ingest_errors,
            ),
            (
                "rollup_proposer_errors_total",
                "counter",
                "failed proposer passes",
                &self.proposer_errors,
            ),
            (
                "rollup_l2_head",
                "gauge",
                "the L2 node's head block at the last poll",
                &self.l2_head,
            ),
            (
                "rollup_stored_tip",
                "gauge",
                "the highest stored L2 block",
                &self.stored_tip,
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out
    }
}

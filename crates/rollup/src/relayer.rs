//! [`Relayer`]: one ingester and the three proposers, run in passes ([`Relayer::pass`]) on an
//! interval ([`Relayer::run`]).
//!
//! A pass polls the node once, then lets each proposer close as many objects as its limits
//! allow (chunks, then batches, then bundles). A failing step is logged and counted and does
//! not stop the others: the proposers still close timed-out objects while the node is
//! unreachable. Nothing is kept only in memory: a restarted relayer continues from the
//! database.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{routing::get, Router};
use rollproof_db::Db;

use crate::{
    config::{ConfigError, RelayerConfig},
    error::RelayerError,
    ingest::{IngestReport, IngestSettings, Ingester},
    metrics::{add, RelayerMetrics},
    proposer::{
        batch::{BatchLimits, BatchProposer, ProposedBatch},
        bundle::{BundleLimits, BundleProposer, ProposedBundle},
        chunk::{ChunkLimits, ChunkProposer, ProposedChunk},
    },
    rpc::L2Client,
};

/// The proposers' limits.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Chunk limits.
    pub chunk: ChunkLimits,
    /// Batch limits.
    pub batch: BatchLimits,
    /// Bundle limits.
    pub bundle: BundleLimits,
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// The ingestion poll (`None` when it failed).
    pub ingest: Option<IngestReport>,
    /// Chunks proposed.
    pub chunks: Vec<ProposedChunk>,
    /// Batches proposed.
    pub batches: Vec<ProposedBatch>,
    /// Bundles proposed.
    pub bundles: Vec<ProposedBundle>,
    /// The failures of the pass, one per failed step.
    pub errors: Vec<RelayerError>,
}

/// The rollup relayer.
#[derive(Debug)]
pub struct Relayer {
    ingester: Ingester,
    chunks: ChunkProposer,
    batches: BatchProposer,
    bundles: BundleProposer,
    metrics: Arc<RelayerMetrics>,
}

/// The wall clock in seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Relayer {
    /// A relayer of `client`'s chain into `db`.
    pub fn new(client: L2Client, db: Db, settings: IngestSettings, limits: Limits) -> Self {
        Self {
            ingester: Ingester::new(client, db.clone(), settings),
            chunks: ChunkProposer::new(db.clone(), limits.chunk),
            batches: BatchProposer::new(db.clone(), limits.batch),
            bundles: BundleProposer::new(db, limits.bundle),
            metrics: Arc::default(),
        }
    }

    /// The relayer `config` describes, over `db` (already connected and migrated).
    pub fn from_config(config: &RelayerConfig, db: Db) -> Result<Self, ConfigError> {
        let l2 = &config.l2_config;
        let client = L2Client::new(&l2.endpoint, Duration::from_secs(l2.request_timeout_sec))
            .map_err(|e| ConfigError(format!("l2_config.endpoint: {e}")))?;
        let limits = Limits {
            chunk: l2.chunk_proposer_config.clone(),
            batch: l2.batch_proposer_config.clone(),
            bundle: l2.bundle_proposer_config.clone(),
        };
        Ok(Self::new(client, db, config.ingest_settings()?, limits))
    }

    /// The process's counters.
    pub fn metrics(&self) -> &Arc<RelayerMetrics> {
        &self.metrics
    }

    /// Checks that the node serves the configured chain.
    pub async fn check_node(&self) -> Result<(), RelayerError> {
        self.ingester.check_node().await
    }

    /// One pass at wall clock `now` (seconds): ingest, then propose chunks, batches and
    /// bundles until each proposer waits.
    pub async fn pass(&self, now: u64) -> PassReport {
        let mut report = PassReport::default();
        let m = &self.metrics;
        match self.ingester.poll().await {
            Ok(ingest) => {
                add(&m.blocks_ingested, ingest.stored);
                m.l2_head
                    .store(ingest.head, std::sync::atomic::Ordering::Relaxed);
                let tip = ingest.tip.unwrap_or_default();
                m.stored_tip
                    .store(tip, std::sync::atomic::Ordering::Relaxed);
                if let Some(reorg) = &ingest.reorg {
                    add(&m.reorgs, 1);
                    add(&m.blocks_removed, reorg.removed);
                }
                if ingest.stored > 0 {
                    tracing::info!(
                        head = ingest.head,
                        stored = ingest.stored,
                        tip,
                        "blocks ingested"
                    );
                }
                report.ingest = Some(ingest);
            }
            Err(e) => {
                add(&m.ingest_errors, 1);
                tracing::error!("ingestion failed: {e}");
                report.errors.push(e);
            }
        }
        loop_proposer(&mut report, m, &m.chunks_proposed, || self.chunks.propose(now), |r, c| {
            tracing::info!(index = c.chunk.index, hash = %c.chunk.hash, blocks = %format!("{}..={}", c.chunk.start_block_number, c.chunk.end_block_number), txs = c.chunk.total_l2_tx_num, gas = c.chunk.total_l2_tx_gas, closed = %c.closed, "chunk proposed");
            r.chunks.push(c)
        })
        .await;
        loop_proposer(&mut report, m, &m.batches_proposed, || self.batches.propose(now), |r, b| {
            tracing::info!(index = b.batch.index, hash = %b.batch.hash, chunks = b.chunks, blob_bytes = b.batch.blob_size, closed = %b.closed, "batch proposed");
            r.batches.push(b)
        })
        .await;
        loop_proposer(&mut report, m, &m.bundles_proposed, || self.bundles.propose(now), |r, b| {
            tracing::info!(hash = %b.bundle.hash, batches = %format!("{}..={}", b.bundle.start_batch_index, b.bundle.end_batch_index), closed = %b.closed, "bundle proposed");
            r.bundles.push(b)
        })
        .await;
        report
    }

    /// Runs a pass every `interval` until `shutdown` completes (a pass in progress finishes
    /// first: every write is a transaction, so stopping between passes loses nothing).
    pub async fn run(&self, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            self.pass(unix_now()).await;
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(interval) => {}
            }
        }
        tracing::info!("relayer stopped");
    }
}

/// Calls `propose` until it waits or fails, counting and recording each proposal.
async fn loop_proposer<T, F, Fut>(
    report: &mut PassReport,
    metrics: &RelayerMetrics,
    counter: &std::sync::atomic::AtomicU64,
    mut propose: F,
    mut record: impl FnMut(&mut PassReport, T),
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, RelayerError>>,
{
    loop {
        match propose().await {
            Ok(Some(made)) => {
                add(counter, 1);
                record(report, made);
            }
            Ok(None) => break,
            Err(e) => {
                add(&metrics.proposer_errors, 1);
                tracing::error!("proposer failed: {e}");
                report.errors.push(e);
                break;
            }
        }
    }
}

/// The `/metrics` and `/health` routes over `metrics`.
pub fn metrics_router(metrics: Arc<RelayerMetrics>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move { metrics.render() }
            }),
        )
}

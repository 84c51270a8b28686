//! rollproof's end-to-end run on one machine ([`run_local`], the `e2e run` command behind the
//! README's main command):
//!
//! 1. circuit assets: reused from `--assets` when they are there, built otherwise (guest build
//!    and key generation: minutes);
//! 2. a devnet node of a few blocks (an ERC-20 deploy, ETH and ERC-20 transfers) served over
//!    JSON-RPC on a free local port, and the rollup relayer over it: every block ingested with
//!    its `debug_executionWitness` (validated, stored as `l2_block` rows), one chunk per block
//!    and, when aggregating, one batch over every chunk and one bundle over it, in the embedded
//!    SQLite database by default, or PostgreSQL;
//! 3. the coordinator API in this process on a free port, verifying with the assets;
//! 4. the prover service in this process (or, with `handle`, `prover handle` over a test set of
//!    the tasks), logging in over HTTP, proving every chunk (then the batch and the bundle)
//!    and submitting the proofs, which the coordinator verifies;
//! 5. when every task is verified: each proof is written to `<out>/proofs/` and checked once
//!    more offline, and a summary (blocks, transactions, gas, guest cycles per level, proving
//!    time, proof size) is returned.

pub mod import;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::B256;
use rollproof_coordinator::{api, app_state, local};
use rollproof_db::{
    batch::{self, BatchData},
    bundle::{self, BundleData},
    chunk::{self, ChunkData},
    ProvingState,
};
use rollproof_devnet::rpc::LocalRpc;
use rollproof_libzkp::Verifier;
use rollproof_primitives::{ForkName, ProvingStatus, TaskType};
use rollproof_prover::config::Config as ProverConfig;
use rollproof_rollup::{
    ingest::IngestSettings,
    proposer::{batch::BatchLimits, bundle::BundleLimits, chunk::ChunkLimits},
    rpc::L2Client,
    Limits, Relayer,
};

/// The devnet chain id of the run.
pub const CHAIN_ID: u64 = rollproof_devnet::sample::SAMPLE_CHAIN_ID;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Blocks (1 to 3), one chunk each.
    pub blocks: usize,
    /// Transactions of each kind per block.
    pub txs_per_block: usize,
    /// The chain's fork (from genesis).
    pub fork: ForkName,
    /// Output folder: database, prover state, proofs.
    pub out: PathBuf,
    /// The assets root (built there when missing).
    pub assets: PathBuf,
    /// PostgreSQL URL; `None`: SQLite at `<out>/rollproof.sqlite`.
    pub postgres: Option<String>,
    /// Prove with `prover handle` (the chunks as a test set, asked for by id) instead of the
    /// prover service.
    pub handle: bool,
    /// Also aggregate: one batch over every chunk and one bundle over it, proven by the batch
    /// and bundle circuits (assets built with them; tens of minutes more).
    pub aggregation: bool,
}

/// One proven chunk, batch or bundle.
#[derive(Debug, Clone)]
pub struct ProofSummary {
    /// Chunk, batch or bundle.
    pub level: TaskType,
    /// Its index.
    pub index: u64,
    /// First and last block.
    pub blocks: (u64, u64),
    /// Transactions.
    pub txs: u32,
    /// L2 gas.
    pub gas: u64,
    /// Seconds the prover reported.
    pub proof_time_sec: u32,
    /// Size of the wrapped proof (JSON bytes).
    pub proof_bytes: usize,
    /// Where the proof was written.
    pub proof_path: PathBuf,
    /// Whether the written proof verifies offline against the assets.
    pub verified: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Per chunk, then the batch and the bundle when aggregating.
    pub proofs: Vec<ProofSummary>,
    /// Guest cycles per level (chunk, batch, bundle) over the run's proofs, as the prover
    /// counted them.
    pub cycles: Vec<(TaskType, u64)>,
    /// Wall time of proving (prover start to the last chunk verified).
    pub proving: Duration,
    /// Wall time of the asset step.
    pub assets: Duration,
}

/// Runs the pipeline described in the module documentation.
pub async fn run_local(opts: &RunOptions) -> anyhow::Result<RunSummary> {
    std::fs::create_dir_all(&opts.out)?;
    let out = opts.out.canonicalize()?;
    let started = Instant::now();
    ensure_assets(&opts.assets, opts.fork, opts.aggregation).await?;
    let assets_time = started.elapsed();
    let assets = opts.assets.canonicalize()?;

    // The chain: a devnet node served over JSON-RPC on a free local port.
    let node = rollproof_devnet::sample::token_node(
        CHAIN_ID,
        opts.fork,
        b"rollproof e2e",
        opts.txs_per_block,
        opts.blocks,
    );
    let rpc = LocalRpc::start(Arc::new(node)).await?;
    let genesis = out.join("genesis.json");
    std::fs::write(&genesis, serde_json::to_string_pretty(rpc.node.genesis())?)?;
    tracing::info!(url = %rpc.url, blocks = opts.blocks, "devnet up");

    // The coordinator's database.
    let dsn = match &opts.postgres {
        Some(url) => url.clone(),
        None => {
            let path = out.join("rollproof.sqlite");
            if path.exists() {
                std::fs::remove_file(&path)?;
            }
            path.display().to_string()
        }
    };
    let build = rollproof_prover::build_version();
    let min_version = build.split('-').next().unwrap_or("v0.0.0");
    let config = local::local_config(
        &dsn,
        CHAIN_ID,
        &[(&assets, opts.fork)],
        &genesis,
        &token_secret(),
        min_version,
    )?;
    let db = rollproof_coordinator::connect(&config).await?;
    anyhow::ensure!(
        chunk::latest(&db).await?.is_none(),
        "the database {dsn} already holds chunks: use an empty one"
    );

    // The rollup relayer over JSON-RPC: blocks with witnesses, one chunk per block and, when
    // aggregating, one batch over every chunk and one bundle over it.
    let (chunks, aggregated) = relay(&rpc, &db, &config, opts).await?;
    let mut targets: Vec<Target> = chunks.iter().map(Target::chunk).collect();
    if let Some((batch, bundle)) = &aggregated {
        targets.push(Target::batch(batch, &chunks));
        targets.push(Target::bundle(bundle, &chunks));
    }

    // The coordinator API.
    let state = app_state(config, db.clone())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let coordinator = format!("http://{}", listener.local_addr()?);
    let (stop_api, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = api::router(state, api::DEFAULT_BODY_LIMIT);
    let api_task = tokio::spawn(api::serve(listener, app, async {
        stopped.await.ok();
    }));
    tracing::info!(%coordinator, "coordinator API up");

    // The prover service.
    let metrics_addr = free_local_addr()?;
    let prover_config = prover_config(
        &out,
        &coordinator,
        &assets,
        opts.fork,
        &metrics_addr,
        opts.aggregation,
    )?;
    let proving_started = Instant::now();
    let cycles = if opts.handle {
        let ids = |level: TaskType| {
            targets
                .iter()
                .filter(|t| t.level == level)
                .map(|t| t.hash.to_string())
                .collect()
        };
        let testset = rollproof_prover::tools::TestSet {
            chunks: ids(TaskType::Chunk),
            batches: ids(TaskType::Batch),
            bundles: ids(TaskType::Bundle),
        };
        let handled = rollproof_prover::tools::handle(&prover_config, &testset).await?;
        cycles_per_level(handled.iter().map(|t| (t.task_type, t.cycles)))
    } else {
        prove_with_service(&db, &targets, prover_config, &metrics_addr).await?
    };
    let proving = proving_started.elapsed();
    stop_api.send(()).ok();
    api_task.await??;

    let summary = write_proofs(&db, &targets, &assets, opts.fork, &out.join("proofs")).await?;
    Ok(RunSummary {
        proofs: summary,
        cycles,
        proving,
        assets: assets_time,
    })
}

/// Runs the rollup relayer once over the devnet at `rpc` into `db`: every block ingested,
/// one chunk per block, and with `opts.aggregation` one batch over all chunks and one bundle
/// over it (otherwise the batch proposer is held back). Returns the chunk rows and the batch
/// and bundle rows.
async fn relay(
    rpc: &LocalRpc,
    db: &rollproof_db::Db,
    config: &rollproof_coordinator::Config,
    opts: &RunOptions,
) -> anyhow::Result<(Vec<ChunkData>, Option<(BatchData, BundleData)>)> {
    let schedule = config.fork_schedule()?;
    let settings = IngestSettings {
        chain_id: schedule.chain_id(),
        schedule,
        confirmations: 0,
        start_block: 1,
        end_block: None,
        max_blocks_per_poll: 100,
        withdraw_root_slot: None,
    };
    let blocks = opts.blocks as u64;
    let limits = Limits {
        chunk: ChunkLimits {
            max_block_num_per_chunk: 1,
            ..ChunkLimits::default()
        },
        batch: if opts.aggregation {
            BatchLimits {
                max_chunks_per_batch: blocks,
                ..BatchLimits::default()
            }
        } else {
            BatchLimits {
                max_chunks_per_batch: u64::MAX,
                batch_timeout_sec: u64::MAX,
            }
        },
        bundle: BundleLimits {
            max_batch_num_per_bundle: 1,
            ..BundleLimits::default()
        },
    };
    let client = L2Client::new(&rpc.url, Duration::from_secs(60))?;
    let relayer = Relayer::new(client, db.clone(), settings, limits);
    relayer.check_node().await?;
    let report = relayer.pass(0).await;
    if let Some(e) = report.errors.into_iter().next() {
        return Err(e.into());
    }
    let chunks: Vec<ChunkData> = report.chunks.into_iter().map(|c| c.chunk).collect();
    anyhow::ensure!(
        chunks.len() as u64 == blocks,
        "the relayer made {} chunks of {blocks} blocks",
        chunks.len()
    );
    let aggregated = match (report.batches.first(), report.bundles.first()) {
        (Some(b), Some(n)) => Some((b.batch.clone(), n.bundle.clone())),
        _ => None,
    };
    anyhow::ensure!(
        aggregated.is_some() == opts.aggregation,
        "the relayer made {} batches and {} bundles",
        report.batches.len(),
        report.bundles.len()
    );
    tracing::info!(blocks, chunks = chunks.len(), batch = ?aggregated.as_ref().map(|a| a.0.hash), bundle = ?aggregated.as_ref().map(|a| a.1.hash), db = %config.db.dsn, "relayer: blocks, witnesses, chunks stored");
    Ok((chunks, aggregated))
}

/// One object the run proves: a chunk, batch or bundle row, with what the summary shows.
#[derive(Debug, Clone)]
struct Target {
    level: TaskType,
    index: u64,
    hash: B256,
    blocks: (u64, u64),
    txs: u32,
    gas: u64,
}

impl Target {
    fn chunk(c: &ChunkData) -> Self {
        Self {
            level: TaskType::Chunk,
            index: c.index,
            hash: c.hash,
            blocks: (c.start_block_number, c.end_block_number),
            txs: c.total_l2_tx_num,
            gas: c.total_l2_tx_gas,
        }
    }

    /// A batch or bundle over `chunks` (the summary shows their blocks, txs and gas).
    fn aggregate(level: TaskType, index: u64, hash: B256, chunks: &[ChunkData]) -> Self {
        Self {
            level,
            index,
            hash,
            blocks: (
                chunks.first().map_or(0, |c| c.start_block_number),
                chunks.last().map_or(0, |c| c.end_block_number),
            ),
            txs: chunks.iter().map(|c| c.total_l2_tx_num).sum(),
            gas: chunks.iter().map(|c| c.total_l2_tx_gas).sum(),
        }
    }

    fn batch(b: &BatchData, chunks: &[ChunkData]) -> Self {
        Self::aggregate(TaskType::Batch, b.index, b.hash, chunks)
    }

    fn bundle(b: &BundleData, chunks: &[ChunkData]) -> Self {
        Self::aggregate(TaskType::Bundle, 0, b.hash, chunks)
    }

    /// The row's proving state.
    async fn proving(&self, db: &rollproof_db::Db) -> anyhow::Result<ProvingState> {
        let row = match self.level {
            TaskType::Chunk => chunk::get_by_hash(db, self.hash).await?.map(|r| r.proving),
            TaskType::Batch => batch::get_by_hash(db, self.hash).await?.map(|r| r.proving),
            _ => bundle::get_by_hash(db, self.hash).await?.map(|r| r.proving),
        };
        row.ok_or_else(|| anyhow::anyhow!("{} {} vanished", self.level, self.index))
    }
}

/// Runs the prover service until every target is verified (a progress bar on a terminal);
/// returns the guest cycles per level its metrics counted.
async fn prove_with_service(
    db: &rollproof_db::Db,
    targets: &[Target],
    prover_config: ProverConfig,
    metrics_addr: &str,
) -> anyhow::Result<Vec<(TaskType, u64)>> {
    let mut prover = tokio::spawn(rollproof_prover::service::run_service(
        prover_config,
        Duration::from_secs(1),
    ));
    let bar = indicatif::ProgressBar::new(targets.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} proving {pos}/{len} verified [{elapsed_precise}] {msg}",
        )
        .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    loop {
        let mut statuses = Vec::with_capacity(targets.len());
        for t in targets {
            let status = t.proving(db).await?.proving_status;
            if status == ProvingStatus::Failed {
                anyhow::bail!(
                    "{} {} failed (see the prover's log above)",
                    t.level,
                    t.index
                );
            }
            statuses.push((t, status));
        }
        let verified = statuses
            .iter()
            .filter(|(_, status)| *status == ProvingStatus::Verified)
            .count() as u64;
        bar.set_message(progress_message(&statuses));
        bar.set_position(verified);
        if verified == targets.len() as u64 {
            break;
        }
        tokio::select! {
            ended = &mut prover => {
                anyhow::bail!("the prover stopped: {:?}", ended?.err());
            }
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
    bar.finish_and_clear();
    let cycles = scrape_cycles(metrics_addr).await.unwrap_or_default();
    prover.abort();
    Ok(cycles)
}

/// The progress bar's message: verified over total per level, and what is being proven now
/// (e.g. `chunks 3/3 · batch 0/1 · bundle 0/1 · proving batch 0`).
fn progress_message(statuses: &[(&Target, ProvingStatus)]) -> String {
    let mut parts = Vec::new();
    for level in [TaskType::Chunk, TaskType::Batch, TaskType::Bundle] {
        let of_level: Vec<_> = statuses.iter().filter(|(t, _)| t.level == level).collect();
        if of_level.is_empty() {
            continue;
        }
        let done = of_level
            .iter()
            .filter(|(_, status)| *status == ProvingStatus::Verified)
            .count();
        let name = if of_level.len() > 1 {
            format!("{level}s")
        } else {
            level.to_string()
        };
        parts.push(format!("{name} {done}/{}", of_level.len()));
    }
    let proving: Vec<String> = statuses
        .iter()
        .filter(|(_, status)| *status == ProvingStatus::Assigned)
        .map(|(t, _)| format!("{} {}", t.level, t.index))
        .collect();
    if !proving.is_empty() {
        parts.push(format!("proving {}", proving.join(", ")));
    }
    parts.join(" · ")
}

/// Builds the fork's assets into `root` unless its manifest is there already (with the batch
/// and bundle circuits when `aggregation`).
async fn ensure_assets(root: &Path, fork: ForkName, aggregation: bool) -> anyhow::Result<()> {
    let dir = root.join(fork.as_str());
    if let Ok(manifest) = rollproof_libzkp::assets::AssetManifest::read(&dir, fork) {
        if !aggregation || manifest.has_circuit(TaskType::Bundle) {
            tracing::info!(assets = %root.display(), "reusing the circuit assets");
            return Ok(());
        }
    }
    tracing::info!(assets = %root.display(), "building the circuit assets (guest build and key generation: several minutes)");
    let root = root.to_path_buf();
    let bar = rollproof_prover::tools::spinner(
        if aggregation {
            "building the chunk, batch and bundle circuits"
        } else {
            "building the chunk circuit"
        }
        .to_string(),
    );
    let built = tokio::task::spawn_blocking(move || {
        rollproof_prover::assets_cmd::build_assets(
            &root,
            &[fork],
            rollproof_zkvm::ProvingParams::default(),
            aggregation,
        )
    })
    .await;
    bar.finish_and_clear();
    built??;
    Ok(())
}

/// A login-token secret for this run only (the coordinator and prover live only as long as it).
fn token_secret() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("rollproof-e2e-{}-{nanos}", std::process::id())
}

/// A `127.0.0.1:<port>` nothing listens on right now.
fn free_local_addr() -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.to_string())
}

/// The prover's config: state under `<out>/prover/`, one worker, the fork's circuit.
fn prover_config(
    out: &Path,
    coordinator: &str,
    assets: &Path,
    fork: ForkName,
    metrics_addr: &str,
    aggregation: bool,
) -> anyhow::Result<ProverConfig> {
    let types: &[u8] = if aggregation { &[1, 2, 3] } else { &[1] };
    let json = serde_json::json!({
        "sdk_config": {
            "prover_name_prefix": "e2e-prover",
            "keys_dir": out.join("prover/keys"),
            "db_path": out.join("prover/db"),
            "coordinator": {"base_url": coordinator, "retry_count": 5, "retry_wait_time_sec": 1,
                "connection_timeout_sec": 30},
            "prover": {"supported_proof_types": types, "circuit_version": "e2e", "n_workers": 1},
            "health_listener_addr": metrics_addr
        },
        "circuits": {fork.as_str(): {"workspace_path": assets}}
    });
    let config: ProverConfig = serde_json::from_value(json)?;
    config.validate()?;
    Ok(config)
}

/// `prover_guest_cycles_total` per task type, from the prover's `/metrics`.
async fn scrape_cycles(addr: &str) -> anyhow::Result<Vec<(TaskType, u64)>> {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await?
        .text()
        .await?;
    Ok(cycles_per_level(text.lines().filter_map(|line| {
        let labels = line.strip_prefix("prover_guest_cycles_total{type=\"")?;
        let (task_type, rest) = labels.split_once('"')?;
        let task_type = TaskType::try_from(task_type.parse::<i64>().ok()?).ok()?;
        let value = rest.rsplit(' ').next()?.parse::<f64>().ok()?;
        Some((task_type, value as u64))
    })))
}

/// Cycles summed per level, in level order.
fn cycles_per_level(items: impl IntoIterator<Item = (TaskType, u64)>) -> Vec<(TaskType, u64)> {
    let mut per_level: Vec<(TaskType, u64)> = Vec::new();
    for (level, cycles) in items {
        match per_level.iter_mut().find(|(l, _)| *l == level) {
            Some((_, total)) => *total += cycles,
            None => per_level.push((level, cycles)),
        }
    }
    per_level.sort_by_key(|(level, _)| *level as u8);
    per_level
}

/// Writes each target's verified proof to `dir/<level>-<index>.json` and verifies it again
/// offline against the assets.
async fn write_proofs(
    db: &rollproof_db::Db,
    targets: &[Target],
    assets: &Path,
    fork: ForkName,
    dir: &Path,
) -> anyhow::Result<Vec<ProofSummary>> {
    std::fs::create_dir_all(dir)?;
    let verifier = Verifier::from_config(&rollproof_libzkp::VerifierConfig {
        circuits: vec![rollproof_libzkp::CircuitAssets {
            fork_name: fork,
            assets_path: assets.to_path_buf(),
        }],
    })?;
    let mut out = Vec::new();
    for t in targets {
        let proving = t.proving(db).await?;
        let proof = proving.proof.ok_or_else(|| {
            anyhow::anyhow!("{} {} is verified but has no proof", t.level, t.index)
        })?;
        let path = dir.join(format!("{}-{}.json", t.level, t.index));
        std::fs::write(&path, &proof)?;
        out.push(ProofSummary {
            level: t.level,
            index: t.index,
            blocks: t.blocks,
            txs: t.txs,
            gas: t.gas,
            proof_time_sec: proving.proof_time_sec.unwrap_or(0),
            proof_bytes: proof.len(),
            proof_path: path,
            verified: verifier.verify_json(t.level, fork, &proof).is_ok(),
        });
    }
    Ok(out)
}

/// The summary as a table.
pub fn summary_table(summary: &RunSummary) -> String {
    let mut out =
        String::from("level   index  blocks  txs  gas        proving  size      verified  proof\n");
    for c in &summary.proofs {
        out.push_str(&format!(
            "{:<6}  {:<5}  {:<6}  {:<3}  {:<9}  {:>5} s  {:>6} KB  {:<8}  {}\n",
            c.level.to_string(),
            c.index,
            format!("{}-{}", c.blocks.0, c.blocks.1),
            c.txs,
            c.gas,
            c.proof_time_sec,
            c.proof_bytes.div_ceil(1024),
            if c.verified { "yes" } else { "NO" },
            c.proof_path.display()
        ));
    }
    let chunk_gas: u64 = summary
        .proofs
        .iter()
        .filter(|c| c.level == TaskType::Chunk)
        .map(|c| c.gas)
        .sum();
    let cycles: Vec<String> = summary
        .cycles
        .iter()
        .map(|&(level, cycles)| match level {
            TaskType::Chunk if chunk_gas > 0 => format!(
                "{level} {cycles} ({:.2} per gas)",
                cycles as f64 / chunk_gas as f64
            ),
            _ => format!("{level} {cycles}"),
        })
        .collect();
    out.push_str(&format!(
        "guest cycles: {}; assets {:.0} s; proving {:.0} s wall\n",
        if cycles.is_empty() {
            "not reported".to_string()
        } else {
            cycles.join(", ")
        },
        summary.assets.as_secs_f64(),
        summary.proving.as_secs_f64()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(level: TaskType, index: u64) -> Target {
        Target {
            level,
            index,
            hash: B256::with_last_byte(index as u8),
            blocks: (index + 1, index + 1),
            txs: 1,
            gas: 21_000,
        }
    }

    #[test]
    fn the_progress_message_counts_levels_and_names_the_task_in_proof() {
        let (c0, c1, b0, u0) = (
            target(TaskType::Chunk, 0),
            target(TaskType::Chunk, 1),
            target(TaskType::Batch, 0),
            target(TaskType::Bundle, 0),
        );
        let message = progress_message(&[
            (&c0, ProvingStatus::Verified),
            (&c1, ProvingStatus::Verified),
            (&b0, ProvingStatus::Assigned),
            (&u0, ProvingStatus::Unassigned),
        ]);
        assert_eq!(
            message,
            "chunks 2/2 · batch 0/1 · bundle 0/1 · proving batch 0"
        );
        let chunks_only = progress_message(&[
            (&c0, ProvingStatus::Assigned),
            (&c1, ProvingStatus::Unassigned),
        ]);
        assert_eq!(chunks_only, "chunks 0/2 · proving chunk 0");
    }

    #[test]
    fn cycles_add_up_per_level_in_level_order() {
        let per_level = cycles_per_level([
            (TaskType::Bundle, 7),
            (TaskType::Chunk, 100),
            (TaskType::Batch, 50),
            (TaskType::Chunk, 20),
        ]);
        assert_eq!(
            per_level,
            [
                (TaskType::Chunk, 120),
                (TaskType::Batch, 50),
                (TaskType::Bundle, 7)
            ]
        );
        let summary = RunSummary {
            proofs: vec![ProofSummary {
                level: TaskType::Chunk,
                index: 0,
                blocks: (1, 1),
                txs: 3,
                gas: 60,
                proof_time_sec: 9,
                proof_bytes: 2048,
                proof_path: "proofs/chunk-0.json".into(),
                verified: true,
            }],
            cycles: per_level,
            proving: Duration::from_secs(10),
            assets: Duration::from_secs(1),
        };
        let table = summary_table(&summary);
        assert!(table.contains("     2 KB  yes"), "{table}");
        assert!(
            table.contains("guest cycles: chunk 120 (2.00 per gas), batch 50, bundle 7;"),
            "{table}"
        );
    }
}

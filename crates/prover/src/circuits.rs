//! The circuits this prover proves with, one per configured fork, loaded from the assets in
//! each fork's `workspace_path` (the folder `prover assets build --out` writes, holding
//! `<fork>/manifest.json` …; every file is checked against the manifest's sha256 and size), and
//! proving a coordinator task with them. A proof is verified against the fork's key before it
//! is returned, so a wrong proof is never submitted.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_coordinator_wire::TaskData;
use rollproof_libzkp::{
    assets::{load_chunk_program, load_chunk_vk, AssetManifest},
    ChunkProgram, ChunkVerifier, UniversalTask,
};
use rollproof_primitives::{ForkName, TaskType};
use rollproof_zkvm::ProvingParams;

use crate::config::Config;

/// Why a task cannot be proven. Each is reported to the coordinator as a failed attempt.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// A task type this build cannot prove yet.
    #[error("task type {0} is not supported by this prover")]
    UnsupportedType(u8),
    /// The task is for a fork this prover has no circuit for.
    #[error("no circuit configured for fork {0:?}")]
    UnknownFork(String),
    /// `task_data` is not a universal task for the announced fork.
    #[error("malformed task: {0}")]
    Task(String),
    /// Proving (or checking the proof) failed.
    #[error(transparent)]
    Libzkp(#[from] rollproof_libzkp::Error),
    /// The proof made does not verify: never submitted.
    #[error("the proof made does not verify: {0}")]
    SelfCheck(#[from] rollproof_libzkp::VerifyError),
}

/// The ZK version shared by every configured fork's assets (read from their manifests only).
pub fn zk_version_of(config: &Config) -> anyhow::Result<String> {
    let mut zk_version: Option<String> = None;
    for (fork, circuit) in &config.circuits {
        let dir = circuit.workspace_path.join(fork.as_str());
        let manifest = AssetManifest::read(&dir, *fork)
            .map_err(|e| anyhow::anyhow!("circuits.{fork}: assets in {}: {e}", dir.display()))?;
        match &zk_version {
            Some(v) if *v != manifest.zk_version => anyhow::bail!(
                "circuits.{fork}: ZK version {} differs from the other forks' {v}",
                manifest.zk_version
            ),
            _ => zk_version = Some(manifest.zk_version),
        }
    }
    zk_version.ok_or_else(|| anyhow::anyhow!("no fork configured"))
}

/// A proof made, with what it cost.
#[derive(Debug, Clone)]
pub struct ProvenTask {
    /// The wrapped proof's JSON (what `submit_proof` carries); it verified.
    pub proof_json: String,
    /// Guest cycles (RISC-V instructions) of the task's program.
    pub cycles: u64,
    /// L2 gas of the chunk's blocks.
    pub gas: u64,
}

/// The loaded circuits.
pub struct Circuits {
    programs: BTreeMap<ForkName, ChunkProgram>,
    verifier: ChunkVerifier,
    zk_version: String,
}

impl Circuits {
    /// Loads every configured fork's chunk program and key. All forks must share one ZK
    /// version (the prover announces one).
    pub fn load(config: &Config, params: ProvingParams) -> anyhow::Result<Self> {
        let zk_version = zk_version_of(config)?;
        let mut programs = BTreeMap::new();
        let mut verifier = ChunkVerifier::default();
        for (fork, circuit) in &config.circuits {
            let root = &circuit.workspace_path;
            let context = |what: &str| format!("circuits.{fork}: {what} in {}", root.display());
            let program = load_chunk_program(root, *fork, params)
                .map_err(|e| anyhow::anyhow!("{}: {e}", context("chunk program")))?;
            let vk = load_chunk_vk(root, *fork)
                .map_err(|e| anyhow::anyhow!("{}: {e}", context("chunk verifying key")))?;
            verifier.insert(*fork, vk);
            programs.insert(*fork, program);
            tracing::info!(%fork, "circuit loaded");
        }
        Ok(Self {
            programs,
            verifier,
            zk_version,
        })
    }

    /// The ZK version of the loaded assets.
    pub fn zk_version(&self) -> &str {
        &self.zk_version
    }

    /// The ids of the chunk verifying keys (base64), announced at login.
    pub fn vks_base64(&self) -> Vec<String> {
        self.verifier
            .forks()
            .filter_map(|fork| self.verifier.vk_id(fork))
            .map(|vk| STANDARD.encode(vk))
            .collect()
    }

    /// The forks with a circuit.
    pub fn forks(&self) -> impl Iterator<Item = ForkName> + '_ {
        self.programs.keys().copied()
    }

    /// Proves `task` and returns the wrapped proof (what `submit_proof` carries), after
    /// checking it verifies against the fork's key with the task's public inputs.
    pub fn prove(&self, task: &TaskData, git_version: &str) -> Result<ProvenTask, ProveError> {
        if !matches!(
            TaskType::try_from(i64::from(task.task_type)),
            Ok(TaskType::Chunk)
        ) {
            return Err(ProveError::UnsupportedType(task.task_type));
        }
        let fork: ForkName = task
            .hard_fork_name
            .parse()
            .map_err(|_| ProveError::UnknownFork(task.hard_fork_name.clone()))?;
        let universal: UniversalTask = serde_json::from_str(&task.task_data)
            .map_err(|e| ProveError::Task(format!("task_data: {e}")))?;
        if universal.fork_name != fork {
            return Err(ProveError::Task(format!(
                "task_data is for {}, the assignment for {fork}",
                universal.fork_name
            )));
        }
        self.prove_chunk(&universal, git_version)
    }

    /// Proves a chunk's universal task with its fork's circuit, after checking it verifies
    /// against the fork's key. The guest is executed first to count its cycles (a small
    /// fraction of proving time).
    pub fn prove_chunk(
        &self,
        universal: &UniversalTask,
        git_version: &str,
    ) -> Result<ProvenTask, ProveError> {
        let fork = universal.fork_name;
        let program = self
            .programs
            .get(&fork)
            .ok_or_else(|| ProveError::UnknownFork(fork.to_string()))?;
        let started = std::time::Instant::now();
        let execution = program.execute(&universal.chunk_witness()?)?;
        let executed = started.elapsed();
        let proof = program.prove_task(universal, git_version)?;
        let proved = started.elapsed() - executed;
        self.verifier.verify(fork, &proof)?;
        let checked = started.elapsed() - executed - proved;
        tracing::info!(
            %fork,
            cycles = execution.instructions,
            execute_secs = executed.as_secs_f64(),
            prove_secs = proved.as_secs_f64(),
            verify_secs = checked.as_secs_f64(),
            "chunk proof made and checked"
        );
        Ok(ProvenTask {
            proof_json: serde_json::to_string(&proof).expect("a proof always serializes"),
            cycles: execution.instructions,
            gas: proof.metadata.chunk_total_gas,
        })
    }
}

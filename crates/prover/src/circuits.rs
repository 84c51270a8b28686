//! The circuits this prover proves with, per configured fork, loaded from the assets in each
//! fork's `workspace_path` (the folder `prover assets build --out` writes, holding
//! `<fork>/manifest.json` …; every file is checked against the manifest's sha256 and size), and
//! proving a coordinator task with them. The chunk circuit is always loaded; the batch and
//! bundle circuits when `supported_proof_types` names them (their assets must then hold them;
//! loading each generates its deferral keys, about two minutes). A proof is verified against
//! the fork's key before it is returned, so a wrong proof is never submitted.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_coordinator_wire::TaskData;
use rollproof_libzkp::{
    assets::{load_batch_program, load_bundle_program, load_chunk_program, load_vk, AssetManifest},
    BatchProgram, BundleProgram, ChunkProgram, ProofMetadata, UniversalTask, Verifier,
    WrappedProof,
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
    /// L2 gas of the task's blocks (chunks and batches; 0 for a bundle).
    pub gas: u64,
}

/// One fork's loaded programs.
struct ForkPrograms {
    chunk: ChunkProgram,
    batch: Option<BatchProgram>,
    bundle: Option<BundleProgram>,
}

/// The loaded circuits.
pub struct Circuits {
    programs: BTreeMap<ForkName, ForkPrograms>,
    verifier: Verifier,
    zk_version: String,
}

/// The task types of `config`'s `supported_proof_types` (validated when the config loaded).
fn supported(config: &Config) -> Vec<TaskType> {
    config
        .sdk_config
        .prover
        .supported_proof_types
        .iter()
        .filter_map(|t| TaskType::try_from(i64::from(*t)).ok())
        .collect()
}

impl Circuits {
    /// Loads every configured fork's chunk program, the batch and bundle programs when
    /// `supported_proof_types` names them, and their keys. All forks must share one ZK version
    /// (the prover announces one).
    pub fn load(config: &Config, params: ProvingParams) -> anyhow::Result<Self> {
        let zk_version = zk_version_of(config)?;
        let types = supported(config);
        let mut programs = BTreeMap::new();
        let mut verifier = Verifier::default();
        for (fork, circuit) in &config.circuits {
            let root = &circuit.workspace_path;
            let context = |what: &str| format!("circuits.{fork}: {what} in {}", root.display());
            let failed =
                |what: &str, e: &dyn std::fmt::Display| anyhow::anyhow!("{}: {e}", context(what));
            let chunk =
                load_chunk_program(root, *fork, params).map_err(|e| failed("chunk program", &e))?;
            let mut loaded = vec![TaskType::Chunk];
            let batch = if types.contains(&TaskType::Batch) {
                tracing::info!(%fork, "loading the batch circuit and its deferral keys");
                loaded.push(TaskType::Batch);
                Some(
                    load_batch_program(root, *fork, params)
                        .map_err(|e| failed("batch program", &e))?,
                )
            } else {
                None
            };
            let bundle = if types.contains(&TaskType::Bundle) {
                tracing::info!(%fork, "loading the bundle circuit and its deferral keys");
                loaded.push(TaskType::Bundle);
                Some(
                    load_bundle_program(root, *fork, params)
                        .map_err(|e| failed("bundle program", &e))?,
                )
            } else {
                None
            };
            for kind in &loaded {
                let vk = load_vk(root, *fork, *kind)
                    .map_err(|e| failed(&format!("{kind} verifying key"), &e))?;
                verifier.insert(*fork, *kind, vk);
            }
            programs.insert(
                *fork,
                ForkPrograms {
                    chunk,
                    batch,
                    bundle,
                },
            );
            tracing::info!(%fork, circuits = ?loaded, "circuits loaded");
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

    /// The ids of the loaded verifying keys (base64), announced at login.
    pub fn vks_base64(&self) -> Vec<String> {
        let mut vks = Vec::new();
        for fork in self.forks() {
            for kind in [TaskType::Chunk, TaskType::Batch, TaskType::Bundle] {
                if let Some(vk) = self.verifier.vk_id(fork, kind) {
                    vks.push(STANDARD.encode(vk));
                }
            }
        }
        vks
    }

    /// The forks with a circuit.
    pub fn forks(&self) -> impl Iterator<Item = ForkName> + '_ {
        self.programs.keys().copied()
    }

    /// Proves `task` and returns the wrapped proof (what `submit_proof` carries), after
    /// checking it verifies against the fork's key with the task's public inputs.
    pub fn prove(&self, task: &TaskData, git_version: &str) -> Result<ProvenTask, ProveError> {
        let task_type = TaskType::try_from(i64::from(task.task_type))
            .map_err(|_| ProveError::UnsupportedType(task.task_type))?;
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
        match task_type {
            TaskType::Chunk => self.prove_chunk(&universal, git_version),
            TaskType::Batch => self.prove_batch(&universal, git_version),
            TaskType::Bundle => self.prove_bundle(&universal, git_version),
            TaskType::Undefined => Err(ProveError::UnsupportedType(task.task_type)),
        }
    }

    fn fork_programs(&self, fork: ForkName) -> Result<&ForkPrograms, ProveError> {
        self.programs
            .get(&fork)
            .ok_or_else(|| ProveError::UnknownFork(fork.to_string()))
    }

    /// Checks a proof made against the fork's key, logs what it cost and returns it as JSON.
    fn checked<M: ProofMetadata + serde::Serialize>(
        &self,
        proof: &WrappedProof<M>,
        started: std::time::Instant,
        executed: std::time::Duration,
        cycles: u64,
    ) -> Result<String, ProveError> {
        let fork = proof.metadata.fork();
        let proved = started.elapsed() - executed;
        self.verifier.verify(fork, proof)?;
        let checked = started.elapsed() - executed - proved;
        tracing::info!(
            %fork,
            circuit = %M::TASK_TYPE,
            cycles,
            execute_secs = executed.as_secs_f64(),
            prove_secs = proved.as_secs_f64(),
            verify_secs = checked.as_secs_f64(),
            proof_bytes = proof.proof.len(),
            "proof made and checked"
        );
        Ok(serde_json::to_string(proof).expect("a proof always serializes"))
    }

    /// Proves a chunk's universal task with its fork's circuit, after checking it verifies
    /// against the fork's key. The guest is executed first to count its cycles (a small
    /// fraction of proving time).
    pub fn prove_chunk(
        &self,
        universal: &UniversalTask,
        git_version: &str,
    ) -> Result<ProvenTask, ProveError> {
        let program = &self.fork_programs(universal.fork_name)?.chunk;
        let started = std::time::Instant::now();
        let execution = program.execute(&universal.chunk_witness()?)?;
        let executed = started.elapsed();
        let proof = program.prove_task(universal, git_version)?;
        Ok(ProvenTask {
            proof_json: self.checked(&proof, started, executed, execution.instructions)?,
            cycles: execution.instructions,
            gas: proof.metadata.chunk_total_gas,
        })
    }

    /// Proves a batch's universal task (its chunk proofs are verified inside the proof).
    pub fn prove_batch(
        &self,
        universal: &UniversalTask,
        git_version: &str,
    ) -> Result<ProvenTask, ProveError> {
        let fork = universal.fork_name;
        let program = self.fork_programs(fork)?.batch.as_ref().ok_or_else(|| {
            ProveError::Task(format!("this prover has no {fork} batch circuit loaded"))
        })?;
        let started = std::time::Instant::now();
        let input = universal.batch_input()?;
        let execution = program.execute(&input)?;
        let executed = started.elapsed();
        let proof = program.prove_task(universal, git_version)?;
        Ok(ProvenTask {
            proof_json: self.checked(&proof, started, executed, execution.instructions)?,
            cycles: execution.instructions,
            gas: input
                .chunk_proofs
                .iter()
                .map(|chunk| chunk.metadata.chunk_total_gas)
                .sum(),
        })
    }

    /// Proves a bundle's universal task (its batch proofs are verified inside the proof).
    pub fn prove_bundle(
        &self,
        universal: &UniversalTask,
        git_version: &str,
    ) -> Result<ProvenTask, ProveError> {
        let fork = universal.fork_name;
        let program = self.fork_programs(fork)?.bundle.as_ref().ok_or_else(|| {
            ProveError::Task(format!("this prover has no {fork} bundle circuit loaded"))
        })?;
        let started = std::time::Instant::now();
        let execution = program.execute(fork, &universal.bundle_batches()?)?;
        let executed = started.elapsed();
        let proof = program.prove_task(universal, git_version)?;
        Ok(ProvenTask {
            proof_json: self.checked(&proof, started, executed, execution.instructions)?,
            cycles: execution.instructions,
            gas: 0,
        })
    }
}

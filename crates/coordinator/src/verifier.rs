//! Proof verification with libzkp, per configured fork and circuit.
//!
//! [`Verifiers::load`] reads `prover_manager.verifier.verifiers` at startup: for each
//! `{assets_path, fork_name}` the verifying keys of `<assets_path>/<fork>/` (checked against the
//! fork's `manifest.json`): the chunk key always, the batch and bundle keys when the assets hold
//! those circuits; and the manifest's ZK version. A missing or corrupt asset fails startup with
//! an error naming the entry. The loaded keys decide three things:
//!
//! - a prover's fork set at login: the forks one of whose verifying keys (base64 of its id,
//!   [`vk_id`], as the reference's `vks`) the prover names;
//! - the `vk` of each task handed out, and which task types are handed out for a fork (a fork
//!   without batch assets gets no batch tasks);
//! - whether a submitted proof is accepted ([`Verifiers::verify`]): it must verify against the
//!   key of the fork's circuit and reveal exactly the public-input hash the task was built with.

use std::{collections::BTreeMap, path::PathBuf};

use alloy_primitives::B256;
use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_libzkp::{
    assets::AssetManifest, verifier::vk_id, BatchProofMetadata, BundleProofMetadata,
    ChunkProofMetadata, ProofMetadata, Verifier, VerifyError, WrappedProof,
};
use rollproof_primitives::{ForkName, TaskType};
use serde::de::DeserializeOwned;

use crate::config::{ConfigError, VerifierConfig};

/// What is known about one configured fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkKeys {
    /// The fork.
    pub fork: ForkName,
    /// The id of each circuit's verifying key, base64 (what provers list in `vks`): always the
    /// chunk circuit's, the batch and bundle circuits' when the assets hold them.
    pub vks: BTreeMap<TaskType, String>,
    /// The ZK version of the fork's assets (`manifest.json`).
    pub zk_version: String,
    /// The assets root it was loaded from.
    pub assets_path: PathBuf,
}

impl ForkKeys {
    /// The base64 id of the chunk verifying key.
    pub fn chunk_vk_base64(&self) -> &str {
        &self.vks[&TaskType::Chunk]
    }
}

/// Why a submitted proof is refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    /// libzkp refused the proof (malformed, wrong key or fork, invalid STARK, wrong pi hash).
    #[error(transparent)]
    Proof(#[from] VerifyError),
    /// The proof is for another task than the one assigned.
    #[error(
        "the proof is for public-input hash {found}, the assigned task's is {expected} \
         (a proof of another task)"
    )]
    OtherTask {
        /// The assigned task's pi hash.
        expected: B256,
        /// The proof's.
        found: B256,
    },
    /// The assignment has no recorded task metadata to check the proof against.
    #[error("the assignment has no recorded task metadata (the task was never delivered)")]
    NoTaskMetadata,
    /// The recorded task metadata is unreadable.
    #[error("the assignment's recorded task metadata is unreadable: {0}")]
    BadTaskMetadata(String),
    /// The task type has no proofs.
    #[error("{0} tasks have no proofs to verify")]
    Unsupported(TaskType),
}

/// The verifying keys of every configured fork, loaded once at startup.
pub struct Verifiers {
    keys: Verifier,
    forks: Vec<ForkKeys>,
}

impl Verifiers {
    /// Loads every configured fork's verifying keys and manifest. Fails, naming the entry,
    /// when an asset is missing or corrupt; at least one fork must be configured.
    pub fn load(config: &VerifierConfig) -> Result<Self, ConfigError> {
        if config.verifiers.is_empty() {
            return Err(ConfigError::Invalid {
                field: "prover_manager.verifier.verifiers",
                reason: "is empty: configure at least one fork's assets ({assets_path, \
                         fork_name}); without a verifying key no prover can log in"
                    .into(),
            });
        }
        let mut keys = Verifier::default();
        let mut forks = Vec::new();
        for (index, entry) in config.verifiers.iter().enumerate() {
            let fork: ForkName = entry.fork_name.parse().map_err(|_| ConfigError::Invalid {
                field: "prover_manager.verifier.verifiers[].fork_name",
                reason: format!("names an unknown fork {:?}", entry.fork_name),
            })?;
            let root = PathBuf::from(&entry.assets_path);
            let failed = |source| ConfigError::Assets {
                index,
                fork: fork.to_string(),
                path: entry.assets_path.clone(),
                source: Box::new(source),
            };
            let manifest = AssetManifest::read(&root.join(fork.as_str()), fork).map_err(failed)?;
            let mut vks = BTreeMap::new();
            for circuit in [TaskType::Chunk, TaskType::Batch, TaskType::Bundle] {
                if circuit != TaskType::Chunk && !manifest.has_circuit(circuit) {
                    continue;
                }
                let vk = rollproof_libzkp::assets::load_vk(&root, fork, circuit).map_err(failed)?;
                vks.insert(circuit, STANDARD.encode(vk_id(&vk)));
                keys.insert(fork, circuit, vk);
            }
            forks.push(ForkKeys {
                fork,
                vks,
                zk_version: manifest.zk_version,
                assets_path: root,
            });
        }
        forks.sort_by_key(|f| f.fork);
        Ok(Self { keys, forks })
    }

    /// The configured forks, in activation order.
    pub fn forks(&self) -> &[ForkKeys] {
        &self.forks
    }

    /// The keys of `fork`, if configured.
    pub fn get(&self, fork: ForkName) -> Option<&ForkKeys> {
        self.forks.iter().find(|f| f.fork == fork)
    }

    /// The id of the verifying key of `fork`'s `circuit`, if configured (a task's `vk`).
    pub fn vk(&self, fork: ForkName, circuit: TaskType) -> Option<&[u8]> {
        self.keys.vk_id(fork, circuit)
    }

    /// The id of `fork`'s chunk verifying key, if configured (a chunk task's `vk`).
    pub fn chunk_vk(&self, fork: ForkName) -> Option<&[u8]> {
        self.vk(fork, TaskType::Chunk)
    }

    /// The configured forks whose assets hold `circuit`, in activation order.
    pub fn forks_with(&self, circuit: TaskType) -> Vec<ForkName> {
        self.forks
            .iter()
            .filter(|f| f.vks.contains_key(&circuit))
            .map(|f| f.fork)
            .collect()
    }

    /// The configured forks of ZK version `zk_version` one of whose verifying keys is among
    /// `vks` (base64 strings, as provers send them at login), in activation order.
    pub fn forks_of_vks(&self, vks: &[String], zk_version: &str) -> Vec<ForkName> {
        self.forks
            .iter()
            .filter(|f| {
                f.zk_version == zk_version
                    && vks
                        .iter()
                        .any(|v| f.vks.values().any(|known| v.trim() == known))
            })
            .map(|f| f.fork)
            .collect()
    }

    /// Whether `zk_version` is the ZK version of some configured fork's assets.
    pub fn knows_zk_version(&self, zk_version: &str) -> bool {
        self.forks.iter().any(|f| f.zk_version == zk_version)
    }

    /// The distinct ZK versions of the configured assets (for messages).
    pub fn zk_versions(&self) -> Vec<&str> {
        let mut versions: Vec<&str> = self.forks.iter().map(|f| f.zk_version.as_str()).collect();
        versions.sort_unstable();
        versions.dedup();
        versions
    }

    /// Verifies a submitted proof of a task of `task_type` against the assignment's recorded
    /// task metadata (`expected`, JSON of the task's proof metadata). CPU-heavy: call it off
    /// the async runtime.
    pub fn verify(
        &self,
        task_type: TaskType,
        proof: &[u8],
        expected: Option<&[u8]>,
    ) -> Result<(), VerifyFailure> {
        let expected = expected.ok_or(VerifyFailure::NoTaskMetadata)?;
        match task_type {
            TaskType::Chunk => self.verify_against::<ChunkProofMetadata>(proof, expected),
            TaskType::Batch => self.verify_against::<BatchProofMetadata>(proof, expected),
            TaskType::Bundle => self.verify_against::<BundleProofMetadata>(proof, expected),
            TaskType::Undefined => Err(VerifyFailure::Unsupported(task_type)),
        }
    }

    /// Verifies a proof (wrapped-proof JSON) for the task whose expected metadata is `expected`
    /// (JSON): same fork and public-input hash, and a STARK proof that verifies against the
    /// fork's key and reveals that hash.
    fn verify_against<M: ProofMetadata + DeserializeOwned>(
        &self,
        proof: &[u8],
        expected: &[u8],
    ) -> Result<(), VerifyFailure> {
        let expected: M = serde_json::from_slice(expected)
            .map_err(|e| VerifyFailure::BadTaskMetadata(e.to_string()))?;
        let proof: WrappedProof<M> =
            serde_json::from_slice(proof).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let (want, found) = (expected.pi_hash(), proof.metadata.pi_hash());
        if want != found || proof.metadata.fork() != expected.fork() {
            return Err(VerifyFailure::OtherTask {
                expected: want,
                found,
            });
        }
        self.keys.verify(expected.fork(), &proof)?;
        Ok(())
    }

    /// Verifies a proof of `circuit` for `fork` on its own (no assigned task to compare with):
    /// the offline check of `coordinator_tool verify`.
    pub fn verify_offline(
        &self,
        circuit: TaskType,
        fork: ForkName,
        proof: &[u8],
    ) -> Result<(), VerifyFailure> {
        Ok(self.keys.verify_json(circuit, fork, proof)?)
    }
}

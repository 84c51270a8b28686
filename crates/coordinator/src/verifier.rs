//! Proof verification with libzkp, per configured fork.
//!
//! [`Verifiers::load`] reads `prover_manager.verifier.verifiers` at startup: for each
//! `{assets_path, fork_name}` the chunk verifying key of `<assets_path>/<fork>/` (checked
//! against the fork's `manifest.json`) and the manifest's ZK version. A missing or corrupt asset
//! fails startup with an error naming the entry. The loaded keys decide three things:
//!
//! - a prover's fork set at login: the forks whose verifying key (base64 of
//!   id, [`ChunkVerifier::vk_id`], as the reference's `vks`) the prover names;
//! - the `vk` of each chunk task handed out;
//! - whether a submitted chunk proof is accepted ([`Verifiers::verify_chunk`]): it must verify
//!   against the fork's key and reveal exactly the public-input hash the task was built with.
//!
//! Batch and bundle circuits do not exist yet, so there is no verifier for them: the coordinator
//! does not hand those tasks out (see [`crate::api`]), and [`Verifiers::verify`] refuses their
//! proofs.

use std::path::PathBuf;

use alloy_primitives::B256;
use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_libzkp::{
    assets::{load_chunk_vk, AssetManifest},
    ChunkProof, ChunkProofMetadata, ChunkVerifier, VerifyError,
};
use rollproof_primitives::{ForkName, TaskType};

use crate::config::{ConfigError, VerifierConfig};

/// What is known about one configured fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkKeys {
    /// The fork.
    pub fork: ForkName,
    /// The id of the chunk verifying key, base64 (what provers list in `vks`).
    pub vk_base64: String,
    /// The ZK version of the fork's assets (`manifest.json`).
    pub zk_version: String,
    /// The assets root it was loaded from.
    pub assets_path: PathBuf,
}

/// Why a submitted proof is refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    /// libzkp refused the proof (malformed, wrong key or fork, invalid STARK, wrong pi hash).
    #[error(transparent)]
    Proof(#[from] VerifyError),
    /// The proof is valid but for another chunk than the one assigned.
    #[error(
        "the proof is for public-input hash {found}, the assigned task's is {expected} \
         (a proof of another chunk)"
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
    /// No circuit (so no verifier) exists for this task type yet.
    #[error("no verifier exists for {0} proofs yet")]
    Unsupported(TaskType),
}

/// The verifying keys of every configured fork, loaded once at startup.
pub struct Verifiers {
    chunk: ChunkVerifier,
    forks: Vec<ForkKeys>,
}

impl Verifiers {
    /// Loads every configured fork's chunk verifying key and manifest. Fails, naming the entry,
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
        let mut chunk = ChunkVerifier::default();
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
            let vk = load_chunk_vk(&root, fork).map_err(failed)?;
            chunk.insert(fork, vk);
            let vk_id = chunk.vk_id(fork).expect("just inserted");
            forks.push(ForkKeys {
                fork,
                vk_base64: STANDARD.encode(vk_id),
                zk_version: manifest.zk_version,
                assets_path: root,
            });
        }
        forks.sort_by_key(|f| f.fork);
        Ok(Self { chunk, forks })
    }

    /// The configured forks, in activation order.
    pub fn forks(&self) -> &[ForkKeys] {
        &self.forks
    }

    /// The keys of `fork`, if configured.
    pub fn get(&self, fork: ForkName) -> Option<&ForkKeys> {
        self.forks.iter().find(|f| f.fork == fork)
    }

    /// The id of `fork`'s chunk verifying key, if configured (a chunk task's `vk`).
    pub fn chunk_vk(&self, fork: ForkName) -> Option<&[u8]> {
        self.chunk.vk_id(fork)
    }

    /// The configured forks of ZK version `zk_version` whose verifying key is among `vks`
    /// (base64 strings, as provers send them at login), in activation order.
    pub fn forks_of_vks(&self, vks: &[String], zk_version: &str) -> Vec<ForkName> {
        self.forks
            .iter()
            .filter(|f| f.zk_version == zk_version && vks.iter().any(|v| v.trim() == f.vk_base64))
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
    /// task metadata (`expected`, JSON of the task's [`ChunkProofMetadata`]). CPU-heavy: call it
    /// off the async runtime.
    pub fn verify(
        &self,
        task_type: TaskType,
        proof: &[u8],
        expected: Option<&[u8]>,
    ) -> Result<ChunkProofMetadata, VerifyFailure> {
        match task_type {
            TaskType::Chunk => {
                let expected = expected.ok_or(VerifyFailure::NoTaskMetadata)?;
                let expected: ChunkProofMetadata = serde_json::from_slice(expected)
                    .map_err(|e| VerifyFailure::BadTaskMetadata(e.to_string()))?;
                self.verify_chunk(proof, &expected)
            }
            other => Err(VerifyFailure::Unsupported(other)),
        }
    }

    /// Verifies a chunk proof (wrapped-proof JSON) for the task whose expected metadata is
    /// `expected`: same fork and public-input hash, and a STARK proof that verifies against the
    /// fork's key and reveals that hash. Returns the proof's metadata.
    pub fn verify_chunk(
        &self,
        proof: &[u8],
        expected: &ChunkProofMetadata,
    ) -> Result<ChunkProofMetadata, VerifyFailure> {
        let proof: ChunkProof =
            serde_json::from_slice(proof).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let (want, found) = (expected.pi_hash(), proof.metadata.pi_hash());
        if want != found || proof.metadata.fork_name != expected.fork_name {
            return Err(VerifyFailure::OtherTask {
                expected: want,
                found,
            });
        }
        self.chunk.verify(expected.fork_name, &proof)?;
        Ok(proof.metadata)
    }

    /// Verifies a chunk proof for `fork` on its own (no assigned task to compare with): the
    /// offline check of `coordinator_tool verify`.
    pub fn verify_chunk_offline(
        &self,
        fork: ForkName,
        proof: &[u8],
    ) -> Result<ChunkProofMetadata, VerifyFailure> {
        let proof: ChunkProof =
            serde_json::from_slice(proof).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        self.chunk.verify(fork, &proof)?;
        Ok(proof.metadata)
    }
}

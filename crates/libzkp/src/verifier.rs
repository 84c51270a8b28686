//! Proof verification per fork and circuit: the proof must verify against the verifying key of
//! the fork's circuit (chunk, batch or bundle: the proof's metadata type says which), claim
//! exactly that key, and reveal the public-input hash of its metadata.
//!
//! [`Verifier::from_config`] loads the keys of every fork a [`VerifierConfig`] lists
//! (the original's `init_verifier` JSON, `{circuits: [{fork_name, assets_path}]}`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy_primitives::B256;
use rollproof_primitives::{ForkName, TaskType};
use rollproof_zkvm::{verify_stark_proof, StarkProof, StarkVerifyingKey, ZkvmError};
use serde::{Deserialize, Serialize};

use crate::{
    assets::{load_chunk_vk, load_vk, AssetError, AssetManifest, MANIFEST},
    proof::{
        BatchProofMetadata, BundleProofMetadata, ChunkProofMetadata, ProofMetadata, WrappedProof,
    },
};

/// The identifier of a verifying key that tasks, proofs and login messages carry in their `vk`
/// fields: the sha256 of the key's bytes. The key itself is about 90 KB; it stays in the assets
/// and is what proofs are checked against.
pub fn vk_id(vk: &StarkVerifyingKey) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(vk.to_bytes()).to_vec()
}

/// Why a proof was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// No verifying key is configured for the fork.
    #[error("no verifier for fork {0}")]
    UnknownFork(ForkName),
    /// The fork is configured, but its assets hold no key for the proof's circuit.
    #[error("fork {fork} has no {circuit} verifier (its assets lack the {circuit} circuit)")]
    NoCircuit {
        /// The fork.
        fork: ForkName,
        /// The proof's circuit.
        circuit: TaskType,
    },
    /// The proof claims another verifying key than the fork's.
    #[error("the proof is for another verifying key than fork {0}'s")]
    WrongVk(ForkName),
    /// The proof's metadata names another fork than the one it is verified for.
    #[error("the proof's metadata is for fork {found}, verified as {expected}")]
    ForkMismatch {
        /// The fork asked for.
        expected: ForkName,
        /// The fork in the metadata.
        found: ForkName,
    },
    /// The STARK proof does not verify (tampered, truncated, another program).
    #[error("invalid proof: {0}")]
    InvalidProof(ZkvmError),
    /// The proof verifies but reveals another public-input hash than its metadata implies.
    #[error("public-input hash mismatch: metadata implies {expected}, the proof reveals {found}")]
    PiMismatch {
        /// keccak256 of the metadata's public inputs.
        expected: B256,
        /// What the proof revealed.
        found: String,
    },
    /// The input is not a wrapped proof.
    #[error("malformed proof: {0}")]
    Malformed(String),
}

/// Which forks to verify and where their assets are: `{"circuits": [{"fork_name": "galileo",
/// "assets_path": "/srv/assets"}]}`. Fork names are case-insensitive.
///
/// `assets_path` is the assets ROOT, the folder that holds `<fork>/manifest.json` (what
/// `prover assets build --out <root>` writes), not the fork's own folder: several forks may
/// share one root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// One entry per fork.
    pub circuits: Vec<CircuitAssets>,
}

/// One fork of a [`VerifierConfig`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitAssets {
    /// The fork (any case on the wire).
    pub fork_name: ForkName,
    /// The assets root holding `<fork>/manifest.json`.
    pub assets_path: PathBuf,
}

/// Why a [`VerifierConfig`] cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum VerifierConfigError {
    /// The JSON is not a verifier config.
    #[error("malformed verifier config: {0}")]
    Malformed(String),
    /// The config lists no fork.
    #[error("the verifier config lists no circuits")]
    Empty,
    /// A fork is listed twice.
    #[error("the verifier config lists fork {0} twice")]
    DuplicateFork(ForkName),
    /// `assets_path` is a fork's folder instead of the assets root above it.
    #[error(
        "fork {fork}: assets_path {} holds manifest.json itself; give the assets root that \
         holds {fork}/manifest.json (here its parent folder)",
        path.display()
    )]
    ForkFolderGiven {
        /// The fork.
        fork: ForkName,
        /// The path given.
        path: PathBuf,
    },
    /// A fork's assets do not load.
    #[error("fork {fork}: {source}")]
    Assets {
        /// The fork.
        fork: ForkName,
        /// The failure.
        source: AssetError,
    },
}

impl VerifierConfig {
    /// Parses a config from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, VerifierConfigError> {
        serde_json::from_slice(json).map_err(|e| VerifierConfigError::Malformed(e.to_string()))
    }
}

/// The verifying keys of each fork's circuits: always the chunk circuit's, and the batch and
/// bundle circuits' when the fork's assets hold them.
#[derive(Default)]
pub struct Verifier {
    keys: BTreeMap<(ForkName, TaskType), (StarkVerifyingKey, Vec<u8>)>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("circuits", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Loads the verifying keys of every fork in `config`, each checked against its manifest:
    /// the chunk key (required), and the batch and bundle keys the manifest lists. Fails on the
    /// first fork that does not load, on a fork listed twice and on an empty list.
    pub fn from_config(config: &VerifierConfig) -> Result<Self, VerifierConfigError> {
        if config.circuits.is_empty() {
            return Err(VerifierConfigError::Empty);
        }
        // Refuse a duplicate before loading anything: loading keys is the slow part.
        let mut forks = std::collections::BTreeSet::new();
        if let Some(twice) = config.circuits.iter().find(|c| !forks.insert(c.fork_name)) {
            return Err(VerifierConfigError::DuplicateFork(twice.fork_name));
        }
        let mut verifier = Self::default();
        for circuit in &config.circuits {
            let fork = circuit.fork_name;
            let failed = |source| VerifierConfigError::Assets { fork, source };
            verifier.insert(
                fork,
                TaskType::Chunk,
                load_fork_vk(&circuit.assets_path, fork)?,
            );
            let dir = circuit.assets_path.join(fork.as_str());
            let manifest = AssetManifest::read(&dir, fork).map_err(failed)?;
            for kind in [TaskType::Batch, TaskType::Bundle] {
                if manifest.has_circuit(kind) {
                    let vk = load_vk(&circuit.assets_path, fork, kind).map_err(failed)?;
                    verifier.insert(fork, kind, vk);
                }
            }
        }
        Ok(verifier)
    }

    /// The forks with a chunk verifying key, in activation order.
    pub fn forks(&self) -> impl Iterator<Item = ForkName> + '_ {
        self.keys
            .keys()
            .filter(|(_, kind)| *kind == TaskType::Chunk)
            .map(|(fork, _)| *fork)
    }

    /// Whether `fork`'s `circuit` has a verifying key.
    pub fn has(&self, fork: ForkName, circuit: TaskType) -> bool {
        self.keys.contains_key(&(fork, circuit))
    }

    /// Adds (or replaces) the verifying key of `fork`'s `circuit`.
    pub fn insert(&mut self, fork: ForkName, circuit: TaskType, vk: StarkVerifyingKey) {
        let id = vk_id(&vk);
        self.keys.insert((fork, circuit), (vk, id));
    }

    /// The [`vk_id`] of the verifying key of `fork`'s `circuit`, if configured.
    pub fn vk_id(&self, fork: ForkName, circuit: TaskType) -> Option<&[u8]> {
        self.keys.get(&(fork, circuit)).map(|(_, id)| id.as_slice())
    }

    /// Why `fork`'s `circuit` cannot be verified: the fork is unknown, or only that circuit.
    fn missing(&self, fork: ForkName, circuit: TaskType) -> VerifyError {
        if self.has(fork, TaskType::Chunk) {
            VerifyError::NoCircuit { fork, circuit }
        } else {
            VerifyError::UnknownFork(fork)
        }
    }

    /// Verifies a wrapped proof (chunk, batch or bundle, by its metadata type) for `fork`: the
    /// metadata must be for `fork` and consistent, the proof must claim the fork's key, verify
    /// against it and reveal the metadata's public-input hash.
    pub fn verify<M: ProofMetadata>(
        &self,
        fork: ForkName,
        proof: &WrappedProof<M>,
    ) -> Result<(), VerifyError> {
        let circuit = M::TASK_TYPE;
        let Some((vk, id)) = self.keys.get(&(fork, circuit)) else {
            return Err(self.missing(fork, circuit));
        };
        if proof.metadata.fork() != fork {
            return Err(VerifyError::ForkMismatch {
                expected: fork,
                found: proof.metadata.fork(),
            });
        }
        proof
            .metadata
            .check_consistent()
            .map_err(VerifyError::Malformed)?;
        if proof.vk != *id {
            return Err(VerifyError::WrongVk(fork));
        }
        let revealed = verify_stark_proof(vk, &StarkProof(proof.proof.clone()))
            .map_err(VerifyError::InvalidProof)?;
        let expected = proof.metadata.pi_hash();
        if revealed != expected.as_slice() {
            return Err(VerifyError::PiMismatch {
                expected,
                found: alloy_primitives::hex::encode_prefixed(&revealed),
            });
        }
        Ok(())
    }

    /// Verifies a wrapped proof of `circuit` given as JSON.
    pub fn verify_json(
        &self,
        circuit: TaskType,
        fork: ForkName,
        json: &[u8],
    ) -> Result<(), VerifyError> {
        fn parsed<M: serde::de::DeserializeOwned>(
            json: &[u8],
        ) -> Result<WrappedProof<M>, VerifyError> {
            serde_json::from_slice(json).map_err(|e| VerifyError::Malformed(e.to_string()))
        }
        // Say which key is missing before saying the JSON is not that circuit's proof.
        if circuit != TaskType::Undefined && !self.has(fork, circuit) {
            return Err(self.missing(fork, circuit));
        }
        match circuit {
            TaskType::Chunk => self.verify(fork, &parsed::<ChunkProofMetadata>(json)?),
            TaskType::Batch => self.verify(fork, &parsed::<BatchProofMetadata>(json)?),
            TaskType::Bundle => self.verify(fork, &parsed::<BundleProofMetadata>(json)?),
            TaskType::Undefined => Err(VerifyError::Malformed(
                "task type undefined has no proofs".to_string(),
            )),
        }
    }
}

/// `fork`'s chunk key under the assets root `root`, with a clear error when `root` is the
/// fork's folder itself.
fn load_fork_vk(root: &Path, fork: ForkName) -> Result<StarkVerifyingKey, VerifierConfigError> {
    load_chunk_vk(root, fork).map_err(|source| {
        let fork_manifest_missing = !root.join(fork.as_str()).join(MANIFEST).exists();
        if fork_manifest_missing && root.join(MANIFEST).exists() {
            VerifierConfigError::ForkFolderGiven {
                fork,
                path: root.to_path_buf(),
            }
        } else {
            VerifierConfigError::Assets { fork, source }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::write_unloadable_assets;

    /// A fresh folder under the system temp dir, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Self {
            let path = std::env::temp_dir()
                .join(format!("rollproof-verifier-{label}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn config(entries: &[(&str, &Path)]) -> VerifierConfig {
        let circuits: Vec<_> = entries
            .iter()
            .map(|(fork, path)| serde_json::json!({"fork_name": fork, "assets_path": path}))
            .collect();
        VerifierConfig::from_json(
            &serde_json::to_vec(&serde_json::json!({ "circuits": circuits })).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn config_parses_forks_in_any_case() {
        let parsed = VerifierConfig::from_json(
            br#"{"circuits":[{"fork_name":"GalileoV2","assets_path":"/srv/assets"}]}"#,
        )
        .unwrap();
        assert_eq!(
            parsed.circuits,
            vec![CircuitAssets {
                fork_name: ForkName::GalileoV2,
                assets_path: PathBuf::from("/srv/assets"),
            }]
        );
        for bad in [
            &b"not json"[..],
            br#"{"circuits":[{"fork_name":"nofork","assets_path":"/a"}]}"#,
            br#"{"circuits":[{"fork_name":"galileo"}]}"#,
            br#"{"verifiers":[]}"#,
        ] {
            assert!(
                matches!(
                    VerifierConfig::from_json(bad),
                    Err(VerifierConfigError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn from_config_refuses_empty_duplicate_missing_and_bogus_assets() {
        let root = Scratch::new("config");
        assert!(matches!(
            Verifier::from_config(&VerifierConfig { circuits: vec![] }),
            Err(VerifierConfigError::Empty)
        ));
        assert!(matches!(
            Verifier::from_config(&config(&[("galileo", &root.0), ("GALILEO", &root.0)])),
            Err(VerifierConfigError::DuplicateFork(ForkName::Galileo))
        ));
        // Nothing under the root yet.
        let missing = Verifier::from_config(&config(&[("galileo", &root.0)])).unwrap_err();
        assert!(
            matches!(
                missing,
                VerifierConfigError::Assets {
                    fork: ForkName::Galileo,
                    source: AssetError::Io { .. }
                }
            ),
            "{missing}"
        );
        // A manifest-checked file that is not a verifying key.
        write_unloadable_assets(&root.0, ForkName::Galileo).unwrap();
        let bogus = Verifier::from_config(&config(&[("galileo", &root.0)])).unwrap_err();
        assert!(
            matches!(
                bogus,
                VerifierConfigError::Assets {
                    fork: ForkName::Galileo,
                    source: AssetError::Zkvm(_)
                }
            ),
            "{bogus}"
        );
        // The fork's folder given instead of the root: the error says what to give.
        let fork_dir = root.0.join("galileo");
        let wrong = Verifier::from_config(&config(&[("galileo", &fork_dir)])).unwrap_err();
        assert!(
            matches!(&wrong, VerifierConfigError::ForkFolderGiven { path, .. } if *path == fork_dir),
            "{wrong}"
        );
        assert!(wrong.to_string().contains("assets root"), "{wrong}");
    }
}

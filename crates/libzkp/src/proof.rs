//! Wrapped proofs, the JSON that travels from prover to coordinator: `{metadata, proof, vk,
//! git_version}` as in the original stack. `proof` and `vk` are base64 strings of the
//! aggregated STARK proof and of the verifying key it claims.
//!
//! Each proof type's metadata ([`ChunkProofMetadata`], [`BatchProofMetadata`],
//! [`BundleProofMetadata`]) implements [`ProofMetadata`]: the fork and the public-input hash a
//! valid proof of it reveals, which is all a verifier needs from it.
//!
//! [`wrap_proof`] assembles a wrapped proof from a bare proof, the metadata the coordinator
//! kept when it built the task, and the verifying key (the original's `gen_wrapped_proof`).

use alloy_primitives::B256;
use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_primitives::{
    BatchInfo, BundleInfo, ChunkInfo, Domain, ForkName, PiVersion, PublicInputs, TaskType,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proof with what it proves and the key it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedProof<M> {
    /// What the proof claims (its public inputs in the clear).
    pub metadata: M,
    /// The aggregated STARK proof.
    #[serde(with = "base64_bytes")]
    pub proof: Vec<u8>,
    /// The [`vk_id`](crate::verifier::vk_id) of the key the prover used (must be the fork's).
    #[serde(with = "base64_bytes")]
    pub vk: Vec<u8>,
    /// The prover's build (`vX.Y.Z-<git>-<zk version>`), informational.
    pub git_version: String,
}

/// What a chunk proof claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkProofMetadata {
    /// The chunk's public inputs.
    pub chunk_info: ChunkInfo,
    /// Gas used by the chunk's blocks.
    pub chunk_total_gas: u64,
    /// The fork whose rules and public-input version the proof uses.
    pub fork_name: ForkName,
}

/// What a verifier needs from a proof's metadata.
pub trait ProofMetadata {
    /// The circuit that makes proofs with this metadata.
    const TASK_TYPE: TaskType;
    /// The fork the proof claims to be for.
    fn fork(&self) -> ForkName;
    /// The public-input hash a valid proof reveals (rollup domain).
    fn pi_hash(&self) -> B256;
    /// Refuses metadata that contradicts itself (a stated hash that is not its info's).
    fn check_consistent(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The version byte of `fork`'s rollup-domain public inputs.
fn rollup_version(fork: ForkName) -> u8 {
    PiVersion::new(fork, Domain::Rollup).byte()
}

impl ProofMetadata for ChunkProofMetadata {
    const TASK_TYPE: TaskType = TaskType::Chunk;

    fn fork(&self) -> ForkName {
        self.fork_name
    }

    fn pi_hash(&self) -> B256 {
        self.chunk_info.pi_hash(rollup_version(self.fork_name))
    }
}

/// A chunk's wrapped proof.
pub type ChunkProof = WrappedProof<ChunkProofMetadata>;

/// What a batch proof claims: `{batch_info, batch_hash, fork_name}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProofMetadata {
    /// The batch's public inputs.
    pub batch_info: BatchInfo,
    /// The batch's hash (its header's keccak256), as `batch_info.batch_hash`.
    pub batch_hash: B256,
    /// The fork whose rules and public-input version the proof uses.
    pub fork_name: ForkName,
}

impl BatchProofMetadata {
    /// The metadata of a proof of the batch `batch_info` under `fork`.
    pub fn new(batch_info: BatchInfo, fork: ForkName) -> Self {
        Self {
            batch_hash: batch_info.batch_hash,
            batch_info,
            fork_name: fork,
        }
    }
}

impl ProofMetadata for BatchProofMetadata {
    const TASK_TYPE: TaskType = TaskType::Batch;

    fn fork(&self) -> ForkName {
        self.fork_name
    }

    fn pi_hash(&self) -> B256 {
        self.batch_info.pi_hash(rollup_version(self.fork_name))
    }

    fn check_consistent(&self) -> Result<(), String> {
        if self.batch_hash != self.batch_info.batch_hash {
            return Err(format!(
                "batch_hash {} is not batch_info.batch_hash {}",
                self.batch_hash, self.batch_info.batch_hash
            ));
        }
        Ok(())
    }
}

/// A batch's wrapped proof.
pub type BatchProof = WrappedProof<BatchProofMetadata>;

/// What a bundle proof claims: `{bundle_info, bundle_pi_hash, fork_name}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleProofMetadata {
    /// The bundle's public inputs.
    pub bundle_info: BundleInfo,
    /// keccak256 of the bundle's public-input bytes: what the L1 verifier checks.
    pub bundle_pi_hash: B256,
    /// The fork whose rules and public-input version the proof uses.
    pub fork_name: ForkName,
}

impl BundleProofMetadata {
    /// The metadata of a proof of the bundle `bundle_info` under `fork`.
    pub fn new(bundle_info: BundleInfo, fork: ForkName) -> Self {
        Self {
            bundle_pi_hash: bundle_info.pi_hash(rollup_version(fork)),
            bundle_info,
            fork_name: fork,
        }
    }
}

impl ProofMetadata for BundleProofMetadata {
    const TASK_TYPE: TaskType = TaskType::Bundle;

    fn fork(&self) -> ForkName {
        self.fork_name
    }

    fn pi_hash(&self) -> B256 {
        self.bundle_info.pi_hash(rollup_version(self.fork_name))
    }

    fn check_consistent(&self) -> Result<(), String> {
        let expected = self.pi_hash();
        if self.bundle_pi_hash != expected {
            return Err(format!(
                "bundle_pi_hash {} is not the hash of bundle_info ({expected})",
                self.bundle_pi_hash
            ));
        }
        Ok(())
    }
}

/// A bundle's wrapped proof (an aggregated STARK proof; the EVM SNARK is not built here).
pub type BundleProof = WrappedProof<BundleProofMetadata>;

/// Assembles the JSON of a wrapped proof `{metadata, proof, vk, git_version}` from its parts:
/// `proof_json` is the bare proof as a JSON string (base64 of the aggregated STARK proof, the
/// `proof` field of a [`WrappedProof`]), `metadata_json` a JSON object (any task type's
/// metadata, kept as given) and `vk` the verifying key's id. Nothing is verified here.
pub fn wrap_proof(
    proof_json: &[u8],
    metadata_json: &[u8],
    vk: &[u8],
    git_version: &str,
) -> Result<String, crate::Error> {
    #[derive(Deserialize)]
    struct BareProof(#[serde(with = "base64_bytes")] Vec<u8>);

    let malformed = |what: &str, e: serde_json::Error| crate::Error::Proof(format!("{what}: {e}"));
    let BareProof(proof) =
        serde_json::from_slice(proof_json).map_err(|e| malformed("bare proof", e))?;
    let metadata: serde_json::Value =
        serde_json::from_slice(metadata_json).map_err(|e| malformed("metadata", e))?;
    if !metadata.is_object() {
        return Err(crate::Error::Proof(
            "metadata: expected a JSON object".into(),
        ));
    }
    let wrapped = WrappedProof {
        metadata,
        proof,
        vk: vk.to_vec(),
        git_version: git_version.to_string(),
    };
    Ok(serde_json::to_string(&wrapped).expect("a wrapped proof always serializes"))
}

/// Serde for bytes as standard base64 strings.
pub(crate) mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_proof_assembles_a_wrapped_proof() {
        let metadata = br#"{"chunk_total_gas": 21000, "fork_name": "galileo"}"#;
        let json = wrap_proof(br#""AQID""#, metadata, &[9, 8], "v1").unwrap();
        let wrapped: WrappedProof<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(wrapped.proof, vec![1, 2, 3]);
        assert_eq!(wrapped.vk, vec![9, 8]);
        assert_eq!(wrapped.git_version, "v1");
        assert_eq!(
            wrapped.metadata,
            serde_json::from_slice::<serde_json::Value>(metadata).unwrap()
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["vk"], "CQg=");
    }

    #[test]
    fn aggregation_metadata_must_agree_with_its_info() {
        let info = BatchInfo {
            parent_state_root: B256::repeat_byte(1),
            parent_batch_hash: B256::repeat_byte(2),
            state_root: B256::repeat_byte(3),
            batch_hash: B256::repeat_byte(4),
            chain_id: 5,
            withdraw_root: B256::repeat_byte(6),
            prev_msg_queue_hash: B256::repeat_byte(7),
            post_msg_queue_hash: B256::repeat_byte(8),
        };
        let batch = BatchProofMetadata::new(info.clone(), ForkName::Galileo);
        assert_eq!(batch.batch_hash, info.batch_hash);
        batch.check_consistent().unwrap();
        assert_eq!(
            batch.pi_hash(),
            info.pi_hash(PiVersion::new(ForkName::Galileo, Domain::Rollup).byte())
        );
        let mut wrong = batch.clone();
        wrong.batch_hash = B256::ZERO;
        assert!(wrong.check_consistent().unwrap_err().contains("batch_hash"));
        // The stated hash is informational: the pi hash comes from the info.
        assert_eq!(wrong.pi_hash(), batch.pi_hash());

        let bundle_info = BundleInfo::from_batches(&[info]).unwrap();
        let bundle = BundleProofMetadata::new(bundle_info, ForkName::GalileoV2);
        bundle.check_consistent().unwrap();
        assert_eq!(bundle.bundle_pi_hash, bundle.pi_hash());
        let mut wrong = bundle.clone();
        wrong.bundle_pi_hash = B256::ZERO;
        assert!(wrong
            .check_consistent()
            .unwrap_err()
            .contains("bundle_pi_hash"));
        // Another fork, another version byte, another hash.
        let mut other_fork = bundle.clone();
        other_fork.fork_name = ForkName::Galileo;
        assert_ne!(other_fork.pi_hash(), bundle.pi_hash());
        let json = serde_json::to_value(&bundle).unwrap();
        assert!(json.get("bundle_info").is_some() && json.get("bundle_pi_hash").is_some());
    }

    #[test]
    fn wrap_proof_refuses_malformed_parts() {
        for (proof, metadata) in [
            (&br#""not base64!""#[..], &b"{}"[..]),
            (b"AQID", b"{}"),
            (br#"{"proof": "AQID"}"#, b"{}"),
            (br#""AQID""#, b"not json"),
            (br#""AQID""#, b"[1, 2]"),
        ] {
            assert!(
                matches!(
                    wrap_proof(proof, metadata, b"vk", "v1"),
                    Err(crate::Error::Proof(_))
                ),
                "{} / {}",
                String::from_utf8_lossy(proof),
                String::from_utf8_lossy(metadata)
            );
        }
    }
}

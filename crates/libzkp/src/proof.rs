//! Wrapped proofs, the JSON that travels from prover to coordinator: `{metadata, proof, vk,
//! git_version}` as in the original stack. `proof` and `vk` are base64 strings of the
//! aggregated STARK proof and of the verifying key it claims.

use alloy_primitives::B256;
use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_primitives::{ChunkInfo, Domain, ForkName, PiVersion, PublicInputs};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proof with what it proves and the key it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedProof<M> {
    /// What the proof claims (its public inputs in the clear).
    pub metadata: M,
    /// The aggregated STARK proof.
    #[serde(with = "base64_bytes")]
    pub proof: Vec<u8>,
    /// The verifying key the prover used (must equal the fork's).
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

impl ChunkProofMetadata {
    /// The public-input hash a valid proof reveals (rollup domain).
    pub fn pi_hash(&self) -> B256 {
        self.chunk_info
            .pi_hash(PiVersion::new(self.fork_name, Domain::Rollup).byte())
    }
}

/// A chunk's wrapped proof.
pub type ChunkProof = WrappedProof<ChunkProofMetadata>;

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

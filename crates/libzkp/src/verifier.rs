//! Proof verification per fork: the proof must verify against the fork's verifying key, claim
//! exactly that key, and reveal the public-input hash of its metadata.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use rollproof_primitives::ForkName;
use rollproof_zkvm::{verify_stark_proof, StarkProof, StarkVerifyingKey, ZkvmError};

use crate::proof::ChunkProof;

/// Why a proof was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// No verifying key is configured for the fork.
    #[error("no verifier for fork {0}")]
    UnknownFork(ForkName),
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

/// The verifying keys of the chunk circuit per fork.
#[derive(Default)]
pub struct ChunkVerifier {
    keys: BTreeMap<ForkName, (StarkVerifyingKey, Vec<u8>)>,
}

impl ChunkVerifier {
    /// Adds (or replaces) `fork`'s verifying key.
    pub fn insert(&mut self, fork: ForkName, vk: StarkVerifyingKey) {
        let bytes = vk.to_bytes();
        self.keys.insert(fork, (vk, bytes));
    }

    /// The verifying key bytes of `fork`, if configured.
    pub fn vk_bytes(&self, fork: ForkName) -> Option<&[u8]> {
        self.keys.get(&fork).map(|(_, bytes)| bytes.as_slice())
    }

    /// Verifies a chunk proof for `fork`.
    pub fn verify(&self, fork: ForkName, proof: &ChunkProof) -> Result<(), VerifyError> {
        let (vk, vk_bytes) = self.keys.get(&fork).ok_or(VerifyError::UnknownFork(fork))?;
        if proof.metadata.fork_name != fork {
            return Err(VerifyError::ForkMismatch {
                expected: fork,
                found: proof.metadata.fork_name,
            });
        }
        if proof.vk != *vk_bytes {
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

    /// Verifies a chunk proof given as JSON.
    pub fn verify_json(&self, fork: ForkName, json: &[u8]) -> Result<(), VerifyError> {
        let proof: ChunkProof =
            serde_json::from_slice(json).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        self.verify(fork, &proof)
    }
}

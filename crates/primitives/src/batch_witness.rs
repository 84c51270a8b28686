//! The batch guest's witness and the checks of a batch's data, run the same way by the guest and
//! by the host that builds its task.

use alloc::vec::Vec;

use alloy_primitives::{FixedBytes, B256};
use serde::{Deserialize, Serialize};

use crate::{
    batch::BatchInfo,
    batch_header::BatchHeader,
    blob::{challenge_point, evaluate_blob, Blob, BlobField},
    chunk::ChunkInfo,
    error::BatchError,
    fork::ForkName,
};

/// What the batch guest reads: the chunks (their infos and one proof handle each), the header
/// and the blob data with its KZG commitment and the opening proof at the challenge point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchWitness {
    /// The batch's fork (its public-input version and codec version).
    pub fork: ForkName,
    /// The chunks' public inputs, in order.
    pub chunk_infos: Vec<ChunkInfo>,
    /// One deferral input commit per chunk proof, in order (see `rollproof_zkvm::ChildVerifier`).
    pub chunk_proof_commits: Vec<[u8; 32]>,
    /// The batch header committed to L1.
    pub header: BatchHeader,
    /// The blob's data: the codec envelope, with or without its zero padding.
    pub blob_envelope: Vec<u8>,
    /// The blob's KZG commitment (48-byte compressed G1 point).
    pub kzg_commitment: FixedBytes<48>,
    /// The KZG proof that the blob polynomial takes the value y at the challenge point z.
    pub kzg_proof: FixedBytes<48>,
}

/// The opening of the blob polynomial a batch requires, for the caller to verify against
/// [`BatchWitness::kzg_commitment`] and [`BatchWitness::kzg_proof`] (the guest on its pairing
/// extension, the host with c-kzg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointEvaluation {
    /// The challenge point (big-endian, below the BLS12-381 scalar modulus).
    pub z: [u8; 32],
    /// The blob polynomial's value at `z` (big-endian).
    pub y: [u8; 32],
}

/// The version byte of an EIP-4844 versioned hash of a KZG commitment.
pub const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

impl BatchWitness {
    /// Checks everything about the batch data that is not a proof: the header is the fork's
    /// codec version; the header's versioned hash is that of [`Self::kzg_commitment`]
    /// (`sha256` computes SHA-256); the blob decodes to a payload that is exactly the chunks'
    /// message-queue hashes, first block number, block contexts and transaction data; the
    /// chunks chain. Returns the batch's public inputs and the point evaluation that binds
    /// the blob to the commitment, which the caller must still verify with the KZG proof.
    pub fn check<F: BlobField>(
        &self,
        sha256: impl Fn(&[u8]) -> [u8; 32],
    ) -> Result<(BatchInfo, PointEvaluation), BatchError> {
        let codec_version = self.fork.codec_version();
        if self.header.version != codec_version {
            return Err(BatchError::HeaderVersion {
                expected: codec_version,
                found: self.header.version,
            });
        }
        let mut versioned_hash = sha256(self.kzg_commitment.as_slice());
        versioned_hash[0] = VERSIONED_HASH_VERSION_KZG;
        let versioned_hash = B256::from(versioned_hash);
        if versioned_hash != self.header.blob_versioned_hash {
            return Err(BatchError::VersionedHash {
                header: self.header.blob_versioned_hash,
                commitment: versioned_hash,
            });
        }
        let blob = Blob::from_envelope_bytes(&self.blob_envelope)?;
        let payload = blob.decode_envelope(codec_version)?.payload()?;
        crate::check_payload_against_chunks(&payload, &self.chunk_infos)?;
        let info = BatchInfo::from_header_and_chunks(&self.header, &self.chunk_infos)?;

        let z = challenge_point(&blob.challenge_digest(&self.header.blob_versioned_hash));
        let z_element = F::from_be_bytes(&z).expect("the challenge point is reduced");
        let y = evaluate_blob(&blob, &z_element).to_be_bytes();
        Ok((info, PointEvaluation { z, y }))
    }
}

//! KZG commitments and point proofs of blobs (host only: c-kzg with the Ethereum mainnet
//! trusted setup it bundles).

use alloc::{boxed::Box, format};

use alloy_primitives::{FixedBytes, B256};
use c_kzg::{Bytes32, Bytes48, KzgSettings};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    blob::{challenge_point, Blob},
    error::KzgError,
};

/// A KZG commitment or proof: a compressed BLS12-381 G1 point.
pub type KzgPoint = FixedBytes<48>;

/// The version byte of EIP-4844 versioned hashes.
const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

fn ckzg(e: c_kzg::Error) -> KzgError {
    KzgError::CKzg(format!("{e}"))
}

fn ckzg_blob(blob: &Blob) -> Box<c_kzg::Blob> {
    Box::new(c_kzg::Blob::new(*blob.as_bytes()))
}

/// The KZG commitment to `blob`'s polynomial.
pub fn kzg_commitment(blob: &Blob) -> Result<KzgPoint, KzgError> {
    let commitment = settings()
        .blob_to_kzg_commitment(&ckzg_blob(blob))
        .map_err(ckzg)?;
    Ok(FixedBytes(commitment.to_bytes().into_inner()))
}

/// The EIP-4844 versioned hash of a commitment: sha256(commitment) with its first byte set to
/// 0x01.
pub fn kzg_versioned_hash(commitment: &KzgPoint) -> B256 {
    let mut hash: [u8; 32] = Sha256::digest(commitment.as_slice()).into();
    hash[0] = VERSIONED_HASH_VERSION_KZG;
    B256::from(hash)
}

/// A proof that `blob`'s polynomial takes the value y at `z` (which must be below the
/// BLS12-381 scalar modulus); returns (proof, y).
pub fn compute_kzg_proof(blob: &Blob, z: &B256) -> Result<(KzgPoint, B256), KzgError> {
    let (proof, y) = settings()
        .compute_kzg_proof(&ckzg_blob(blob), &Bytes32::new(z.0))
        .map_err(ckzg)?;
    let mut y_bytes = [0u8; 32];
    y_bytes.copy_from_slice(&y[..]);
    Ok((
        FixedBytes(proof.to_bytes().into_inner()),
        B256::from(y_bytes),
    ))
}

/// Checks that `proof` shows the polynomial committed to by `commitment` takes the value `y`
/// at `z`.
pub fn verify_kzg_proof(
    commitment: &KzgPoint,
    z: &B256,
    y: &B256,
    proof: &KzgPoint,
) -> Result<(), KzgError> {
    let ok = settings()
        .verify_kzg_proof(
            &Bytes48::new(commitment.0),
            &Bytes32::new(z.0),
            &Bytes32::new(y.0),
            &Bytes48::new(proof.0),
        )
        .map_err(ckzg)?;
    if ok {
        Ok(())
    } else {
        Err(KzgError::VerificationFailed)
    }
}

/// The opening of a batch's blob at its challenge point, as the rollup contract receives it
/// (and the reference stores in `batch.blob_data_proof`).
///
/// Encoding ([`Self::SIZE`] bytes): z 32 ‖ y 32 ‖ commitment 48 ‖ proof 48.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobDataProof {
    /// The evaluation point, [`challenge_point`] of the challenge digest.
    pub z: B256,
    /// The polynomial's value at z.
    pub y: B256,
    /// The blob's KZG commitment.
    pub commitment: KzgPoint,
    /// The KZG proof of y at z.
    pub proof: KzgPoint,
}

impl BlobDataProof {
    /// Size of the encoding: 32 + 32 + 48 + 48 bytes.
    pub const SIZE: usize = 160;

    /// Opens `blob` at the point derived from `challenge_digest` (see
    /// [`challenge_digest`](crate::challenge_digest)).
    pub fn compute(blob: &Blob, challenge_digest: &B256) -> Result<Self, KzgError> {
        let z = B256::from(challenge_point(challenge_digest));
        let commitment = kzg_commitment(blob)?;
        let (proof, y) = compute_kzg_proof(blob, &z)?;
        Ok(Self {
            z,
            y,
            commitment,
            proof,
        })
    }

    /// Checks the proof (see [`verify_kzg_proof`]).
    pub fn verify(&self) -> Result<(), KzgError> {
        verify_kzg_proof(&self.commitment, &self.z, &self.y, &self.proof)
    }

    /// The versioned hash of the commitment (what the batch header carries).
    pub fn versioned_hash(&self) -> B256 {
        kzg_versioned_hash(&self.commitment)
    }

    /// The [`Self::SIZE`]-byte encoding.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[..32].copy_from_slice(self.z.as_slice());
        out[32..64].copy_from_slice(self.y.as_slice());
        out[64..112].copy_from_slice(self.commitment.as_slice());
        out[112..].copy_from_slice(self.proof.as_slice());
        out
    }

    /// Decodes [`Self::to_bytes`]'s layout (no cryptographic check; see [`Self::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KzgError> {
        if bytes.len() != Self::SIZE {
            return Err(KzgError::Length {
                expected: Self::SIZE,
                found: bytes.len(),
            });
        }
        Ok(Self {
            z: B256::from_slice(&bytes[..32]),
            y: B256::from_slice(&bytes[32..64]),
            commitment: FixedBytes::from_slice(&bytes[64..112]),
            proof: FixedBytes::from_slice(&bytes[112..]),
        })
    }
}

//! A batch's data as published in one EIP-4844 blob (codec v7 layout; codec versions 9 and 10
//! change only the version byte).
//!
//! Three layers, outermost first:
//!
//! - [`Blob`]: 4096 field elements of 32 bytes; each holds one zero byte then 31 data bytes, so
//!   a blob carries [`BLOB_DATA_CAPACITY`] bytes and every element is below the BLS12-381 scalar
//!   modulus. Data shorter than the capacity is padded with zero bytes.
//! - [`Envelope`]: codec version u8 ‖ data length u24 BE ‖ compressed flag u8 (0 or 1) ‖ data,
//!   where data is the payload, zstd-compressed (a frame without its magic number) when the flag
//!   is 1.
//! - [`BlobPayload`]: the batch's message-queue hashes, first block number, block contexts and
//!   L2 transaction bytes.
//!
//! The blob is tied to the batch header by a Fiat-Shamir challenge ([`challenge_digest`],
//! [`challenge_point`]) at which the blob polynomial is evaluated ([`evaluate_blob`]).

mod challenge;
mod envelope;
mod eval;
mod payload;

use alloc::{boxed::Box, vec, vec::Vec};
use core::fmt;

use alloy_primitives::{keccak256, B256};

pub use challenge::{challenge_digest, challenge_point, BLS_MODULUS};
#[cfg(feature = "zstd")]
pub use envelope::encode_envelope;
pub use envelope::{Envelope, ENVELOPE_HEADER_SIZE, MAX_ENVELOPE_DATA_SIZE, MAX_PAYLOAD_SIZE};
pub use eval::{evaluate_blob, BlobField, BlsScalar, ROOT_OF_UNITY};
pub use payload::{check_payload_against_chunks, BlobPayload, PAYLOAD_HEADER_SIZE};

use crate::error::BlobError;

/// Field elements in a blob.
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4096;
/// Bytes of one field element (big-endian).
pub const BYTES_PER_FIELD_ELEMENT: usize = 32;
/// Size of a blob in bytes: 4096 × 32.
pub const BLOB_SIZE: usize = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT;
/// Data bytes a blob carries: 31 per field element, 126,976 in all.
pub const BLOB_DATA_CAPACITY: usize = FIELD_ELEMENTS_PER_BLOB * DATA_BYTES_PER_ELEMENT;

const DATA_BYTES_PER_ELEMENT: usize = BYTES_PER_FIELD_ELEMENT - 1;

/// An EIP-4844 blob whose every field element starts with a zero byte (guaranteed by every
/// constructor), so it always holds [`BLOB_DATA_CAPACITY`] bytes of data and is canonical.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob(Box<[u8; BLOB_SIZE]>);

impl Blob {
    /// Packs envelope bytes (see [`Envelope::to_bytes`]) into a blob, 31 bytes per field
    /// element after a zero byte, zero-padded to the end.
    pub fn from_envelope_bytes(bytes: &[u8]) -> Result<Self, BlobError> {
        if bytes.len() > BLOB_DATA_CAPACITY {
            return Err(BlobError::TooLarge {
                len: bytes.len(),
                capacity: BLOB_DATA_CAPACITY,
            });
        }
        let mut blob = zeroed();
        for (element, data) in blob
            .chunks_exact_mut(BYTES_PER_FIELD_ELEMENT)
            .zip(bytes.chunks(DATA_BYTES_PER_ELEMENT))
        {
            element[1..1 + data.len()].copy_from_slice(data);
        }
        Ok(Self(blob))
    }

    /// Takes raw blob bytes (e.g. as published on L1); every field element's first byte must be
    /// zero.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlobError> {
        if bytes.len() != BLOB_SIZE {
            return Err(BlobError::BlobLength {
                expected: BLOB_SIZE,
                found: bytes.len(),
            });
        }
        if let Some(index) = bytes
            .chunks_exact(BYTES_PER_FIELD_ELEMENT)
            .position(|element| element[0] != 0)
        {
            return Err(BlobError::NonCanonicalFieldElement { index });
        }
        let mut blob = zeroed();
        blob.copy_from_slice(bytes);
        Ok(Self(blob))
    }

    /// The raw blob bytes (what KZG commits to).
    pub fn as_bytes(&self) -> &[u8; BLOB_SIZE] {
        &self.0
    }

    /// The 4096 field elements, big-endian, in blob order.
    pub fn field_elements(&self) -> impl Iterator<Item = &[u8; BYTES_PER_FIELD_ELEMENT]> + '_ {
        self.0.chunks_exact(BYTES_PER_FIELD_ELEMENT).map(|element| {
            element
                .try_into()
                .expect("chunks_exact yields 32-byte chunks")
        })
    }

    /// The [`BLOB_DATA_CAPACITY`] data bytes: the envelope followed by its zero padding (what
    /// [`Envelope::decode`] and [`challenge_digest`] take).
    pub fn envelope_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BLOB_DATA_CAPACITY);
        for element in self.0.chunks_exact(BYTES_PER_FIELD_ELEMENT) {
            out.extend_from_slice(&element[1..]);
        }
        out
    }

    /// Decodes the blob's envelope, which must have codec version `expected_version`.
    pub fn decode_envelope(&self, expected_version: u8) -> Result<Envelope, BlobError> {
        Envelope::decode(&self.envelope_bytes(), expected_version)
    }

    /// The challenge digest of this blob under its `versioned_hash` (see [`challenge_digest`]).
    pub fn challenge_digest(&self, versioned_hash: &B256) -> B256 {
        challenge::digest_of_padded(&self.envelope_bytes(), versioned_hash)
    }
}

impl fmt::Debug for Blob {
    /// Shows the keccak256 of the blob instead of its 131,072 bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob")
            .field("keccak256", &keccak256(self.0.as_slice()))
            .finish()
    }
}

/// A zeroed blob on the heap (never on the stack: guests have small stacks).
fn zeroed() -> Box<[u8; BLOB_SIZE]> {
    vec![0u8; BLOB_SIZE]
        .into_boxed_slice()
        .try_into()
        .expect("the vector has BLOB_SIZE bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_puts_31_bytes_after_a_zero_byte() {
        let data: Vec<u8> = (1..=70u8).collect();
        let blob = Blob::from_envelope_bytes(&data).unwrap();
        let bytes = blob.as_bytes();
        assert_eq!(bytes[0], 0);
        assert_eq!(&bytes[1..32], &data[..31]);
        assert_eq!(bytes[32], 0);
        assert_eq!(&bytes[33..64], &data[31..62]);
        assert_eq!(bytes[64], 0);
        assert_eq!(&bytes[65..73], &data[62..70]);
        assert!(bytes[73..].iter().all(|&b| b == 0));
        assert_eq!(BLOB_DATA_CAPACITY, 126_976);
    }
}

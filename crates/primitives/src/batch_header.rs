//! The batch header committed on L1 (codec v7 layout, used by codec versions 9 and 10).

use alloy_primitives::{keccak256, B256};
use serde::{Deserialize, Serialize};

use crate::{error::BatchHeaderError, fork::ForkName};

/// Size of an encoded [`BatchHeader`]: 1 + 8 + 32 + 32 bytes.
pub const BATCH_HEADER_SIZE: usize = 73;

const OFFSET_BATCH_INDEX: usize = 1;
const OFFSET_BLOB_VERSIONED_HASH: usize = 9;
const OFFSET_PARENT_BATCH_HASH: usize = 41;

/// A batch header: what the rollup contract stores for a batch; its keccak256 is the batch
/// hash.
///
/// Encoding ([`BATCH_HEADER_SIZE`] bytes): version u8 ‖ batch_index u64 BE ‖
/// blob_versioned_hash 32 ‖ parent_batch_hash 32. The version byte is the codec version of the
/// batch's fork ([`ForkName::codec_version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchHeader {
    /// Codec version (9 for galileo, 10 for galileoV2).
    pub version: u8,
    /// Index of the batch.
    pub batch_index: u64,
    /// Versioned hash of the blob holding the batch's data.
    pub blob_versioned_hash: B256,
    /// Hash of the parent batch's header.
    pub parent_batch_hash: B256,
}

impl BatchHeader {
    /// The [`BATCH_HEADER_SIZE`]-byte encoding.
    pub fn to_bytes(&self) -> [u8; BATCH_HEADER_SIZE] {
        let mut out = [0u8; BATCH_HEADER_SIZE];
        out[0] = self.version;
        out[OFFSET_BATCH_INDEX..OFFSET_BLOB_VERSIONED_HASH]
            .copy_from_slice(&self.batch_index.to_be_bytes());
        out[OFFSET_BLOB_VERSIONED_HASH..OFFSET_PARENT_BATCH_HASH]
            .copy_from_slice(self.blob_versioned_hash.as_slice());
        out[OFFSET_PARENT_BATCH_HASH..].copy_from_slice(self.parent_batch_hash.as_slice());
        out
    }

    /// Decodes a header of any version; the bytes must be exactly [`BATCH_HEADER_SIZE`] long.
    pub fn decode(bytes: &[u8]) -> Result<Self, BatchHeaderError> {
        let bytes: &[u8; BATCH_HEADER_SIZE] =
            bytes.try_into().map_err(|_| BatchHeaderError::Length {
                expected: BATCH_HEADER_SIZE,
                found: bytes.len(),
            })?;
        let mut index = [0u8; 8];
        index.copy_from_slice(&bytes[OFFSET_BATCH_INDEX..OFFSET_BLOB_VERSIONED_HASH]);
        Ok(Self {
            version: bytes[0],
            batch_index: u64::from_be_bytes(index),
            blob_versioned_hash: B256::from_slice(
                &bytes[OFFSET_BLOB_VERSIONED_HASH..OFFSET_PARENT_BATCH_HASH],
            ),
            parent_batch_hash: B256::from_slice(&bytes[OFFSET_PARENT_BATCH_HASH..]),
        })
    }

    /// Decodes a header of a `fork` batch: as [`Self::decode`], and the version byte must be the
    /// fork's codec version.
    pub fn decode_for_fork(bytes: &[u8], fork: ForkName) -> Result<Self, BatchHeaderError> {
        let header = Self::decode(bytes)?;
        let expected = fork.codec_version();
        if header.version != expected {
            return Err(BatchHeaderError::Version {
                expected,
                found: header.version,
            });
        }
        Ok(header)
    }

    /// The batch hash: keccak256 of [`Self::to_bytes`].
    pub fn hash(&self) -> B256 {
        keccak256(self.to_bytes())
    }
}

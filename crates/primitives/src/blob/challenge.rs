//! The Fiat-Shamir challenge point at which a batch's blob is opened.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, B256, U256};

use super::BLOB_DATA_CAPACITY;
use crate::error::BlobError;

/// The BLS12-381 scalar field modulus r =
/// 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001.
pub const BLS_MODULUS: U256 = U256::from_limbs([
    0xffff_ffff_0000_0001,
    0x53bd_a402_fffe_5bfe,
    0x3339_d808_09a1_d805,
    0x73ed_a753_299d_7d48,
]);

/// The challenge digest binding a blob's data to its KZG commitment:
///
/// `keccak256(keccak256(envelope ‖ zero padding to 126,976 bytes) ‖ versioned_hash)`
///
/// i.e. the inner hash covers all [`BLOB_DATA_CAPACITY`] data bytes of the blob (what
/// [`Blob::envelope_bytes`](crate::Blob::envelope_bytes) returns), not only the envelope, and
/// the outer hash is over 64 bytes. `envelope` may be given with or without its padding; it
/// must fit in a blob.
pub fn challenge_digest(envelope: &[u8], versioned_hash: &B256) -> Result<B256, BlobError> {
    if envelope.len() > BLOB_DATA_CAPACITY {
        return Err(BlobError::TooLarge {
            len: envelope.len(),
            capacity: BLOB_DATA_CAPACITY,
        });
    }
    let mut padded = Vec::with_capacity(BLOB_DATA_CAPACITY);
    padded.extend_from_slice(envelope);
    padded.resize(BLOB_DATA_CAPACITY, 0);
    Ok(digest_of_padded(&padded, versioned_hash))
}

/// [`challenge_digest`] of data already padded to [`BLOB_DATA_CAPACITY`] bytes.
pub(super) fn digest_of_padded(padded: &[u8], versioned_hash: &B256) -> B256 {
    debug_assert_eq!(padded.len(), BLOB_DATA_CAPACITY);
    let mut outer = [0u8; 64];
    outer[..32].copy_from_slice(keccak256(padded).as_slice());
    outer[32..].copy_from_slice(versioned_hash.as_slice());
    keccak256(outer)
}

/// The evaluation point z: the digest read as a big-endian integer, reduced modulo
/// [`BLS_MODULUS`], as 32 big-endian bytes.
pub fn challenge_point(digest: &B256) -> [u8; 32] {
    let z = U256::from_be_bytes(digest.0).reduce_mod(BLS_MODULUS);
    z.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_constant_matches_its_hex() {
        let hex = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
        assert_eq!(BLS_MODULUS, U256::from_str_radix(hex, 16).unwrap());
    }

    #[test]
    fn challenge_point_reduces_only_at_or_above_the_modulus() {
        let below = B256::from(BLS_MODULUS - U256::from(1));
        assert_eq!(challenge_point(&below), below.0);
        let at = B256::from(BLS_MODULUS);
        assert_eq!(challenge_point(&at), [0u8; 32]);
        let max = B256::repeat_byte(0xff);
        let expected = U256::MAX - BLS_MODULUS - BLS_MODULUS; // 2^256 - 1 < 3r
        assert_eq!(challenge_point(&max), expected.to_be_bytes::<32>());
    }
}

//! The hashing and signature recovery validation needs, behind a trait so the chunk guest can
//! plug in OpenVM's accelerated keccak and secp256k1 without touching validation code.

use alloy_primitives::{Address, Signature, B256};

/// Keccak-256 and secp256k1 sender recovery.
pub trait Crypto {
    /// keccak256 of `data`.
    fn keccak256(&self, data: &[u8]) -> B256;

    /// The address that signed `prehash` with `signature`, or `None` when the signature does
    /// not recover (invalid `s`, point not on the curve, ...).
    fn recover_signer(&self, signature: &Signature, prehash: B256) -> Option<Address>;
}

/// The native implementations: alloy's keccak and the `k256` crate's recovery.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeCrypto;

impl Crypto for NativeCrypto {
    fn keccak256(&self, data: &[u8]) -> B256 {
        alloy_primitives::keccak256(data)
    }

    fn recover_signer(&self, signature: &Signature, prehash: B256) -> Option<Address> {
        // EIP-2: reject high-s signatures, as Ethereum does for transactions.
        alloy_consensus::crypto::secp256k1::recover_signer(signature, prehash).ok()
    }
}

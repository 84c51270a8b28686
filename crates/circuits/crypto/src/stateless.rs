//! The stateless validator's crypto on the VM extensions.

use alloy_primitives::{Address, Signature, B256};
use rollproof_stateless::Crypto;

use crate::secp256k1::{recover_address, SignatureCheck};

/// [`Crypto`] for guests: keccak through alloy's native hook (the keccak extension) and
/// sender recovery on the secp256k1 extension, rejecting high-s signatures (EIP-2) as the
/// native implementation does.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestCrypto;

impl Crypto for GuestCrypto {
    fn keccak256(&self, data: &[u8]) -> B256 {
        alloy_primitives::keccak256(data)
    }

    fn recover_signer(&self, signature: &Signature, prehash: B256) -> Option<Address> {
        let mut rs = [0u8; 64];
        rs[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
        rs[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
        recover_address(&rs, signature.v(), &prehash.0, SignatureCheck::LowS)
    }
}

//! revm's precompile crypto on the VM extensions.

use revm::precompile::{Crypto, PrecompileHalt};

use crate::{
    bn254,
    secp256k1::{recover_address, SignatureCheck},
};

/// revm precompile [`Crypto`] for guests: `ecrecover` (0x01) on the secp256k1 extension,
/// `sha256` (0x02) on the sha2 extension, and bn254 add, mul and pairing check (0x06-0x08) on
/// the modular, ecc, fp2 and pairing extensions; every other precompile (ripemd160, modexp,
/// blake2f, KZG point evaluation, P-256) keeps revm's portable code.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestPrecompiles;

impl Crypto for GuestPrecompiles {
    #[cfg(target_os = "zkvm")]
    fn sha256(&self, input: &[u8]) -> [u8; 32] {
        openvm_sha2::Sha256::digest(input)
    }

    fn bn254_g1_add(&self, p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_add(p1, p2)
    }

    fn bn254_g1_mul(&self, point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_mul(point, scalar)
    }

    fn bn254_pairing_check(&self, pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
        bn254::pairing_check(pairs)
    }

    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        if recid > 1 {
            return Err(PrecompileHalt::Secp256k1RecoverFailed);
        }
        // The precompile accepts high-s signatures (only transactions are held to EIP-2).
        let address = recover_address(sig, recid == 1, msg, SignatureCheck::Any)
            .ok_or(PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut word = [0u8; 32];
        word[12..].copy_from_slice(address.as_slice());
        Ok(word)
    }
}

/// Registers [`GuestPrecompiles`] as revm's crypto provider. Returns `false` when a provider
/// was already installed (revm keeps the first one).
pub fn install() -> bool {
    revm::install_crypto(GuestPrecompiles)
}

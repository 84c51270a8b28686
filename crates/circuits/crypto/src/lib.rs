//! Cryptography for rollproof's guests on OpenVM's VM extensions.
//!
//! Plain RISC-V keccak and secp256k1 cost hundreds of instructions per gas; OpenVM proves
//! them with dedicated chips instead. This crate is the one place the guests get them from:
//! - keccak256: linking this crate links `openvm-keccak256`'s `native_keccak256`, which
//!   alloy's `native-keccak` feature (enabled here) calls for every `keccak256` (tries,
//!   addresses, block and transaction hashes).
//! - [`secp256k1`]: the curve declared on OpenVM's modular and short-Weierstrass extensions
//!   and public-key recovery ([`secp256k1::recover_address`]).
//! - [`GuestCrypto`]: the stateless validator's [`Crypto`](rollproof_stateless::Crypto)
//!   (header hashing and transaction sender recovery, EIP-2 low-s).
//! - [`GuestPrecompiles`]: revm's precompile [`Crypto`](revm::precompile::Crypto) with
//!   ecrecover, sha256 and the bn254 precompiles (add, mul, pairing check; `bn254`) on the
//!   extensions; [`install`] registers it with revm.
//!
//! A guest using this crate must call `openvm::init!()` (it includes the `openvm_init.rs` the
//! SDK generates from the guest's `openvm.toml`, which sets up the moduli and the curves), list
//! the keccak, sha2, modular, fp2, ecc and pairing extensions in that `openvm.toml` (see the
//! chunk guest's), and call [`install`] before executing blocks.
#![no_std]

extern crate alloc;

mod bn254;
mod hex;
mod precompiles;
pub mod secp256k1;
mod stateless;

pub use precompiles::{install, GuestPrecompiles};
pub use stateless::GuestCrypto;

// Linked for its `native_keccak256` symbol, which alloy's `native-keccak` resolves to.
use openvm_keccak256 as _;

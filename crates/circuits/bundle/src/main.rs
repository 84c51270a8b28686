//! Bundle guest: reads a [`BundleWitness`] (OpenVM serde), verifies each batch proof through
//! deferral (the batch program is fixed at build time, see `rollproof-guest-recursion`) against
//! the hash of the batch info the witness gives for it, checks that the batches chain
//! ([`BundleWitness::bundle_info`]) and reveals the 32-byte bundle public-input hash. Anything
//! wrong panics, so no proof exists for a bundle that does not check.
#![no_main]
#![no_std]

extern crate alloc;

use rollproof_primitives::{BundleWitness, Domain, PiVersion, PublicInputs};

openvm::entry!(main);

// Linked for `native_keccak256`, which alloy's `native-keccak` resolves every keccak256 to.
use openvm_keccak256 as _;

fn main() {
    let witness: BundleWitness = openvm::io::read();
    let version = PiVersion::new(witness.fork, Domain::Rollup).byte();
    rollproof_guest_recursion::verify_children(
        &witness.batch_proof_commits,
        witness
            .batch_infos
            .iter()
            .map(|info| info.pi_hash(version).0),
    );
    let bundle = witness
        .bundle_info()
        .unwrap_or_else(|error| panic!("bundle does not check: {error}"));
    openvm::io::reveal_bytes32(bundle.pi_hash(version).0);
}

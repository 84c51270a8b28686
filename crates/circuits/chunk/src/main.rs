//! Chunk guest: reads a [`ChunkWitness`] (versioned binary, see `rollproof_stateless::codec`),
//! validates its blocks statelessly under the witness's fork, and reveals the 32-byte chunk
//! public-input hash (rollup domain, the fork's STF version). Any malformed or wrong witness
//! panics, so the program never reveals a hash for a chunk that does not validate.
#![no_main]
#![no_std]

extern crate alloc;

use rollproof_primitives::{Domain, PiVersion, PublicInputs};
use rollproof_stateless::{ChunkWitness, NativeCrypto};

openvm::entry!(main);

fn main() {
    let bytes = openvm::io::read_vec();
    let witness = ChunkWitness::decode(&bytes)
        .unwrap_or_else(|error| panic!("chunk witness does not decode: {error}"));
    let info = witness
        .validate(&NativeCrypto)
        .unwrap_or_else(|error| panic!("chunk does not validate: {error}"));
    let version = PiVersion::new(witness.fork, Domain::Rollup).byte();
    openvm::io::reveal_bytes32(info.pi_hash(version).0);
}

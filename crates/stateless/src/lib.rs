//! Stateless validation of L2 blocks against an execution witness, for rollproof's chunk
//! circuit. `no_std` + `alloc`: the same code runs natively (tests, witness self-checks) and
//! inside the OpenVM chunk guest.
//!
//! Key components:
//! - [`trie`]: a sparse Merkle-Patricia trie revealed lazily from the witness's RLP nodes
//!   ([`WitnessNodes`], [`SparseTrie`]): get, insert, delete with branch collapse, root. Touching
//!   a node the witness lacks is a typed [`TrieError`], never a panic or a silent default.
//! - [`state`]: the world state over those tries ([`WitnessState`]): accounts, lazily opened
//!   storage tries, and [`WitnessState::apply`] of a block's [`AccountChange`]s to the post-state
//!   root (upserts before removals).
//! - [`database`]: [`WitnessDatabase`], the witness as a revm `Database` (accounts, storage,
//!   code by hash, BLOCKHASH); reading what the witness does not prove is a [`DatabaseError`].
//! - [`execute`]: one block through alloy-evm's Ethereum block executor, and revm's bundle as
//!   [`AccountChange`]s; [`chain`]: the rules ([`ChainSpec`]) from a rollup fork or a revm spec.
//! - [`validate`]: [`validate_chunk`], the chunk's header checks, execution, receipts and
//!   post-state root, returning its [`ChunkInfo`](rollproof_primitives::ChunkInfo); failures are
//!   [`ValidationError`]s naming the block and the check.
//! - [`crypto`]: keccak and sender recovery behind [`Crypto`] (native: [`NativeCrypto`]).
//! - [`codec`]: [`ChunkWitness`] (chain id, fork, chunk input) and its versioned binary
//!   encoding, the chunk guest's input.
//! - `host` (feature `host`): witness generation from a full in-memory state.
//!
//! Entry point: [`validate_chunk`] over a [`ChunkInput`] (blocks + [`ExecutionWitness`]).
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod chain;
pub mod codec;
pub mod crypto;
pub mod database;
pub mod error;
pub mod execute;
#[cfg(feature = "host")]
pub mod host;
pub mod state;
pub mod trie;
pub mod validate;
pub mod witness;

pub use chain::ChainSpec;
pub use codec::{ChunkWitness, CodecError, CHUNK_WITNESS_VERSION};
pub use crypto::{Crypto, NativeCrypto};
pub use database::{DatabaseError, WitnessDatabase};
pub use error::{BlockError, ValidationError};
pub use state::{AccountChange, AccountFields, StateAccount, StateError, WitnessState};
pub use trie::{Nibbles, SparseTrie, TrieError, WitnessNodes, EMPTY_ROOT_HASH};
pub use validate::{validate_chunk, ChunkInput};
pub use witness::ExecutionWitness;

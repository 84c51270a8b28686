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
//!
//! Entry point: `SparseTrie::new(state_root)` over `WitnessNodes::from_rlp_nodes(witness.state)`.
#![no_std]

extern crate alloc;

pub mod database;
pub mod state;
pub mod trie;

pub use database::{DatabaseError, WitnessDatabase};
pub use state::{AccountChange, AccountFields, StateAccount, StateError, WitnessState};
pub use trie::{Nibbles, SparseTrie, TrieError, WitnessNodes, EMPTY_ROOT_HASH};

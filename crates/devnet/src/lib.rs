//! rollproof's local Ethereum-equivalent L2 chain, for development, tests and benchmarks.
//!
//! Key components:
//! - [`chain`]: [`LocalChain`], the full state in memory plus every header, block and
//!   per-block execution witness; [`LocalChain::build_block`] turns transactions into a valid
//!   block, [`LocalChain::chunk_input`] gives a chunk ready for stateless validation.
//! - [`genesis`]: [`genesis_state`] with the system contracts a fork calls into.
//! - [`txgen`]: [`TxGenerator`], deterministic signed ETH and ERC-20 transfers that fill blocks.
//! - [`wallet`]: deterministic secp256k1 wallets that sign EIP-1559 transactions.
//! - [`sample`]: the fixed chunk every crate's real-proof test uses (one cached proof).
//! - [`erc20`] and [`asm`]: a minimal ERC-20 written in a tiny EVM assembler.
//!
//! Entry point: build a [`LocalChain`] over [`genesis_state`] funded by a [`TxGenerator`]'s
//! wallets, then [`LocalChain::build_block`] with [`TxGenerator::fill`].

pub mod asm;
pub mod chain;
pub mod erc20;
pub mod genesis;
pub mod sample;
pub mod txgen;
pub mod wallet;

pub use chain::{BlockSettings, LocalChain};
pub use genesis::genesis_state;
pub use txgen::{TxGenerator, TxKindGen};
pub use wallet::Wallet;

//! rollproof's local Ethereum-equivalent L2 chain, for development, tests and benchmarks, and
//! the `devnet` binary's library: genesis from a `genesis.json`, blocks from a transaction
//! generator and a pending pool, and a JSON-RPC server with `debug_executionWitness`.
//!
//! Key components:
//! - [`genesis`]: [`Genesis`], a `genesis.json` in geth's shape (chain id, the galileo /
//!   galileoV2 schedule, `alloc`, timestamp, gas limit), its [`ChainSpec`](rollproof_stateless::ChainSpec)
//!   and state; [`genesis_state`] with the system contracts a fork calls into.
//! - [`chain`]: [`LocalChain`], the full state in memory plus every header, block, receipt and
//!   per-block execution witness; [`LocalChain::build_block`] turns transactions into a valid
//!   block, [`LocalChain::chunk_input`] gives a chunk ready for stateless validation.
//! - [`node`]: [`Node`], a chain with a pending pool ([`Node::send_raw_transaction`] admits only
//!   transactions that would execute), a generator ([`Node::produce_block`]), recent states for
//!   proofs and an optional state file replayed on start.
//! - [`producer`]: a block every interval, logged. [`rpc`]: JSON-RPC 2.0 over HTTP (axum).
//! - [`txgen`]: [`TxGenerator`], deterministic signed ETH and ERC-20 transfers, storage-heavy
//!   calls and contract creations, drawn from a weighted [`TxMix`].
//! - [`wallet`]: deterministic secp256k1 wallets that sign EIP-1559 transactions.
//! - [`sample`]: the fixed chunk every crate's real-proof test uses (one cached proof).
//! - [`erc20`], [`contracts`] and [`asm`]: small contracts written in a tiny EVM assembler.
//! - [`error`]: the library's error types.
//!
//! Entry points: [`Node::new`] with a [`NodeConfig`], then [`rpc::serve`] and [`producer::run`]
//! (what the `devnet` binary does); or, without a server, a [`LocalChain`] over
//! [`genesis_state`] funded by a [`TxGenerator`]'s wallets and [`LocalChain::build_block`] with
//! [`TxGenerator::fill`].

pub mod asm;
pub mod chain;
pub mod contracts;
pub mod erc20;
pub mod error;
pub mod genesis;
pub mod node;
pub mod producer;
pub mod rpc;
pub mod sample;
pub mod txgen;
pub mod wallet;

pub use chain::{BlockSettings, LocalChain};
pub use error::{GenesisError, MixError, NodeError, TxRejected};
pub use genesis::{genesis_state, Genesis, GenesisAccount};
pub use node::{BlockSummary, Node, NodeConfig};
pub use txgen::{TxGenerator, TxKindGen, TxMix};
pub use wallet::Wallet;

//! Building blocks shared by every rollproof crate, host and guest alike.
//!
//! This crate is `no_std` (with `alloc`): the same types run in the services on the host and
//! inside the OpenVM guest programs. It provides:
//!
//! - **Forks** ([`ForkName`], [`EvmSpec`], [`ForkSchedule`]): the fork registry (EVM rules,
//!   state-transition version, codec version per fork) and the activation schedule read from a
//!   `genesis.json` chain config; [`ForkSchedule::fork_at`] gives the fork of a block.
//! - **Status enums** ([`TaskType`], [`ProvingStatus`], [`ProofsReadyStatus`], [`RollupStatus`],
//!   [`ProverTaskStatus`], [`ProverTaskFailureType`], [`SubmitProofStatus`],
//!   [`SubmitFailureType`], [`ProverProviderType`]): the numeric values of the reference's
//!   database and coordinator API, serialized as integers.
//! - **Public inputs** ([`BlockContext`], [`ChunkInfo`], [`BatchInfo`], [`BundleInfo`]): the
//!   byte layouts the chunk, batch and bundle proofs commit to, through the [`PublicInputs`]
//!   trait (`pi_bytes`, `pi_hash`), versioned by [`PiVersion`] (fork + [`Domain`]).
//! - **Chaining** ([`Chained`], [`check_chain`], [`ChainError`]): consecutive chunks and
//!   batches must link up (chain id, state roots, batch hashes, message-queue hashes, chunk
//!   blockhashes, block numbers); [`BundleInfo::from_batches`] and [`bundle_hash`] build the
//!   bundle level.
//!
//! Main entry points: `ForkSchedule::from_genesis_json(json)?.fork_at(number, timestamp)?`, then
//! `info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte())` on a chunk, batch or bundle info:
//!
//! ```
//! use rollproof_primitives::{BatchInfo, Domain, ForkName, ForkSchedule, PiVersion, PublicInputs, B256};
//!
//! let genesis = r#"{"config": {"chainId": 534352, "galileoBlock": 0, "galileoV2Time": 1700000000}}"#;
//! let schedule = ForkSchedule::from_genesis_json(genesis)?;
//! let fork = schedule.fork_at(10, 1_700_000_001)?;
//! assert_eq!(fork, ForkName::GalileoV2);
//!
//! let version = PiVersion::new(fork, Domain::Rollup).byte(); // (0 << 6) + 10
//! let batch = BatchInfo {
//!     parent_state_root: B256::ZERO,
//!     parent_batch_hash: B256::ZERO,
//!     state_root: B256::repeat_byte(1),
//!     batch_hash: B256::repeat_byte(2),
//!     chain_id: schedule.chain_id(),
//!     withdraw_root: B256::ZERO,
//!     prev_msg_queue_hash: B256::ZERO,
//!     post_msg_queue_hash: B256::ZERO,
//! };
//! assert_eq!(batch.pi_bytes(version).len(), 233);
//! let _revealed_by_the_batch_proof: B256 = batch.pi_hash(version);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]

extern crate alloc;

mod batch;
mod bundle;
mod chain;
mod chunk;
mod enums;
mod error;
mod fork;
mod pi;
mod schedule;

pub use alloy_primitives::{B256, U256};
pub use batch::BatchInfo;
pub use bundle::{bundle_hash, BundleInfo};
pub use chain::{check_chain, Chained};
pub use chunk::{BlockContext, ChunkInfo, BLOCK_CONTEXT_SIZE};
pub use enums::{
    ProofsReadyStatus, ProverProviderType, ProverTaskFailureType, ProverTaskStatus, ProvingStatus,
    RollupStatus, SubmitFailureType, SubmitProofStatus, TaskType,
};
pub use error::{
    ActivationKind, ChainError, ForkScheduleError, HashField, InfoKind, InvalidEnumValue,
    NoActiveFork, UnknownFork,
};
pub use fork::{EvmSpec, ForkName};
pub use pi::{Domain, PiVersion, PublicInputs};
pub use schedule::{ForkActivation, ForkSchedule};

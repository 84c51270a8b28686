//! Error types of this crate, one per failure domain.

use alloc::{boxed::Box, string::String};
use core::fmt;

use alloy_primitives::B256;

use crate::fork::ForkName;

/// A fork name that is not in the registry ([`ForkName::ALL`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fork {name:?}; known forks: {known}", known = KnownForks)]
pub struct UnknownFork {
    /// The name as it was given.
    pub name: String,
}

/// Displays the known fork names, comma-separated.
struct KnownForks;

impl fmt::Display for KnownForks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fork) in ForkName::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(fork.as_str())?;
        }
        Ok(())
    }
}

/// An integer that is not a value of one of the integer-coded enums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {enum_name} value {value} (valid:{valid})")]
pub struct InvalidEnumValue {
    /// The enum's type name, e.g. `"TaskType"`.
    pub enum_name: &'static str,
    /// The rejected value.
    pub value: i64,
    /// The valid values with their names, e.g. `" 0=undefined 1=chunk"`.
    pub valid: &'static str,
}

/// How a fork is activated: by block number or by block timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivationKind {
    /// Active from a block number on (`<fork>Block` in the chain config).
    Block,
    /// Active from a block timestamp on (`<fork>Time` in the chain config).
    Time,
}

impl fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Block => "block",
            Self::Time => "time",
        })
    }
}

/// A chain config whose fork schedule cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ForkScheduleError {
    /// The document is not JSON of the expected shape (`{"config": {...}}`).
    #[error("invalid genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A required key of the chain config is absent.
    #[error("chain config has no `{key}`")]
    MissingField {
        /// The missing key, e.g. `"chainId"`.
        key: &'static str,
    },
    /// A key of the chain config holds something other than a non-negative integer.
    #[error("chain config `{key}` must be a non-negative integer that fits in u64")]
    NotAnInteger {
        /// The offending key, e.g. `"galileoBlock"`.
        key: &'static str,
    },
    /// A fork is scheduled while an earlier fork is not.
    #[error("fork {fork} is scheduled but the earlier fork {missing} is not")]
    MissingEarlierFork {
        /// The scheduled fork.
        fork: ForkName,
        /// The earlier fork that has no activation.
        missing: ForkName,
    },
    /// A later fork activates before an earlier one.
    #[error(
        "fork {later} activates at {kind} {later_at}, before the earlier fork {earlier} \
         ({kind} {earlier_at})"
    )]
    Misordered {
        /// The earlier fork.
        earlier: ForkName,
        /// The later fork, activating too early.
        later: ForkName,
        /// Which activations were compared.
        kind: ActivationKind,
        /// The earlier fork's activation.
        earlier_at: u64,
        /// The later fork's activation (smaller than `earlier_at`).
        later_at: u64,
    },
    /// A later fork is activated by block number while an earlier one only by timestamp, so the
    /// order of the two cannot be guaranteed (block-activated forks must come first).
    #[error(
        "fork {later} is activated by block number but the earlier fork {earlier} only by \
         timestamp; block-activated forks must come first"
    )]
    BlockAfterTimeOnly {
        /// The earlier, time-activated fork.
        earlier: ForkName,
        /// The later, block-activated fork.
        later: ForkName,
    },
}

/// No fork of the schedule is active at the given block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no fork is active at block {number} (timestamp {timestamp})")]
pub struct NoActiveFork {
    /// The block number asked about.
    pub number: u64,
    /// The block timestamp asked about.
    pub timestamp: u64,
}

/// The kind of public-input info a chaining check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InfoKind {
    /// [`ChunkInfo`](crate::ChunkInfo).
    Chunk,
    /// [`BatchInfo`](crate::BatchInfo).
    Batch,
}

impl fmt::Display for InfoKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Chunk => "chunk",
            Self::Batch => "batch",
        })
    }
}

/// The hash field of an info that must equal a field of its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashField {
    /// Chunk `prev_state_root` == previous chunk's `post_state_root`.
    PrevStateRoot,
    /// Chunk or batch `prev_msg_queue_hash` == predecessor's `post_msg_queue_hash`.
    PrevMsgQueueHash,
    /// Chunk `prev_blockhash` == previous chunk's `post_blockhash`.
    PrevBlockhash,
    /// Batch `parent_state_root` == previous batch's `state_root`.
    ParentStateRoot,
    /// Batch `parent_batch_hash` == previous batch's `batch_hash`.
    ParentBatchHash,
}

impl fmt::Display for HashField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PrevStateRoot => "prev_state_root",
            Self::PrevMsgQueueHash => "prev_msg_queue_hash",
            Self::PrevBlockhash => "prev_blockhash",
            Self::ParentStateRoot => "parent_state_root",
            Self::ParentBatchHash => "parent_batch_hash",
        })
    }
}

/// Consecutive chunks or batches that do not link up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A list that must hold at least one item is empty.
    #[error("the {0} list is empty")]
    Empty(InfoKind),
    /// The chain ids differ.
    #[error("chain_id mismatch: expected {expected}, found {found}")]
    ChainId {
        /// The predecessor's chain id.
        expected: u64,
        /// This item's chain id.
        found: u64,
    },
    /// A root or hash does not continue from the predecessor.
    #[error("{field} mismatch: expected {expected}, found {found}")]
    Hash {
        /// The field of this item that is wrong.
        field: HashField,
        /// The predecessor's value it must equal.
        expected: B256,
        /// This item's value.
        found: B256,
    },
    /// A chunk's first block does not follow the previous chunk's last block.
    #[error("initial_block_number mismatch: expected {expected}, found {found}")]
    InitialBlockNumber {
        /// The block after the previous chunk's last block.
        expected: u64,
        /// This chunk's `initial_block_number`.
        found: u64,
    },
    /// The previous chunk's block range does not fit in u64.
    #[error("previous chunk's block range overflows u64 (initial {initial}, {num_blocks} blocks)")]
    BlockNumberOverflow {
        /// The previous chunk's `initial_block_number`.
        initial: u64,
        /// The previous chunk's number of blocks.
        num_blocks: u64,
    },
    /// The item at `index` of a list does not follow the item before it.
    #[error("{kind} at index {index} does not follow the previous one: {mismatch}")]
    At {
        /// What the list holds.
        kind: InfoKind,
        /// Index of the offending item (at least 1).
        index: usize,
        /// What is wrong with it.
        mismatch: Box<ChainError>,
    },
}

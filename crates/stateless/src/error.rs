//! Why a chunk failed validation: which block, which check, expected vs found. "Expected" is
//! always what validation computed (or the previous block implies), "found" what the block or
//! witness says.

use alloc::{boxed::Box, string::String};

use alloy_primitives::{Bloom, B256, U256};

use crate::{database::DatabaseError, state::StateError};

/// A chunk failed stateless validation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The chunk has no blocks.
    #[error("the chunk has no blocks")]
    NoBlocks,
    /// The witness has no ancestor headers (it needs at least the first block's parent).
    #[error("the witness has no ancestor headers")]
    NoAncestorHeaders,
    /// An ancestor header in the witness is not valid RLP.
    #[error("witness header {index} does not decode")]
    AncestorHeaderDecode {
        /// Position in `witness.headers`.
        index: usize,
    },
    /// The ancestor headers, sorted by number, skip or repeat a number.
    #[error("witness headers are not contiguous: expected block {expected}, found {found}")]
    AncestorNotContiguous {
        /// The number that should follow.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// An ancestor header's parent hash is not the hash of the header before it.
    #[error("witness header {number}: parent hash expected {expected}, found {found}")]
    AncestorHashLink {
        /// The header's number.
        number: u64,
        /// Hash of the header before.
        expected: B256,
        /// Its parent hash.
        found: B256,
    },
    /// The witness's codes are invalid.
    #[error("witness codes: {0}")]
    Codes(DatabaseError),
    /// The withdraw-root slot cannot be read after the chunk.
    #[error("withdraw root: {0}")]
    WithdrawRoot(Box<StateError>),
    /// A block failed a check.
    #[error("block {number}: {error}")]
    Block {
        /// The block's number.
        number: u64,
        /// The failed check.
        error: BlockError,
    },
}

/// The check a block failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The block number does not follow its parent's.
    #[error("number: expected {expected}, found {found}")]
    Number {
        /// Parent number + 1.
        expected: u64,
        /// The header's number.
        found: u64,
    },
    /// The parent hash is not the hash of the previous block (or last ancestor header).
    #[error("parent hash: expected {expected}, found {found}")]
    ParentHash {
        /// Hash of the parent.
        expected: B256,
        /// The header's parent hash.
        found: B256,
    },
    /// The timestamp is not after the parent's.
    #[error("timestamp {found} is not after the parent's {parent}")]
    Timestamp {
        /// Parent timestamp.
        parent: u64,
        /// The header's timestamp.
        found: u64,
    },
    /// The gas limit moved by 1/1024 of the parent's or more, or is below 5000 or above 2^63 - 1.
    #[error("gas limit {found} is out of bounds for parent gas limit {parent}")]
    GasLimit {
        /// Parent gas limit.
        parent: u64,
        /// The header's gas limit.
        found: u64,
    },
    /// The header's gas used exceeds its gas limit.
    #[error("gas used {found} exceeds the gas limit {limit}")]
    GasUsedAboveLimit {
        /// The gas limit.
        limit: u64,
        /// The header's gas used.
        found: u64,
    },
    /// The EIP-1559 base fee is wrong.
    #[error("base fee: expected {expected:?}, found {found:?}")]
    BaseFee {
        /// From the parent.
        expected: Option<u64>,
        /// The header's.
        found: Option<u64>,
    },
    /// A post-merge header has ommers, difficulty, or a nonce.
    #[error("post-merge header has ommers, a difficulty ({difficulty}) or a nonce")]
    ProofOfWorkFields {
        /// The header's difficulty.
        difficulty: U256,
    },
    /// Extra data longer than 32 bytes.
    #[error("extra data is {found} bytes, at most 32 allowed")]
    ExtraData {
        /// Its length.
        found: usize,
    },
    /// The withdrawals root is wrong, missing (Shanghai) or present before Shanghai.
    #[error("withdrawals root: expected {expected:?}, found {found:?}")]
    WithdrawalsRoot {
        /// Computed from the body.
        expected: Option<B256>,
        /// The header's.
        found: Option<B256>,
    },
    /// Blob gas used is wrong, missing (Cancun) or present before Cancun.
    #[error("blob gas used: expected {expected:?}, found {found:?}")]
    BlobGasUsed {
        /// From execution.
        expected: Option<u64>,
        /// The header's.
        found: Option<u64>,
    },
    /// Excess blob gas is wrong, missing (Cancun) or present before Cancun.
    #[error("excess blob gas: expected {expected:?}, found {found:?}")]
    ExcessBlobGas {
        /// From the parent.
        expected: Option<u64>,
        /// The header's.
        found: Option<u64>,
    },
    /// The parent beacon block root is missing from Cancun on, or present before.
    #[error("parent beacon block root: expected present = {expected_present}")]
    ParentBeaconBlockRoot {
        /// Whether the fork requires it.
        expected_present: bool,
    },
    /// The requests hash is wrong, missing (Prague) or present before Prague.
    #[error("requests hash: expected {expected:?}, found {found:?}")]
    RequestsHash {
        /// From execution.
        expected: Option<B256>,
        /// The header's.
        found: Option<B256>,
    },
    /// An EIP-4844 transaction carries its blob sidecar (the network form, never valid in a
    /// block body).
    #[error("transaction {index}: blob transaction in network form (with sidecar)")]
    BlobSidecarInBlock {
        /// Position in the block.
        index: usize,
    },
    /// More transactions than the chunk public inputs can count (a block context holds the
    /// count as a u16).
    #[error("{count} transactions: a block may hold at most 65535")]
    TooManyTransactions {
        /// The block's transaction count.
        count: usize,
    },
    /// A transaction signature does not recover.
    #[error("transaction {index}: signature does not recover")]
    InvalidSignature {
        /// Position in the block.
        index: usize,
    },
    /// The transactions root does not match the body.
    #[error("transactions root: expected {expected}, found {found}")]
    TransactionsRoot {
        /// Computed from the body.
        expected: B256,
        /// The header's.
        found: B256,
    },
    /// The witness cannot answer a read during execution (missing node, code or header).
    #[error("witness: {0}")]
    Witness(DatabaseError),
    /// Execution rejected the block (invalid transaction, system call failure, ...).
    #[error("execution: {0}")]
    Execution(String),
    /// Gas used differs from execution's.
    #[error("gas used: expected {expected}, found {found}")]
    GasUsed {
        /// From execution.
        expected: u64,
        /// The header's.
        found: u64,
    },
    /// The receipts root differs from execution's.
    #[error("receipts root: expected {expected}, found {found}")]
    ReceiptsRoot {
        /// From execution.
        expected: B256,
        /// The header's.
        found: B256,
    },
    /// The logs bloom differs from execution's.
    #[error("logs bloom: expected {expected}, found {found}")]
    LogsBloom {
        /// From execution.
        expected: Box<Bloom>,
        /// The header's.
        found: Box<Bloom>,
    },
    /// Applying the state changes needs a node the witness lacks (e.g. a deletion's sibling).
    #[error("state update: {0}")]
    State(Box<StateError>),
    /// The post-state root differs from the header's.
    #[error("state root: expected {expected}, found {found}")]
    StateRoot {
        /// Computed after applying the block.
        expected: B256,
        /// The header's.
        found: B256,
    },
}

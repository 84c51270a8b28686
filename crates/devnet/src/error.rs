//! The devnet library's errors.

use std::path::PathBuf;

use alloy_primitives::B256;
use rollproof_primitives::{ForkScheduleError, NoActiveFork};
use rollproof_stateless::host::HostError;

/// Why a transaction mix does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    /// A part is not `kind=weight`.
    #[error("mix entry {0:?} is not kind=weight (e.g. eth=4)")]
    Syntax(String),
    /// A kind the generator does not know.
    #[error("unknown transaction kind {0:?} (known: eth, erc20, storage, create)")]
    UnknownKind(String),
    /// Every weight is zero.
    #[error("the mix has no kind with a non-zero weight")]
    Empty,
}

/// Why a `genesis.json` cannot start a chain.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is not a genesis in geth's shape.
    #[error("genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The fork schedule in `config` is invalid.
    #[error("fork schedule: {0}")]
    Schedule(#[from] ForkScheduleError),
    /// No fork is active at the genesis block.
    #[error("no fork is active at genesis ({0}): galileo must activate at block 0")]
    NoForkAtGenesis(#[from] NoActiveFork),
    /// `timestampStep` must advance time.
    #[error("the timestamp step must be at least one second")]
    ZeroTimestampStep,
}

/// Why the node refused a raw transaction (the chain and the pool are unchanged).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TxRejected {
    /// The bytes are not an EIP-2718 transaction.
    #[error("invalid transaction encoding: {0}")]
    Decode(String),
    /// Blob transactions need blobs, which this chain does not carry.
    #[error("blob transactions are not supported")]
    Blob,
    /// Signed for another chain (or without EIP-155 replay protection).
    #[error("invalid chain id: expected {expected}, got {found:?}")]
    ChainId {
        /// This chain's id.
        expected: u64,
        /// The transaction's.
        found: Option<u64>,
    },
    /// The signature does not recover a sender.
    #[error("invalid signature")]
    Signature,
    /// The same transaction is pending or included already.
    #[error("already known: {0}")]
    AlreadyKnown(B256),
    /// The nonce is not the sender's next one.
    #[error("nonce {found} is not the sender's next nonce {expected}")]
    Nonce {
        /// The sender's next nonce (counting pending transactions).
        expected: u64,
        /// The transaction's.
        found: u64,
    },
    /// The gas limit exceeds the block gas limit.
    #[error("gas limit {found} exceeds the block gas limit {limit}")]
    GasLimit {
        /// The block gas limit.
        limit: u64,
        /// The transaction's.
        found: u64,
    },
    /// The fee cap is under the next block's base fee.
    #[error("max fee per gas {found} is less than the next block's base fee {base_fee}")]
    FeeTooLow {
        /// The next block's base fee.
        base_fee: u64,
        /// The transaction's fee cap.
        found: u128,
    },
    /// Execution in the next block would fail (e.g. insufficient funds, intrinsic gas).
    #[error("transaction would not execute: {0}")]
    Execution(String),
}

/// Why a node could not start or produce.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The genesis is unusable.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// Building a block failed.
    #[error("building block {number}: {source}")]
    Build {
        /// The block number.
        number: u64,
        /// What failed.
        source: HostError,
    },
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    StateFileIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The state file is not a saved devnet chain.
    #[error("state file {path}: {message}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

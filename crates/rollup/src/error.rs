//! [`RelayerError`]: everything the ingester and the proposers can fail with.

use rollproof_libzkp::witness::WitnessError;

/// Why an ingestion or proposal step failed. The step wrote nothing (every write is one
/// transaction); the relayer logs the error and tries again at its next poll.
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// A JSON-RPC call failed (transport, HTTP status, JSON-RPC error or an unreadable answer).
    #[error("L2 node: {method}: {reason}")]
    Rpc {
        /// The method called.
        method: String,
        /// What went wrong.
        reason: String,
    },
    /// The node's answers contradict themselves or the configuration (chain id, block hash).
    #[error("L2 node: {0}")]
    Node(String),
    /// The chain reorganised below blocks already in chunks.
    #[error(
        "the L2 chain reorganised at block {block}, below the chunked blocks: the stored and \
         the node's chains differ from there (raise l2_config.confirmations; recovering needs \
         an operator)"
    )]
    DeepReorg {
        /// The lowest stored block whose hash the node no longer has.
        block: u64,
    },
    /// Stored items are not consecutive (a block, chunk or batch is missing in between).
    #[error("{what} proposer: expected {expected} next, found {found}")]
    Gap {
        /// Which proposer (or `block` for a missing stored block).
        what: &'static str,
        /// The number or index expected.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// A stored block has no witness.
    #[error("block {0} is stored without its witness")]
    NoWitness(u64),
    /// Data that does not validate or does not make an object.
    #[error("{what}: {reason}")]
    Invalid {
        /// What was being made or checked.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// A stored or fetched witness is unusable.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// libzkp refused (batch assembly).
    #[error(transparent)]
    Libzkp(#[from] rollproof_libzkp::Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] rollproof_db::Error),
    /// A blocking task panicked or was cancelled.
    #[error("background work did not finish: {0}")]
    Join(String),
}

/// The relayer's result type.
pub type Result<T, E = RelayerError> = std::result::Result<T, E>;

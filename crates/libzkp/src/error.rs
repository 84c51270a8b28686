//! libzkp's error type.

use rollproof_stateless::{CodecError, ValidationError};
use rollproof_zkvm::ZkvmError;

/// Why a libzkp operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Building, executing or proving a guest failed.
    #[error(transparent)]
    Zkvm(#[from] ZkvmError),
    /// A chunk witness is malformed.
    #[error("chunk witness: {0}")]
    Codec(#[from] CodecError),
    /// The chunk does not validate natively.
    #[error("chunk does not validate: {0}")]
    Validation(#[from] ValidationError),
    /// A task is not what its type requires.
    #[error("task: {0}")]
    Task(String),
    /// A task is for another verifying key than this program's.
    #[error("the task is for another verifying key than this prover's {0} circuit")]
    WrongVk(&'static str),
    /// A wrapped proof cannot be assembled from its parts.
    #[error("wrapped proof: {0}")]
    Proof(String),
    /// A guest revealed something other than a 32-byte hash.
    #[error("the guest revealed {0} public-value bytes, expected 32")]
    PublicValues(usize),
}

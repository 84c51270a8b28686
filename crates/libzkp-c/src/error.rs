//! The adapter's error type: every failure an entry point reports through `last_error`.

use rollproof_libzkp::{VerifierConfigError, VerifyError};
use rollproof_primitives::UnknownFork;

/// Why a call into `libzkp.so` failed.
#[derive(Debug, thiserror::Error)]
pub enum FfiError {
    /// A pointer argument is null.
    #[error("argument `{0}` is a null pointer")]
    NullPointer(&'static str),
    /// A string argument is not UTF-8.
    #[error("argument `{0}` is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// A buffer length does not fit the address space.
    #[error("argument `{0}`: length {1} is larger than any buffer")]
    LengthTooLarge(&'static str, usize),
    /// A fork name is not in the registry.
    #[error(transparent)]
    UnknownFork(#[from] UnknownFork),
    /// A task type other than 0 (chunk), 1 (batch) or 2 (bundle).
    #[error("unknown task type {0} (0 chunk, 1 batch, 2 bundle)")]
    UnknownTaskType(i32),
    /// `verify_*_proof` before a successful `init_verifier`.
    #[error("no verifier is initialised: call init_verifier first")]
    NotInitialised,
    /// `init_verifier`'s configuration does not load.
    #[error(transparent)]
    Config(#[from] VerifierConfigError),
    /// The proof was refused.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Building a task or a wrapped proof failed.
    #[error(transparent)]
    Libzkp(#[from] rollproof_libzkp::Error),
    /// A result string holds a NUL byte, so it cannot be a C string.
    #[error("the result holds a NUL byte at {0}")]
    InteriorNul(usize),
    /// The library panicked (caught before the FFI boundary).
    #[error("panic: {0}")]
    Panic(String),
}

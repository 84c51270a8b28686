use std::path::PathBuf;

/// Everything that can go wrong between a guest's source and a verified proof.
#[derive(Debug, thiserror::Error)]
pub enum ZkvmError {
    /// The guest toolchain is missing or not usable.
    #[error(
        "guest toolchain not ready: {0}\n  fix: run `scripts/install-guest-toolchain.sh`, then \
         `source scripts/env.sh` in this shell"
    )]
    Toolchain(String),
    /// The guest program directory or its `openvm.toml` is unusable.
    #[error("guest program at {}: {reason}", path.display())]
    GuestProgram {
        /// The guest crate directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `cargo build` of the guest failed.
    #[error("building guest `{name}` failed ({detail}); guest build log: {log}")]
    GuestBuild {
        /// The guest package name.
        name: String,
        /// Exit code or reason.
        detail: String,
        /// Where openvm-build wrote the compiler output.
        log: String,
    },
    /// The guest ran but did not finish successfully (panic, bad input, out of bounds).
    #[error("guest execution failed: {0}")]
    Execution(String),
    /// Proving failed.
    #[error("proving failed: {0}")]
    Proving(String),
    /// A program asset (VM configuration, executable) is unusable.
    #[error("asset of program `{name}`: {reason}")]
    InvalidAsset {
        /// The program.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A verifying key's bytes are unusable.
    #[error("verifying key rejected: {0}")]
    InvalidKey(String),
    /// The proof does not verify against the verifying key.
    #[error("proof rejected: {0}")]
    InvalidProof(String),
    /// The proof verifies, but for another program than the one expected.
    #[error("proof is for program {found}, expected {expected}")]
    ProgramMismatch {
        /// The expected program (exe) commitment.
        expected: String,
        /// The commitment the proof carries.
        found: String,
    },
}

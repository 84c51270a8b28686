use std::panic::{catch_unwind, AssertUnwindSafe};

use openvm_continuations::CommitBytes;
use openvm_sdk::{keygen::AppVerifyingKey, DefaultStarkEngine};

use crate::{app::panic_message, AppProof, ZkvmError};

/// Verifies `proof` against `vk` and checks it proves the program committed to by
/// `expected_program`. Returns the public values the program revealed.
///
/// Proofs come from untrusted provers: a malformed proof is an error, never a panic.
pub fn verify_app_proof(
    vk: &AppVerifyingKey,
    proof: &AppProof,
    expected_program: &CommitBytes,
) -> Result<Vec<u8>, ZkvmError> {
    let exe_commit = catch_unwind(AssertUnwindSafe(|| {
        openvm_sdk::prover::verify_app_proof::<DefaultStarkEngine>(vk, proof.inner())
    }))
    .map_err(|panic| {
        ZkvmError::InvalidProof(format!("verifier panicked: {}", panic_message(&panic)))
    })?
    .map_err(|e| ZkvmError::InvalidProof(e.to_string()))?;
    let found = CommitBytes::from(exe_commit);
    if found != *expected_program {
        return Err(ZkvmError::ProgramMismatch {
            expected: expected_program.to_string(),
            found: found.to_string(),
        });
    }
    proof.claimed_public_values()
}

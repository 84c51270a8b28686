//! Verifying child proofs in a parent guest (batch: chunk proofs; bundle: batch proofs).
//!
//! The guest holds one 32-byte input commit per child proof. [`verify_child`] asks the VM,
//! through OpenVM's deferral mechanism (deferral circuit 0), what the proof behind the commit
//! revealed, and panics unless it is a proof of the expected child program that revealed the
//! expected public-input hash. The STARK verification itself happens in the deferral circuit
//! the host proves alongside the parent (see `rollproof_zkvm::ChildVerifier`), so a parent proof
//! exists only if every child proof verifies.
//!
//! The expected child program is fixed when the parent is built: the host passes its two
//! commitments (`rollproof_zkvm::ChildCommits`, 64 hex digits each, the guest's byte order) as
//! the compile-time values `ROLLPROOF_CHILD_EXE_COMMIT` and `ROLLPROOF_CHILD_VM_COMMIT`. A
//! parent program is therefore bound to one child program, and its own commitment changes when
//! the child's does.
#![no_std]

use openvm_deferral_guest::Commit;
use openvm_verify_stark_guest::verify_stark_unchecked;
use rollproof_primitives::hex_bytes;

/// Commitment to the child program (code, initial memory, entry point).
pub const CHILD_EXE_COMMIT: [u8; 32] = hex_bytes::<32>(env!("ROLLPROOF_CHILD_EXE_COMMIT"));
/// Commitment to the child's VM configuration and lower aggregation layers.
pub const CHILD_VM_COMMIT: [u8; 32] = hex_bytes::<32>(env!("ROLLPROOF_CHILD_VM_COMMIT"));

/// Verifies every child: `commits[i]` must be a proof of the expected child program that
/// revealed `expected_pi_hashes[i]`; panics otherwise, or if the counts differ.
pub fn verify_children(
    commits: &[[u8; 32]],
    expected_pi_hashes: impl ExactSizeIterator<Item = [u8; 32]>,
) {
    assert!(
        commits.len() == expected_pi_hashes.len(),
        "{} child proofs for {} children",
        commits.len(),
        expected_pi_hashes.len()
    );
    for (position, (commit, pi_hash)) in commits.iter().zip(expected_pi_hashes).enumerate() {
        verify_child(position, commit, &pi_hash);
    }
}

/// Panics unless the child proof behind `input_commit` is a verified proof of the expected
/// child program that revealed exactly `expected_pi_hash`. `position` names the child in the
/// panic message.
pub fn verify_child(position: usize, input_commit: &[u8; 32], expected_pi_hash: &[u8; 32]) {
    let commit: Commit = *input_commit;
    let output = verify_stark_unchecked::<0>(&commit);
    assert!(
        output.app_exe_commit == CHILD_EXE_COMMIT,
        "child proof {position} is for another program"
    );
    assert!(
        output.app_vm_commit == CHILD_VM_COMMIT,
        "child proof {position} is for another VM configuration"
    );
    assert!(
        output.user_public_values.as_slice() == expected_pi_hash.as_slice(),
        "child proof {position} revealed another public-input hash than its info's"
    );
}

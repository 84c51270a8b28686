//! What the batch and bundle programs share: a guest that verifies its children's proofs
//! through deferral and is bound at build time to one child program.

use std::sync::Arc;

use alloy_primitives::B256;
use rollproof_zkvm::{
    AppProgram, ChildCommits, ChildInputs, ChildVerifier, CommitBytes, GuestProgram,
    GuestToolchain, ProvingParams, StarkProof, StarkVerifyingKey, StdIn,
};
use serde::Serialize;

use crate::Error;

/// The compile-time name a parent guest reads its child program's commitment from (see
/// `crates/circuits/recursion`).
pub const CHILD_EXE_COMMIT_ENV: &str = "ROLLPROOF_CHILD_EXE_COMMIT";
/// The compile-time name a parent guest reads its child VM's commitment from.
pub const CHILD_VM_COMMIT_ENV: &str = "ROLLPROOF_CHILD_VM_COMMIT";

/// Builds the parent guest `guest` (under `crates/circuits/`) for the children `children`
/// verifies, accepting the child program `accept` (normally `children.child_commits()`; tests
/// pass others to see the guest refuse): the VM gets the deferral configuration for the child
/// key, the guest the commitments as compile-time values.
pub fn build_parent(
    guest: &str,
    toolchain: &GuestToolchain,
    params: ProvingParams,
    children: Arc<ChildVerifier>,
    accept: ChildCommits,
) -> Result<AppProgram, Error> {
    Ok(GuestProgram::named(guest)?
        .with_deferral(children.deferral_config())
        .with_build_env(CHILD_EXE_COMMIT_ENV, &accept.exe_hex())
        .with_build_env(CHILD_VM_COMMIT_ENV, &accept.vm_hex())
        .build(toolchain, params)?
        .with_children(children)?)
}

/// Builds the parent guest `guest` for the proofs verified by `child_vk` (with the child's
/// deferral hook commit when its proofs carry deferrals): generates the deferral keys (about two
/// minutes on 2 cores), then builds the guest accepting exactly that child program.
pub fn build_for_child(
    guest: &str,
    toolchain: &GuestToolchain,
    params: ProvingParams,
    child_vk: &StarkVerifyingKey,
    child_def_hook_commit: Option<CommitBytes>,
) -> Result<AppProgram, Error> {
    let children = Arc::new(ChildVerifier::new(child_vk, child_def_hook_commit, params)?);
    let accept = children.child_commits();
    build_parent(guest, toolchain, params, children, accept)
}

/// The child verifier of a parent program.
pub(crate) fn children_of(app: &AppProgram) -> Result<&ChildVerifier, Error> {
    app.children()
        .map(|children| children.as_ref())
        .ok_or_else(|| Error::Task(format!("program `{}` verifies no child proofs", app.name())))
}

/// Verifies the children's bare proofs (aggregated STARK proof bytes) on the host and makes
/// them the guest's inputs; at least one is required.
pub(crate) fn child_inputs<'a>(
    app: &AppProgram,
    proofs: impl Iterator<Item = &'a [u8]>,
) -> Result<ChildInputs, Error> {
    let proofs: Vec<StarkProof> = proofs.map(|bytes| StarkProof(bytes.to_vec())).collect();
    if proofs.is_empty() {
        return Err(Error::Task(format!(
            "program `{}` needs at least one child proof",
            app.name()
        )));
    }
    Ok(children_of(app)?.inputs(&proofs)?)
}

/// A parent guest's input: its witness in OpenVM's serde encoding, and the deferral state that
/// answers its verify calls.
pub(crate) fn stdin_of<W: Serialize>(witness: &W, children: &ChildInputs) -> StdIn {
    let mut stdin = StdIn::default();
    stdin.write(witness);
    children.attach(&mut stdin);
    stdin
}

/// Runs a parent guest without proving or metering; returns the hash it revealed.
pub(crate) fn execute_parent<W: Serialize>(
    app: &AppProgram,
    witness: &W,
    children: &ChildInputs,
) -> Result<B256, Error> {
    pi_hash_of(&app.execute(stdin_of(witness, children))?)
}

/// What executing a batch or bundle guest (no proof) gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentExecution {
    /// The public-input hash the guest revealed.
    pub pi_hash: B256,
    /// RISC-V instructions executed.
    pub instructions: u64,
}

/// Runs a parent guest with metering; returns the hash it revealed and its instruction count.
pub(crate) fn execute_parent_metered<W: Serialize>(
    app: &AppProgram,
    witness: &W,
    children: &ChildInputs,
) -> Result<ParentExecution, Error> {
    let report = app.execute_metered(stdin_of(witness, children))?;
    Ok(ParentExecution {
        pi_hash: pi_hash_of(&report.public_values)?,
        instructions: report.instructions,
    })
}

/// Proves a parent guest: the aggregated STARK proof, with the children verified inside it.
pub(crate) fn prove_parent<W: Serialize>(
    app: &AppProgram,
    witness: &W,
    children: &ChildInputs,
) -> Result<StarkProof, Error> {
    let mut stdin = StdIn::default();
    stdin.write(witness);
    Ok(app.prove_stark_with(stdin, Some(children))?)
}

/// The 32-byte hash a guest revealed.
pub(crate) fn pi_hash_of(public_values: &[u8]) -> Result<B256, Error> {
    <[u8; 32]>::try_from(public_values)
        .map(B256::from)
        .map_err(|_| Error::PublicValues(public_values.len()))
}

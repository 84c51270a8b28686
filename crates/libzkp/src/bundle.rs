//! The bundle program: the bundle guest built for OpenVM, bound to one batch program, fed a
//! bundle's batch proofs.
//!
//! As the batch guest does with chunk proofs, the bundle guest verifies the batch proofs
//! through deferral. Batch proofs carry deferrals of their own, so the bundle's verifier is made
//! with the batch program's deferral hook commit
//! ([`AppProgram::def_hook_commit`](rollproof_zkvm::AppProgram::def_hook_commit)).

use alloy_primitives::B256;
use rollproof_primitives::{BatchInfo, BundleInfo, BundleWitness, ForkName};
use rollproof_zkvm::{
    AppProgram, ChildInputs, GuestToolchain, ProvingParams, StarkProof, StarkVerifyingKey,
};

use crate::{
    parent::{
        build_for_child, child_inputs, execute_parent, execute_parent_metered, prove_parent,
        ParentExecution,
    },
    BundleProof, BundleProofMetadata, Error, UniversalTask, WrappedProof,
};

/// The guest crate under `crates/circuits/`.
pub const BUNDLE_GUEST: &str = "bundle";

/// One batch of a bundle: its verified public inputs and its bare aggregated proof.
#[derive(Clone, Debug)]
pub struct ProvenBatch {
    /// What the batch proof attests.
    pub info: BatchInfo,
    /// The batch's aggregated STARK proof.
    pub proof: StarkProof,
}

/// The bundle guest, built for one batch program and transpiled.
pub struct BundleProgram {
    app: AppProgram,
}

impl BundleProgram {
    /// Builds the bundle guest for the proofs of `batch` (the built batch program: its
    /// verifying key and deferral hook fix what the bundle accepts). Generates the deferral
    /// keys (minutes) and compiles the guest.
    pub fn build(
        toolchain: &GuestToolchain,
        params: ProvingParams,
        batch: &AppProgram,
    ) -> Result<Self, Error> {
        let batch_vk = batch.stark_verifying_key()?;
        Self::build_for(toolchain, params, &batch_vk, batch.def_hook_commit())
    }

    /// [`Self::build`] from the batch program's verifying key and deferral hook commit.
    pub fn build_for(
        toolchain: &GuestToolchain,
        params: ProvingParams,
        batch_vk: &StarkVerifyingKey,
        batch_def_hook_commit: Option<rollproof_zkvm::CommitBytes>,
    ) -> Result<Self, Error> {
        Self::from_app(build_for_child(
            BUNDLE_GUEST,
            toolchain,
            params,
            batch_vk,
            batch_def_hook_commit,
        )?)
    }

    /// The bundle program from an already built app that verifies batch proofs.
    pub fn from_app(app: AppProgram) -> Result<Self, Error> {
        crate::parent::children_of(&app)?;
        Ok(Self { app })
    }

    /// The underlying program (for proving and keys).
    pub fn app(&self) -> &AppProgram {
        &self.app
    }

    /// The verifying key of bundle proofs made by this build.
    pub fn verifying_key(&self) -> Result<StarkVerifyingKey, Error> {
        Ok(self.app.stark_verifying_key()?)
    }

    /// The guest's witness for the batches (in order), the bundle info it attests and the
    /// deferral inputs behind its proof commits. The batch proofs are verified against the
    /// batch key and the batches' chaining checked here, before any guest runs.
    pub fn witness(
        &self,
        fork: ForkName,
        batches: &[ProvenBatch],
    ) -> Result<(BundleWitness, BundleInfo, ChildInputs), Error> {
        let children = child_inputs(&self.app, batches.iter().map(|b| b.proof.0.as_slice()))?;
        let witness = BundleWitness {
            fork,
            batch_infos: batches.iter().map(|batch| batch.info.clone()).collect(),
            batch_proof_commits: children.input_commits.clone(),
        };
        let info = witness
            .bundle_info()
            .map_err(|e| Error::Task(format!("bundle does not check: {e}")))?;
        Ok((witness, info, children))
    }

    /// Runs the guest without proving; returns the public-input hash it revealed. Nothing is
    /// checked on the host first: a bundle that does not check makes the guest panic.
    pub fn execute_witness(
        &self,
        witness: &BundleWitness,
        children: &ChildInputs,
    ) -> Result<B256, Error> {
        execute_parent(&self.app, witness, children)
    }

    /// Checks the batches natively (see [`Self::witness`]), then runs the guest on them without
    /// proving and measures it (generates the app proving key on first use).
    pub fn execute(
        &self,
        fork: ForkName,
        batches: &[ProvenBatch],
    ) -> Result<ParentExecution, Error> {
        let (witness, _info, children) = self.witness(fork, batches)?;
        execute_parent_metered(&self.app, &witness, &children)
    }

    /// Proves a bundle's universal task (which must be for this program's verifying key) and
    /// wraps the proof with its metadata.
    pub fn prove_task(
        &self,
        task: &UniversalTask,
        git_version: &str,
    ) -> Result<BundleProof, Error> {
        let vk = task.require_vk(&self.verifying_key()?, "bundle")?;
        let (proof, info) = self.prove(task.fork_name, &task.bundle_batches()?)?;
        Ok(WrappedProof {
            metadata: BundleProofMetadata::new(info, task.fork_name),
            proof: proof.0,
            vk,
            git_version: git_version.to_string(),
        })
    }

    /// Proves the bundle: the aggregated STARK proof, with the batch proofs verified inside it.
    pub fn prove(
        &self,
        fork: ForkName,
        batches: &[ProvenBatch],
    ) -> Result<(StarkProof, BundleInfo), Error> {
        let (witness, info, children) = self.witness(fork, batches)?;
        Ok((prove_parent(&self.app, &witness, &children)?, info))
    }
}

/// The bundle's EVM-verifiable proof (feature `evm`): the same bundle, its aggregated proof
/// folded by OpenVM's root prover and wrapped in a halo2 SNARK that a Solidity contract checks.
/// Needs the halo2 KZG SRS in `srs_dir` and far more memory than the STARK path (see
/// `rollproof_zkvm::evm`).
#[cfg(feature = "evm")]
impl BundleProgram {
    /// Proves the bundle of `batches` as an EVM proof; returns it with the bundle's public
    /// inputs (the proof reveals their hash).
    pub fn prove_evm(
        &self,
        fork: ForkName,
        batches: &[ProvenBatch],
        srs_dir: &std::path::Path,
    ) -> Result<(rollproof_zkvm::evm::EvmProof, BundleInfo), Error> {
        let (witness, info, children) = self.witness(fork, batches)?;
        let mut stdin = rollproof_zkvm::StdIn::default();
        stdin.write(&witness);
        let proof = self.app.prove_evm(stdin, Some(&children), srs_dir)?;
        Ok((proof, info))
    }

    /// The Solidity verifier of this bundle program's EVM proofs (needs `solc` on `PATH`).
    pub fn evm_verifier(
        &self,
        srs_dir: &std::path::Path,
    ) -> Result<rollproof_zkvm::evm::EvmVerifier, Error> {
        Ok(self.app.evm_verifier(srs_dir)?)
    }
}

/// Checks an EVM bundle proof (feature `evm`): it runs `verifier`'s contract in a local EVM and
/// must reveal `expected_pi_hash`, the bundle public-input hash. Returns the gas used.
#[cfg(feature = "evm")]
pub fn verify_bundle_evm_proof(
    verifier: &rollproof_zkvm::evm::EvmVerifier,
    proof: &rollproof_zkvm::evm::EvmProof,
    expected_pi_hash: B256,
) -> Result<u64, Error> {
    let revealed = crate::parent::pi_hash_of(proof.public_values())?;
    if revealed != expected_pi_hash {
        return Err(Error::Task(format!(
            "the EVM proof reveals {revealed}, the bundle's public-input hash is \
             {expected_pi_hash}"
        )));
    }
    Ok(rollproof_zkvm::evm::verify_evm_proof(verifier, proof)?)
}

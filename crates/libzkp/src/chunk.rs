//! The chunk program: the chunk guest built for OpenVM, fed a [`ChunkWitness`].

use alloy_primitives::B256;
use rollproof_stateless::{ChunkWitness, NativeCrypto};
use rollproof_zkvm::{
    AppProgram, GuestProgram, GuestToolchain, ProvingParams, StarkVerifyingKey, StdIn,
};

use crate::{
    proof::{ChunkProof, ChunkProofMetadata},
    task::UniversalTask,
    Error,
};

/// The guest crate under `crates/circuits/`.
pub const CHUNK_GUEST: &str = "chunk";

/// The chunk guest, built and transpiled.
pub struct ChunkProgram {
    app: AppProgram,
}

/// What executing the chunk guest (no proof) gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkExecution {
    /// The chunk public-input hash the guest revealed.
    pub pi_hash: B256,
    /// RISC-V instructions executed (the guest's cycles).
    pub instructions: u64,
    /// The VM's estimate of proving cost (trace cells).
    pub trace_cells: u64,
}

impl ChunkProgram {
    /// Builds the chunk guest with the project's guest toolchain.
    pub fn build(toolchain: &GuestToolchain, params: ProvingParams) -> Result<Self, Error> {
        Self::build_from(GuestProgram::named(CHUNK_GUEST)?, toolchain, params)
    }

    /// Builds the chunk guest from `guest` (e.g. with its own target dir).
    pub fn build_from(
        guest: GuestProgram,
        toolchain: &GuestToolchain,
        params: ProvingParams,
    ) -> Result<Self, Error> {
        Ok(Self {
            app: guest.build(toolchain, params)?,
        })
    }

    /// The chunk program from an already built app (e.g. loaded from assets).
    pub fn from_app(app: AppProgram) -> Self {
        Self { app }
    }

    /// The underlying program (for proving and keys).
    pub fn app(&self) -> &AppProgram {
        &self.app
    }

    /// The guest's input for `witness`.
    pub fn input(witness: &ChunkWitness) -> StdIn {
        let mut input = StdIn::default();
        input.write_bytes(&witness.encode());
        input
    }

    /// The verifying key of chunk proofs made by this build of the guest.
    pub fn verifying_key(&self) -> Result<StarkVerifyingKey, Error> {
        Ok(self.app.stark_verifying_key()?)
    }

    /// Proves the chunk: validates it natively first (a witness that does not validate is an
    /// error here, before any proving time is spent), then makes the aggregated STARK proof and
    /// wraps it with its metadata and verifying key.
    pub fn prove(&self, witness: &ChunkWitness, git_version: &str) -> Result<ChunkProof, Error> {
        let chunk_info = witness.validate(&NativeCrypto)?;
        let chunk_total_gas = witness.input.blocks.iter().map(|b| b.header.gas_used).sum();
        let proof = self.app.prove_stark(Self::input(witness))?;
        Ok(ChunkProof {
            metadata: ChunkProofMetadata {
                chunk_info,
                chunk_total_gas,
                fork_name: witness.fork,
            },
            proof: proof.0,
            vk: crate::verifier::vk_id(&self.verifying_key()?),
            git_version: git_version.to_string(),
        })
    }

    /// Proves a chunk's universal task: the task must be for this program's verifying key.
    pub fn prove_task(&self, task: &UniversalTask, git_version: &str) -> Result<ChunkProof, Error> {
        task.require_vk(&self.verifying_key()?, "chunk")?;
        self.prove(&task.chunk_witness()?, git_version)
    }

    /// Runs the guest on `witness` without proving and measures it. A witness that does not
    /// validate makes the guest panic, which is an execution error here.
    pub fn execute(&self, witness: &ChunkWitness) -> Result<ChunkExecution, Error> {
        let report = self.app.execute_metered(Self::input(witness))?;
        let pi_hash = <[u8; 32]>::try_from(report.public_values.as_slice())
            .map_err(|_| Error::PublicValues(report.public_values.len()))?;
        Ok(ChunkExecution {
            pi_hash: B256::from(pi_hash),
            instructions: report.instructions,
            trace_cells: report.trace_cells,
        })
    }
}

//! The batch program: the batch guest built for OpenVM, bound to one chunk program, fed a
//! batch's chunk proofs, header and blob.
//!
//! The guest verifies the chunk proofs through deferral ([`rollproof_zkvm::ChildVerifier`]):
//! the host checks each proof first and hands the guest one input commit per proof
//! ([`BatchWitness::chunk_proof_commits`]); the guest insists on the chunk program whose
//! commitments were fixed when it was built, so a batch program is bound to one chunk program
//! and is rebuilt (new commitment, new verifying key) whenever the chunk program changes.

use alloy_primitives::B256;
use rollproof_primitives::{
    encode_envelope, BatchHeader, BatchInfo, BatchWitness, Blob, BlobDataProof, BlobPayload,
    BlsScalar, ForkName, KzgPoint,
};
use rollproof_zkvm::{
    AppProgram, ChildInputs, GuestToolchain, ProvingParams, StarkProof, StarkVerifyingKey,
};
use sha2::{Digest, Sha256};

use crate::{
    parent::{build_for_child, child_inputs, execute_parent, execute_parent_metered, prove_parent},
    ChunkProof, Error,
};

/// The guest crate under `crates/circuits/`.
pub const BATCH_GUEST: &str = "batch";

/// What a batch proof is made from: the batch's chunk proofs (in order), its header, its blob
/// data (the codec envelope the blob carries) and the blob's KZG commitment and opening proof
/// at the challenge point.
#[derive(Clone, Debug)]
pub struct BatchInput {
    /// The fork of the batch (its first chunk's).
    pub fork: ForkName,
    /// One verified-by-the-coordinator chunk proof per chunk, in chunk order.
    pub chunk_proofs: Vec<ChunkProof>,
    /// The batch header committed to L1.
    pub header: BatchHeader,
    /// The blob's data: the codec envelope of the batch payload.
    pub blob_envelope: Vec<u8>,
    /// The blob's KZG commitment.
    pub kzg_commitment: KzgPoint,
    /// The KZG proof of the blob's value at the challenge point.
    pub kzg_proof: KzgPoint,
}

impl BatchInput {
    /// Assembles a batch the way a batch proposer does: the blob payload from the chunks'
    /// infos and transaction data (`tx_data_per_chunk[i]` is chunk i's, see
    /// `ChunkInput::tx_data`), its envelope (zstd-compressed when `compress` and smaller), the
    /// blob, its commitment, the header (`batch_index`, `parent_batch_hash`, the commitment's
    /// versioned hash) and the opening at the challenge point. Returns the input and the
    /// opening (what the rollup contract receives as the blob data proof).
    pub fn assemble(
        fork: ForkName,
        batch_index: u64,
        parent_batch_hash: B256,
        chunk_proofs: Vec<ChunkProof>,
        tx_data_per_chunk: &[&[u8]],
        compress: bool,
    ) -> Result<(Self, BlobDataProof), Error> {
        let batch = |what: &str, e: &dyn std::fmt::Display| Error::Task(format!("{what}: {e}"));
        let infos: Vec<_> = chunk_proofs
            .iter()
            .map(|proof| proof.metadata.chunk_info.clone())
            .collect();
        let payload = BlobPayload::from_chunks(&infos, tx_data_per_chunk)
            .map_err(|e| batch("payload", &e))?;
        let envelope = encode_envelope(&payload, fork.codec_version(), compress)
            .map_err(|e| batch("envelope", &e))?;
        let blob = Blob::from_envelope_bytes(&envelope).map_err(|e| batch("blob", &e))?;
        let commitment =
            rollproof_primitives::kzg_commitment(&blob).map_err(|e| batch("commitment", &e))?;
        let header = BatchHeader {
            version: fork.codec_version(),
            batch_index,
            blob_versioned_hash: rollproof_primitives::kzg_versioned_hash(&commitment),
            parent_batch_hash,
        };
        let opening =
            BlobDataProof::compute(&blob, &blob.challenge_digest(&header.blob_versioned_hash))
                .map_err(|e| batch("opening", &e))?;
        let input = Self {
            fork,
            chunk_proofs,
            header,
            blob_envelope: envelope,
            kzg_commitment: commitment,
            kzg_proof: opening.proof,
        };
        Ok((input, opening))
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// What executing the batch guest (no proof) gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchExecution {
    /// The batch public-input hash the guest revealed.
    pub pi_hash: B256,
    /// RISC-V instructions executed.
    pub instructions: u64,
}

/// The batch guest, built for one chunk program and transpiled.
pub struct BatchProgram {
    app: AppProgram,
}

impl BatchProgram {
    /// Builds the batch guest for chunk proofs verified by `chunk_vk`: generates the deferral
    /// keys for that key (about two minutes), then compiles the guest with the chunk program's
    /// commitments and the matching deferral configuration.
    pub fn build(
        toolchain: &GuestToolchain,
        params: ProvingParams,
        chunk_vk: &StarkVerifyingKey,
    ) -> Result<Self, Error> {
        Self::from_app(build_for_child(
            BATCH_GUEST,
            toolchain,
            params,
            chunk_vk,
            None,
        )?)
    }

    /// The batch program from an already built app that verifies chunk proofs (e.g. loaded
    /// from assets and given its [`ChildVerifier`]).
    pub fn from_app(app: AppProgram) -> Result<Self, Error> {
        crate::parent::children_of(&app)?;
        Ok(Self { app })
    }

    /// The underlying program (for proving and keys).
    pub fn app(&self) -> &AppProgram {
        &self.app
    }

    /// The verifying key of batch proofs made by this build.
    pub fn verifying_key(&self) -> Result<StarkVerifyingKey, Error> {
        Ok(self.app.stark_verifying_key()?)
    }

    /// The guest's witness for `input`, the batch info it attests and the deferral inputs behind
    /// its proof commits. The chunk proofs are verified against the chunk key here, and the
    /// batch data is checked natively ([`BatchWitness::check`], then the KZG opening with
    /// c-kzg), so a batch that cannot be proven is refused before any guest runs.
    pub fn witness(
        &self,
        input: &BatchInput,
    ) -> Result<(BatchWitness, BatchInfo, ChildInputs), Error> {
        for (position, proof) in input.chunk_proofs.iter().enumerate() {
            if proof.metadata.fork_name != input.fork {
                return Err(Error::Task(format!(
                    "chunk proof {position} is for fork {}, the batch for {}",
                    proof.metadata.fork_name, input.fork
                )));
            }
        }
        let children = child_inputs(
            &self.app,
            input
                .chunk_proofs
                .iter()
                .map(|proof| proof.proof.as_slice()),
        )?;
        let witness = BatchWitness {
            fork: input.fork,
            chunk_infos: input
                .chunk_proofs
                .iter()
                .map(|proof| proof.metadata.chunk_info.clone())
                .collect(),
            chunk_proof_commits: children.input_commits.clone(),
            header: input.header,
            blob_envelope: input.blob_envelope.clone(),
            kzg_commitment: input.kzg_commitment,
            kzg_proof: input.kzg_proof,
        };
        let (info, opening) = witness
            .check::<BlsScalar>(sha256)
            .map_err(|e| Error::Task(format!("batch does not check: {e}")))?;
        rollproof_primitives::verify_kzg_proof(
            &input.kzg_commitment,
            &B256::from(opening.z),
            &B256::from(opening.y),
            &input.kzg_proof,
        )
        .map_err(|e| Error::Task(format!("the blob's KZG proof does not verify: {e}")))?;
        Ok((witness, info, children))
    }

    /// Runs the guest on `witness` (with the deferral state of `children`) without proving or
    /// metering, and returns the public-input hash it revealed. Nothing is checked on the host
    /// first: a batch that does not check makes the guest panic, an execution error here.
    pub fn execute_witness(
        &self,
        witness: &BatchWitness,
        children: &ChildInputs,
    ) -> Result<B256, Error> {
        execute_parent(&self.app, witness, children)
    }

    /// Checks `input` natively, then runs the guest on it without proving and measures it
    /// (generates the app proving key on first use).
    pub fn execute(&self, input: &BatchInput) -> Result<BatchExecution, Error> {
        let (witness, _info, children) = self.witness(input)?;
        let (pi_hash, instructions) = execute_parent_metered(&self.app, &witness, &children)?;
        Ok(BatchExecution {
            pi_hash,
            instructions,
        })
    }

    /// Proves the batch: the aggregated STARK proof, with the chunk proofs verified inside it.
    /// Returns the bare proof and the batch info it attests.
    pub fn prove(&self, input: &BatchInput) -> Result<(StarkProof, BatchInfo), Error> {
        let (witness, info, children) = self.witness(input)?;
        Ok((prove_parent(&self.app, &witness, &children)?, info))
    }
}

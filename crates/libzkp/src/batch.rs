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
    BlsScalar, ChunkInfo, ForkName, KzgPoint,
};
use rollproof_zkvm::{
    AppProgram, ChildInputs, GuestToolchain, ProvingParams, StarkProof, StarkVerifyingKey,
};
use sha2::{Digest, Sha256};

use crate::{
    parent::{
        build_for_child, child_inputs, execute_parent, execute_parent_metered, prove_parent,
        ParentExecution,
    },
    BatchProof, BatchProofMetadata, ChunkProof, Error, UniversalTask, WrappedProof,
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

/// A batch as a batch proposer makes it from its chunks: the header committed to L1, the blob's
/// data (the codec envelope) and the blob's opening at the challenge point (what the rollup
/// contract receives as the blob data proof, and the batch row's `blob_data_proof`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssembledBatch {
    /// The batch header.
    pub header: BatchHeader,
    /// The blob's data.
    pub blob_envelope: Vec<u8>,
    /// The blob's commitment, challenge point, value there and KZG proof.
    pub opening: BlobDataProof,
}

impl AssembledBatch {
    /// Assembles batch `batch_index` (child of `parent_batch_hash`) from its chunks' infos and
    /// transaction data (`tx_data_per_chunk[i]` is chunk i's, see `ChunkInput::tx_data`): the
    /// blob payload, its envelope (zstd-compressed when `compress` and smaller), the blob, its
    /// commitment, the header (with the commitment's versioned hash) and the opening at the
    /// challenge point.
    pub fn new(
        fork: ForkName,
        batch_index: u64,
        parent_batch_hash: B256,
        chunk_infos: &[ChunkInfo],
        tx_data_per_chunk: &[&[u8]],
        compress: bool,
    ) -> Result<Self, Error> {
        let batch = |what: &str, e: &dyn std::fmt::Display| Error::Task(format!("{what}: {e}"));
        let payload = BlobPayload::from_chunks(chunk_infos, tx_data_per_chunk)
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
        Ok(Self {
            header,
            blob_envelope: envelope,
            opening,
        })
    }

    /// The challenge digest of the blob (what the batch row stores).
    pub fn challenge_digest(&self) -> B256 {
        Blob::from_envelope_bytes(&self.blob_envelope)
            .expect("an assembled envelope fits a blob")
            .challenge_digest(&self.header.blob_versioned_hash)
    }
}

impl BatchInput {
    /// Assembles a batch the way a batch proposer does ([`AssembledBatch::new`] over the chunk
    /// proofs' infos). Returns the input and the opening (what the rollup contract receives as
    /// the blob data proof).
    pub fn assemble(
        fork: ForkName,
        batch_index: u64,
        parent_batch_hash: B256,
        chunk_proofs: Vec<ChunkProof>,
        tx_data_per_chunk: &[&[u8]],
        compress: bool,
    ) -> Result<(Self, BlobDataProof), Error> {
        let infos: Vec<_> = chunk_proofs
            .iter()
            .map(|proof| proof.metadata.chunk_info.clone())
            .collect();
        let batch = AssembledBatch::new(
            fork,
            batch_index,
            parent_batch_hash,
            &infos,
            tx_data_per_chunk,
            compress,
        )?;
        let input = Self {
            fork,
            chunk_proofs,
            header: batch.header,
            blob_envelope: batch.blob_envelope,
            kzg_commitment: batch.opening.commitment,
            kzg_proof: batch.opening.proof,
        };
        Ok((input, batch.opening))
    }
}

impl BatchInput {
    /// Checks the batch natively, without its chunk proofs (the coordinator verified each when
    /// it was submitted; the batch program verifies them again): every chunk proof is for the
    /// batch's fork, the data checks ([`BatchWitness::check`]: header version, versioned hash,
    /// payload = the chunks, chaining) and the KZG proof opens the commitment at the challenge
    /// point to the blob's value there (c-kzg). Returns the batch info a proof attests.
    pub fn check(&self) -> Result<BatchInfo, Error> {
        self.check_forks()?;
        Ok(self.checked_witness(Vec::new())?.1)
    }

    fn check_forks(&self) -> Result<(), Error> {
        for (position, proof) in self.chunk_proofs.iter().enumerate() {
            if proof.metadata.fork_name != self.fork {
                return Err(Error::Task(format!(
                    "chunk proof {position} is for fork {}, the batch for {}",
                    proof.metadata.fork_name, self.fork
                )));
            }
        }
        Ok(())
    }

    /// The guest's witness with `chunk_proof_commits`, checked as [`Self::check`] says.
    fn checked_witness(
        &self,
        chunk_proof_commits: Vec<[u8; 32]>,
    ) -> Result<(BatchWitness, BatchInfo), Error> {
        let witness = BatchWitness {
            fork: self.fork,
            chunk_infos: self
                .chunk_proofs
                .iter()
                .map(|proof| proof.metadata.chunk_info.clone())
                .collect(),
            chunk_proof_commits,
            header: self.header,
            blob_envelope: self.blob_envelope.clone(),
            kzg_commitment: self.kzg_commitment,
            kzg_proof: self.kzg_proof,
        };
        let (info, opening) = witness
            .check::<BlsScalar>(sha256)
            .map_err(|e| Error::Task(format!("batch does not check: {e}")))?;
        rollproof_primitives::verify_kzg_proof(
            &self.kzg_commitment,
            &B256::from(opening.z),
            &B256::from(opening.y),
            &self.kzg_proof,
        )
        .map_err(|e| Error::Task(format!("the blob's KZG proof does not verify: {e}")))?;
        Ok((witness, info))
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
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
    /// batch data is checked natively ([`BatchInput::check`]), so a batch that cannot be proven
    /// is refused before any guest runs.
    pub fn witness(
        &self,
        input: &BatchInput,
    ) -> Result<(BatchWitness, BatchInfo, ChildInputs), Error> {
        input.check_forks()?;
        let children = child_inputs(
            &self.app,
            input
                .chunk_proofs
                .iter()
                .map(|proof| proof.proof.as_slice()),
        )?;
        let (witness, info) = input.checked_witness(children.input_commits.clone())?;
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
    pub fn execute(&self, input: &BatchInput) -> Result<ParentExecution, Error> {
        let (witness, _info, children) = self.witness(input)?;
        execute_parent_metered(&self.app, &witness, &children)
    }

    /// Proves a batch's universal task (which must be for this program's verifying key) and
    /// wraps the proof with its metadata.
    pub fn prove_task(&self, task: &UniversalTask, git_version: &str) -> Result<BatchProof, Error> {
        let vk = task.require_vk(&self.verifying_key()?, "batch")?;
        let (proof, info) = self.prove(&task.batch_input()?)?;
        Ok(WrappedProof {
            metadata: BatchProofMetadata::new(info, task.fork_name),
            proof: proof.0,
            vk,
            git_version: git_version.to_string(),
        })
    }

    /// Proves the batch: the aggregated STARK proof, with the chunk proofs verified inside it.
    /// Returns the bare proof and the batch info it attests.
    pub fn prove(&self, input: &BatchInput) -> Result<(StarkProof, BatchInfo), Error> {
        let (witness, info, children) = self.witness(input)?;
        Ok((prove_parent(&self.app, &witness, &children)?, info))
    }
}

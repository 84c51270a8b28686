//! rollproof's proving library, shared by the prover and the coordinator.
//!
//! Key components (growing with the chunk circuit issue):
//! - [`chunk`]: [`ChunkProgram`], the chunk guest built for OpenVM: execute a
//!   [`ChunkWitness`](rollproof_stateless::ChunkWitness) to its public-input hash and cycle
//!   count, and prove it.
//! - [`batch`]: [`BatchProgram`], the batch guest built for one chunk program: verifies the
//!   batch's chunk proofs inside its proof (deferral) and checks the batch data; a
//!   [`BatchInput`] is what it proves (chunk proofs, header, blob envelope, KZG opening), and
//!   [`BatchInput::assemble`] builds one from chunks.
//! - [`bundle`]: [`BundleProgram`], the bundle guest built for one batch program: verifies the
//!   bundle's batch proofs inside its proof and checks that they chain.
//! - [`parent`]: what the two share ([`parent::build_parent`]: a guest bound at build time to
//!   one child program).
//! - [`proof`]: wrapped proofs (`{metadata, proof, vk, git_version}`), [`ChunkProof`];
//!   [`wrap_proof`] assembles one from a bare proof, metadata and key.
//! - [`proof`] also holds the batch and bundle proofs' metadata ([`BatchProofMetadata`],
//!   [`BundleProofMetadata`]); [`ProofMetadata`] is what a verifier needs from any of them.
//! - [`task`]: the universal task a prover receives ([`UniversalTask`]; [`chunk_task`] builds
//!   a chunk's with its expected metadata and pi hash; [`ChunkTaskInput`] is the
//!   coordinator's chunk task, an encoded witness).
//! - [`aggregation`]: batch and bundle tasks ([`BatchTaskInput`], [`BundleTaskInput`]: the
//!   coordinator's, with the blob values recomputed and compared) and reading them back out of
//!   a universal task.
//! - [`verifier`]: [`Verifier`], per-fork and per-circuit verification with typed
//!   [`VerifyError`]s, loaded from a [`VerifierConfig`] (`{circuits: [{fork_name,
//!   assets_path}]}`).
//! - [`assets`]: per-fork asset folders (programs, VM configs, verifying keys, `manifest.json`
//!   with sha256 + size, ZK version): [`assets::write_assets`], [`assets::load_vk`],
//!   [`assets::load_batch_program`], [`assets::load_bundle_program`].
//! - [`witness`]: stored one-block witnesses (versioned encoding, zstd) and the chunk witness
//!   assembled from them ([`witness::chunk_witness_from_blocks`]).
//! - `testing` (feature `testing`): the suite's real chunk proofs, proven once and cached.
//! - [`Error`]: one error type for building, executing and proving.
//!
//! Entry point: [`ChunkProgram::build`].

pub mod aggregation;
pub mod assets;
pub mod batch;
pub mod bundle;
pub mod chunk;
mod error;
pub mod parent;
pub mod proof;
pub mod task;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verifier;
pub mod witness;

pub use aggregation::{BatchTask, BatchTaskInput, BundleTask, BundleTaskInput};
pub use batch::{AssembledBatch, BatchInput, BatchProgram};
pub use bundle::{BundleProgram, ProvenBatch};
pub use chunk::{ChunkExecution, ChunkProgram};
pub use error::Error;
pub use parent::ParentExecution;
pub use proof::{
    wrap_proof, BatchProof, BatchProofMetadata, BundleProof, BundleProofMetadata, ChunkProof,
    ChunkProofMetadata, ProofMetadata, WrappedProof,
};
pub use task::{chunk_task, ChunkTask, ChunkTaskInput, ProvingTask, UniversalTask};
pub use verifier::{CircuitAssets, Verifier, VerifierConfig, VerifierConfigError, VerifyError};

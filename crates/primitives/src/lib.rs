//! Building blocks shared by every rollproof crate, host and guest alike.
//!
//! This crate is `no_std` (with `alloc`): the same types run in the services on the host and
//! inside the OpenVM guest programs. It provides:
//!
//! - **Forks** ([`ForkName`], [`EvmSpec`], [`ForkSchedule`]): the fork registry (EVM rules,
//!   state-transition version, codec version per fork) and the activation schedule read from a
//!   `genesis.json` chain config; [`ForkSchedule::fork_at`] gives the fork of a block.
//! - **Status enums** ([`TaskType`], [`ProvingStatus`], [`ProofsReadyStatus`], [`RollupStatus`],
//!   [`ProverTaskStatus`], [`ProverTaskFailureType`], [`SubmitProofStatus`],
//!   [`SubmitFailureType`], [`ProverProviderType`]): the numeric values of the reference's
//!   database and coordinator API, serialized as integers.
//! - **Public inputs** ([`BlockContext`], [`ChunkInfo`], [`BatchInfo`], [`BundleInfo`]): the
//!   byte layouts the chunk, batch and bundle proofs commit to, through the [`PublicInputs`]
//!   trait (`pi_bytes`, `pi_hash`), versioned by [`PiVersion`] (fork + [`Domain`]).
//! - **Chaining** ([`Chained`], [`check_chain`], [`ChainError`]): consecutive chunks and
//!   batches must link up (chain id, state roots, batch hashes, message-queue hashes, chunk
//!   blockhashes, block numbers); [`BundleInfo::from_batches`] and [`bundle_hash`] build the
//!   bundle level.
//! - **Batch header** ([`BatchHeader`]): the 73-byte codec v7+ header (version, batch index,
//!   blob versioned hash, parent batch hash) whose keccak256 is the batch hash;
//!   [`BatchInfo::from_header_and_chunks`] builds a batch's public inputs from it.
//! - **Blob data** ([`Blob`], [`Envelope`], [`BlobPayload`]): a batch's data in an EIP-4844 blob
//!   (31 data bytes per field element), the envelope around it (codec version, length,
//!   zstd flag; decompressed with `ruzstd`, compressed on the host with feature `zstd`) and the
//!   payload (message-queue hashes, block contexts, L2 transactions);
//!   [`check_payload_against_chunks`] ties a payload to the chunk proofs of its batch.
//! - **Blob opening** ([`challenge_digest`], [`challenge_point`], [`evaluate_blob`],
//!   [`BlobField`], [`BlsScalar`]): the Fiat-Shamir point of a blob and the barycentric
//!   evaluation of its polynomial there, generic over the field arithmetic so guests can run it
//!   on their modular-arithmetic extension.
//! - **KZG** (feature `kzg`, host only: `BlobDataProof`, `kzg_commitment`,
//!   `kzg_versioned_hash`, `compute_kzg_proof`, `verify_kzg_proof`): commitment, versioned hash
//!   and point proof of a blob with c-kzg and the Ethereum mainnet trusted setup.
//! - **Batch witness** ([`BatchWitness`]): what the batch guest reads; [`BatchWitness::check`]
//!   checks a batch's data (header version, versioned hash of the commitment, blob payload =
//!   the chunks' data, chaining) the same way in the guest and on the host, and returns the
//!   [`PointEvaluation`] the caller verifies with the KZG proof. [`BundleWitness`] is the
//!   bundle guest's.
//! - **Errors** ([`ChainError`], [`BatchHeaderError`], [`BlobError`], [`PayloadMismatch`], …):
//!   one type per failure domain.
//!
//! Main entry points: `ForkSchedule::from_genesis_json(json)?.fork_at(number, timestamp)?`, then
//! `info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte())` on a chunk, batch or bundle info:
//!
//! ```
//! use rollproof_primitives::{BatchInfo, Domain, ForkName, ForkSchedule, PiVersion, PublicInputs, B256};
//!
//! let genesis = r#"{"config": {"chainId": 534352, "galileoBlock": 0, "galileoV2Time": 1700000000}}"#;
//! let schedule = ForkSchedule::from_genesis_json(genesis)?;
//! let fork = schedule.fork_at(10, 1_700_000_001)?;
//! assert_eq!(fork, ForkName::GalileoV2);
//!
//! let version = PiVersion::new(fork, Domain::Rollup).byte(); // (0 << 6) + 10
//! let batch = BatchInfo {
//!     parent_state_root: B256::ZERO,
//!     parent_batch_hash: B256::ZERO,
//!     state_root: B256::repeat_byte(1),
//!     batch_hash: B256::repeat_byte(2),
//!     chain_id: schedule.chain_id(),
//!     withdraw_root: B256::ZERO,
//!     prev_msg_queue_hash: B256::ZERO,
//!     post_msg_queue_hash: B256::ZERO,
//! };
//! assert_eq!(batch.pi_bytes(version).len(), 233);
//! let _revealed_by_the_batch_proof: B256 = batch.pi_hash(version);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]

extern crate alloc;
#[cfg(feature = "zstd")]
extern crate std;

mod batch;
mod batch_header;
mod batch_witness;
mod blob;
mod bundle;
mod bundle_witness;
mod chain;
mod chunk;
mod enums;
mod error;
mod fork;
mod hex;
#[cfg(feature = "kzg")]
mod kzg;
mod pi;
mod schedule;

pub use alloy_primitives::{B256, U256};
pub use batch::BatchInfo;
pub use batch_header::{BatchHeader, BATCH_HEADER_SIZE};
pub use batch_witness::{BatchWitness, PointEvaluation, VERSIONED_HASH_VERSION_KZG};
#[cfg(feature = "zstd")]
pub use blob::encode_envelope;
pub use blob::{
    challenge_digest, challenge_point, check_payload_against_chunks, evaluate_blob, Blob,
    BlobField, BlobPayload, BlsScalar, Envelope, BLOB_DATA_CAPACITY, BLOB_SIZE, BLS_MODULUS,
    BYTES_PER_FIELD_ELEMENT, ENVELOPE_HEADER_SIZE, FIELD_ELEMENTS_PER_BLOB, MAX_ENVELOPE_DATA_SIZE,
    MAX_PAYLOAD_SIZE, PAYLOAD_HEADER_SIZE, ROOT_OF_UNITY,
};
pub use bundle::{bundle_hash, BundleInfo};
pub use bundle_witness::BundleWitness;
pub use chain::{check_chain, Chained};
pub use chunk::{BlockContext, ChunkInfo, BLOCK_CONTEXT_SIZE};
pub use enums::{
    ProofsReadyStatus, ProverProviderType, ProverTaskFailureType, ProverTaskStatus, ProvingStatus,
    RollupStatus, SubmitFailureType, SubmitProofStatus, TaskType,
};
#[cfg(feature = "kzg")]
pub use error::KzgError;
pub use error::{
    ActivationKind, BatchError, BatchHeaderError, BlobError, ChainError, ForkScheduleError,
    HashField, InfoKind, InvalidEnumValue, NoActiveFork, PayloadMismatch, UnknownFork,
};
pub use fork::{EvmSpec, ForkName};
pub use hex::hex_bytes;
#[cfg(feature = "kzg")]
pub use kzg::{
    compute_kzg_proof, kzg_commitment, kzg_versioned_hash, verify_kzg_proof, BlobDataProof,
    KzgPoint,
};
pub use pi::{Domain, PiVersion, PublicInputs};
pub use schedule::{ForkActivation, ForkSchedule};

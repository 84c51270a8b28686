//! Error types of this crate, one per failure domain.

use alloc::{boxed::Box, string::String};
use core::fmt;

use alloy_primitives::B256;

use crate::fork::ForkName;

/// A fork name that is not in the registry ([`ForkName::ALL`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fork {name:?}; known forks: {known}", known = KnownForks)]
pub struct UnknownFork {
    /// The name as it was given.
    pub name: String,
}

/// Displays the known fork names, comma-separated.
struct KnownForks;

impl fmt::Display for KnownForks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fork) in ForkName::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(fork.as_str())?;
        }
        Ok(())
    }
}

/// An integer that is not a value of one of the integer-coded enums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {enum_name} value {value} (valid:{valid})")]
pub struct InvalidEnumValue {
    /// The enum's type name, e.g. `"TaskType"`.
    pub enum_name: &'static str,
    /// The rejected value.
    pub value: i64,
    /// The valid values with their names, e.g. `" 0=undefined 1=chunk"`.
    pub valid: &'static str,
}

/// How a fork is activated: by block number or by block timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivationKind {
    /// Active from a block number on (`<fork>Block` in the chain config).
    Block,
    /// Active from a block timestamp on (`<fork>Time` in the chain config).
    Time,
}

impl fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Block => "block",
            Self::Time => "time",
        })
    }
}

/// A chain config whose fork schedule cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ForkScheduleError {
    /// The document is not JSON of the expected shape (`{"config": {...}}`).
    #[error("invalid genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A required key of the chain config is absent.
    #[error("chain config has no `{key}`")]
    MissingField {
        /// The missing key, e.g. `"chainId"`.
        key: &'static str,
    },
    /// A key of the chain config holds something other than a non-negative integer.
    #[error("chain config `{key}` must be a non-negative integer that fits in u64")]
    NotAnInteger {
        /// The offending key, e.g. `"galileoBlock"`.
        key: &'static str,
    },
    /// A fork is scheduled while an earlier fork is not.
    #[error("fork {fork} is scheduled but the earlier fork {missing} is not")]
    MissingEarlierFork {
        /// The scheduled fork.
        fork: ForkName,
        /// The earlier fork that has no activation.
        missing: ForkName,
    },
    /// A later fork activates before an earlier one.
    #[error(
        "fork {later} activates at {kind} {later_at}, before the earlier fork {earlier} \
         ({kind} {earlier_at})"
    )]
    Misordered {
        /// The earlier fork.
        earlier: ForkName,
        /// The later fork, activating too early.
        later: ForkName,
        /// Which activations were compared.
        kind: ActivationKind,
        /// The earlier fork's activation.
        earlier_at: u64,
        /// The later fork's activation (smaller than `earlier_at`).
        later_at: u64,
    },
    /// A later fork is activated by block number while an earlier one only by timestamp, so the
    /// order of the two cannot be guaranteed (block-activated forks must come first).
    #[error(
        "fork {later} is activated by block number but the earlier fork {earlier} only by \
         timestamp; block-activated forks must come first"
    )]
    BlockAfterTimeOnly {
        /// The earlier, time-activated fork.
        earlier: ForkName,
        /// The later, block-activated fork.
        later: ForkName,
    },
}

/// No fork of the schedule is active at the given block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no fork is active at block {number} (timestamp {timestamp})")]
pub struct NoActiveFork {
    /// The block number asked about.
    pub number: u64,
    /// The block timestamp asked about.
    pub timestamp: u64,
}

/// The kind of public-input info a chaining check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InfoKind {
    /// [`ChunkInfo`](crate::ChunkInfo).
    Chunk,
    /// [`BatchInfo`](crate::BatchInfo).
    Batch,
}

impl fmt::Display for InfoKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Chunk => "chunk",
            Self::Batch => "batch",
        })
    }
}

/// The hash field of an info that must equal a field of its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashField {
    /// Chunk `prev_state_root` == previous chunk's `post_state_root`.
    PrevStateRoot,
    /// Chunk or batch `prev_msg_queue_hash` == predecessor's `post_msg_queue_hash`.
    PrevMsgQueueHash,
    /// Chunk `prev_blockhash` == previous chunk's `post_blockhash`.
    PrevBlockhash,
    /// Batch `parent_state_root` == previous batch's `state_root`.
    ParentStateRoot,
    /// Batch `parent_batch_hash` == previous batch's `batch_hash`.
    ParentBatchHash,
}

impl fmt::Display for HashField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PrevStateRoot => "prev_state_root",
            Self::PrevMsgQueueHash => "prev_msg_queue_hash",
            Self::PrevBlockhash => "prev_blockhash",
            Self::ParentStateRoot => "parent_state_root",
            Self::ParentBatchHash => "parent_batch_hash",
        })
    }
}

/// Consecutive chunks or batches that do not link up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A list that must hold at least one item is empty.
    #[error("the {0} list is empty")]
    Empty(InfoKind),
    /// The chain ids differ.
    #[error("chain_id mismatch: expected {expected}, found {found}")]
    ChainId {
        /// The predecessor's chain id.
        expected: u64,
        /// This item's chain id.
        found: u64,
    },
    /// A root or hash does not continue from the predecessor.
    #[error("{field} mismatch: expected {expected}, found {found}")]
    Hash {
        /// The field of this item that is wrong.
        field: HashField,
        /// The predecessor's value it must equal.
        expected: B256,
        /// This item's value.
        found: B256,
    },
    /// A chunk's first block does not follow the previous chunk's last block.
    #[error("initial_block_number mismatch: expected {expected}, found {found}")]
    InitialBlockNumber {
        /// The block after the previous chunk's last block.
        expected: u64,
        /// This chunk's `initial_block_number`.
        found: u64,
    },
    /// The previous chunk's block range does not fit in u64.
    #[error("previous chunk's block range overflows u64 (initial {initial}, {num_blocks} blocks)")]
    BlockNumberOverflow {
        /// The previous chunk's `initial_block_number`.
        initial: u64,
        /// The previous chunk's number of blocks.
        num_blocks: u64,
    },
    /// The item at `index` of a list does not follow the item before it.
    #[error("{kind} at index {index} does not follow the previous one: {mismatch}")]
    At {
        /// What the list holds.
        kind: InfoKind,
        /// Index of the offending item (at least 1).
        index: usize,
        /// What is wrong with it.
        mismatch: Box<ChainError>,
    },
}

/// A batch header that cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchHeaderError {
    /// The encoding is not [`BATCH_HEADER_SIZE`](crate::BATCH_HEADER_SIZE) bytes long.
    #[error("batch header must be {expected} bytes, got {found}")]
    Length {
        /// The header size.
        expected: usize,
        /// The number of bytes given.
        found: usize,
    },
    /// The header's version byte is not the codec version of the fork.
    #[error("batch header version {found}, expected codec version {expected}")]
    Version {
        /// The fork's codec version.
        expected: u8,
        /// The header's version byte.
        found: u8,
    },
}

/// Blob, blob envelope or blob payload bytes that cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// Raw blob bytes are not [`BLOB_SIZE`](crate::BLOB_SIZE) long.
    #[error("a blob is {expected} bytes, got {found}")]
    BlobLength {
        /// The blob size.
        expected: usize,
        /// The number of bytes given.
        found: usize,
    },
    /// Envelope bytes do not fit in a blob.
    #[error("{len} bytes do not fit in a blob (capacity {capacity})")]
    TooLarge {
        /// The number of bytes to store.
        len: usize,
        /// The blob's data capacity.
        capacity: usize,
    },
    /// A field element of the blob does not start with a zero byte, so it does not hold 31
    /// bytes of envelope data.
    #[error("blob field element {index} has a non-zero first byte")]
    NonCanonicalFieldElement {
        /// Index of the field element (0..4096).
        index: usize,
    },
    /// Fewer bytes than the envelope header (version, length, flag).
    #[error("blob envelope truncated: {len} bytes, the header alone is 5")]
    EnvelopeTruncated {
        /// The number of bytes given.
        len: usize,
    },
    /// The envelope's codec version is not the expected one.
    #[error("blob envelope codec version {found}, expected {expected}")]
    CodecVersion {
        /// The codec version of the batch's fork.
        expected: u8,
        /// The envelope's version byte.
        found: u8,
    },
    /// The envelope's compressed flag is neither 0 nor 1.
    #[error("blob envelope compressed flag must be 0 or 1, got {0}")]
    CompressedFlag(u8),
    /// The envelope declares more data than follows its header.
    #[error("blob envelope declares {declared} data bytes but only {available} follow")]
    DataLength {
        /// The length field of the envelope.
        declared: usize,
        /// The bytes after the envelope header.
        available: usize,
    },
    /// A non-zero byte follows the envelope's data (padding must be zero).
    #[error("non-zero byte at offset {offset}, after the blob envelope's data")]
    TrailingBytes {
        /// Offset of the first non-zero padding byte, from the start of the envelope.
        offset: usize,
    },
    /// The compressed envelope data is not a valid zstd frame (without magic number).
    #[error("zstd decompression failed: {0}")]
    Zstd(String),
    /// Bytes follow the zstd frame inside the envelope data.
    #[error("{extra} bytes follow the zstd frame in the blob envelope")]
    TrailingCompressedBytes {
        /// How many bytes follow the frame.
        extra: usize,
    },
    /// The decompressed payload would exceed the size bound.
    #[error("decompressed blob payload exceeds {limit} bytes")]
    DecompressedTooLarge {
        /// The bound that was applied.
        limit: usize,
    },
    /// The zstd frame's declared content size is not the number of bytes it decodes to.
    #[error("zstd frame declares {declared} bytes but decodes to {decoded}")]
    ContentSize {
        /// The frame header's content size.
        declared: u64,
        /// The number of decoded bytes.
        decoded: usize,
    },
    /// The compressed envelope data decompresses to nothing.
    #[error("blob payload is empty after decompression")]
    DecompressedEmpty,
    /// Host-side zstd compression failed.
    #[error("zstd compression failed: {0}")]
    Compression(String),
    /// Payload bytes end before the header or the block contexts they declare.
    #[error("blob payload truncated: {needed} bytes needed, {found} given")]
    PayloadTruncated {
        /// The bytes the header and block contexts need.
        needed: usize,
        /// The number of bytes given.
        found: usize,
    },
    /// More blocks than the payload's u16 block count can express.
    #[error("{count} blocks do not fit in a blob payload (at most 65535)")]
    TooManyBlocks {
        /// The number of block contexts.
        count: usize,
    },
}

/// Why a batch's data does not check ([`BatchWitness::check`](crate::BatchWitness::check)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The header's version byte is not the fork's codec version.
    #[error("batch header version {found}, expected codec version {expected}")]
    HeaderVersion {
        /// The fork's codec version.
        expected: u8,
        /// The header's version byte.
        found: u8,
    },
    /// The header's versioned hash is not that of the supplied KZG commitment.
    #[error("the header's blob versioned hash {header} is not the commitment's {commitment}")]
    VersionedHash {
        /// The header's value.
        header: B256,
        /// The supplied commitment's versioned hash.
        commitment: B256,
    },
    /// The blob or its envelope or payload does not decode.
    #[error("blob: {0}")]
    Blob(#[from] BlobError),
    /// The blob payload is not the chunks' data.
    #[error("blob payload: {0}")]
    Payload(#[from] PayloadMismatch),
    /// The chunks do not chain.
    #[error("chunks: {0}")]
    Chain(#[from] ChainError),
}

/// A blob payload that does not hold what the chunks of its batch proved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadMismatch {
    /// A batch needs at least one chunk.
    #[error("a batch payload needs at least one chunk")]
    NoChunks,
    /// The number of transaction-data pieces is not the number of chunks.
    #[error("{chunks} chunks but {tx_data} transaction-data pieces")]
    TxDataCount {
        /// Number of chunks.
        chunks: usize,
        /// Number of transaction-data pieces.
        tx_data: usize,
    },
    /// The payload's `prev_msg_queue_hash` is not the first chunk's.
    #[error("payload prev_msg_queue_hash {found}, first chunk's is {expected}")]
    PrevMsgQueueHash {
        /// The first chunk's `prev_msg_queue_hash`.
        expected: B256,
        /// The payload's value.
        found: B256,
    },
    /// The payload's `post_msg_queue_hash` is not the last chunk's.
    #[error("payload post_msg_queue_hash {found}, last chunk's is {expected}")]
    PostMsgQueueHash {
        /// The last chunk's `post_msg_queue_hash`.
        expected: B256,
        /// The payload's value.
        found: B256,
    },
    /// The payload's first block number is not the first chunk's.
    #[error("payload initial_block_number {found}, first chunk's is {expected}")]
    InitialBlockNumber {
        /// The first chunk's `initial_block_number`.
        expected: u64,
        /// The payload's value.
        found: u64,
    },
    /// The payload holds a different number of blocks than the chunks together.
    #[error("payload has {found} block contexts, the chunks {expected}")]
    NumBlocks {
        /// The chunks' blocks, all together.
        expected: usize,
        /// The payload's block contexts.
        found: usize,
    },
    /// A block context of the payload differs from the chunk's.
    #[error("payload block context {index} differs from the chunks'")]
    BlockContext {
        /// Index of the block in the batch.
        index: usize,
    },
    /// The payload's transaction data ends inside a chunk's piece.
    #[error("chunk {chunk} needs {needed} bytes of transaction data, {available} are left")]
    TxDataTooShort {
        /// Index of the chunk.
        chunk: usize,
        /// The chunk's `tx_data_length`.
        needed: u64,
        /// The bytes left in the payload.
        available: usize,
    },
    /// A chunk's piece of the transaction data does not hash to its `tx_data_digest`.
    #[error("chunk {chunk} transaction data hashes to {found}, the chunk proved {expected}")]
    TxDataDigest {
        /// Index of the chunk.
        chunk: usize,
        /// The chunk's `tx_data_digest`.
        expected: B256,
        /// keccak256 of the payload's piece.
        found: B256,
    },
    /// Transaction data is left over after the last chunk's piece.
    #[error("{extra} bytes of transaction data are left after the last chunk")]
    TxDataTrailing {
        /// The number of bytes left over.
        extra: usize,
    },
}

/// A KZG operation on a blob that failed (host only, feature `kzg`).
#[cfg(feature = "kzg")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KzgError {
    /// c-kzg rejected an input (e.g. a commitment or proof that is not a valid G1 point, a
    /// non-canonical field element) or failed.
    #[error("c-kzg: {0}")]
    CKzg(String),
    /// The proof does not show that the committed polynomial takes the claimed value.
    #[error("KZG proof does not verify")]
    VerificationFailed,
    /// Blob data proof bytes of the wrong length.
    #[error("blob data proof must be {expected} bytes, got {found}")]
    Length {
        /// [`BlobDataProof::SIZE`](crate::BlobDataProof::SIZE).
        expected: usize,
        /// The number of bytes given.
        found: usize,
    },
}

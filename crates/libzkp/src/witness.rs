//! Stored block witnesses and the chunk witness made from them.
//!
//! The rollup stores, per L2 block, that block's one-block [`ChunkWitness`] (chain id, fork, the
//! block, its execution witness against its own pre-state) in the versioned binary encoding,
//! zstd-compressed ([`compress_block_witness`]). A chunk's witness is then assembled from its
//! blocks' stored witnesses and the chunk's message-queue hash ([`chunk_witness_from_blocks`]):
//! every part decoded, checked to be one block of the same chain, fork and withdraw-root slot,
//! numbered consecutively, and the execution witnesses merged with
//! [`merge_witnesses`](rollproof_stateless::witness::merge_witnesses). Nothing here executes a
//! block: [`ChunkWitness::validate`] (or [`crate::chunk_task`]) does.
//!
//! Used by the coordinator (get_task), the rollup relayer (storing) and the prover's `dump`.

use std::io::Read;

use alloy_primitives::B256;
use rollproof_primitives::ForkName;
use rollproof_stateless::{
    witness::merge_witnesses, ChunkInput, ChunkWitness, CodecError, ExecutionWitness,
};

/// zstd level of stored witnesses: trie nodes are hashes and RLP, so higher levels gain little.
pub const WITNESS_ZSTD_LEVEL: i32 = 3;

/// A stored witness decompresses to at most this many bytes (a 30M-gas block's witness is a few
/// MB); larger data is refused rather than allocated.
pub const MAX_WITNESS_BYTES: u64 = 256 * 1024 * 1024;

/// Why a block witness cannot be stored or a chunk witness not assembled.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// zstd could not compress the witness.
    #[error("block {block}: cannot compress the witness: {source}")]
    Compress {
        /// The block.
        block: u64,
        /// The zstd failure.
        source: std::io::Error,
    },
    /// zstd failed (corrupt or truncated data).
    #[error("block {block}: witness is not valid zstd data: {source}")]
    Decompress {
        /// The block the witness was stored for.
        block: u64,
        /// The zstd failure.
        source: std::io::Error,
    },
    /// The decompressed witness exceeds [`MAX_WITNESS_BYTES`].
    #[error("block {block}: witness decompresses to more than {MAX_WITNESS_BYTES} bytes")]
    TooLarge {
        /// The block.
        block: u64,
    },
    /// The bytes are not a chunk witness.
    #[error("block {block}: {source}")]
    Codec {
        /// The block.
        block: u64,
        /// The decoding failure.
        source: CodecError,
    },
    /// A stored witness must hold exactly one block.
    #[error("block {block}: a stored witness holds one block, found {found}")]
    NotOneBlock {
        /// The block it was stored for.
        block: u64,
        /// How many blocks it holds.
        found: usize,
    },
    /// The witness stored for a block is for another block number.
    #[error("the witness stored for block {expected} is for block {found}")]
    WrongBlock {
        /// The number it was stored under.
        expected: u64,
        /// The number of the block inside.
        found: u64,
    },
    /// No witnesses at all.
    #[error("a chunk needs at least one block witness")]
    NoBlocks,
    /// Consecutive parts are not consecutive blocks.
    #[error("block {found} follows block {previous}: the chunk's blocks are not consecutive")]
    NotConsecutive {
        /// The previous part's block.
        previous: u64,
        /// This part's block.
        found: u64,
    },
    /// Parts disagree on the chain.
    #[error("block {block} is for chain {found}, the chunk's first block for chain {expected}")]
    ChainMismatch {
        /// The block.
        block: u64,
        /// The first block's chain id.
        expected: u64,
        /// This block's chain id.
        found: u64,
    },
    /// Parts disagree on the fork.
    #[error("block {block} is for fork {found}, the chunk's first block for fork {expected}")]
    ForkMismatch {
        /// The block.
        block: u64,
        /// The first block's fork.
        expected: ForkName,
        /// This block's fork.
        found: ForkName,
    },
    /// Parts disagree on where the withdraw root is read.
    #[error(
        "block {block} reads the withdraw root from another slot than the chunk's first block"
    )]
    WithdrawSlotMismatch {
        /// The block.
        block: u64,
    },
}

/// The stored form of a block's one-block witness: [`ChunkWitness::encode`], zstd-compressed.
/// Refuses a witness that does not hold exactly one block.
pub fn compress_block_witness(witness: &ChunkWitness) -> Result<Vec<u8>, WitnessError> {
    let number = one_block(witness, None)?;
    zstd::bulk::compress(&witness.encode(), WITNESS_ZSTD_LEVEL).map_err(|source| {
        WitnessError::Compress {
            block: number,
            source,
        }
    })
}

/// Reads the witness stored for block `number` (see [`compress_block_witness`]): it must decode
/// and hold exactly that block.
pub fn decompress_block_witness(number: u64, stored: &[u8]) -> Result<ChunkWitness, WitnessError> {
    let mut decoder =
        zstd::stream::Decoder::new(stored).map_err(|source| WitnessError::Decompress {
            block: number,
            source,
        })?;
    let mut bytes = Vec::new();
    (&mut decoder)
        .take(MAX_WITNESS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| WitnessError::Decompress {
            block: number,
            source,
        })?;
    if bytes.len() as u64 > MAX_WITNESS_BYTES {
        return Err(WitnessError::TooLarge { block: number });
    }
    let witness = ChunkWitness::decode(&bytes).map_err(|source| WitnessError::Codec {
        block: number,
        source,
    })?;
    one_block(&witness, Some(number))?;
    Ok(witness)
}

/// The number of the one block `witness` holds (checked against `expected` when given).
fn one_block(witness: &ChunkWitness, expected: Option<u64>) -> Result<u64, WitnessError> {
    let blocks = &witness.input.blocks;
    let [block] = blocks.as_slice() else {
        return Err(WitnessError::NotOneBlock {
            block: expected
                .or_else(|| blocks.first().map(|b| b.header.number))
                .unwrap_or_default(),
            found: blocks.len(),
        });
    };
    let found = block.header.number;
    match expected {
        Some(expected) if expected != found => Err(WitnessError::WrongBlock { expected, found }),
        _ => Ok(found),
    }
}

/// The chunk witness of consecutive blocks from their stored witnesses (`(number, stored bytes)`,
/// oldest first) and the chunk's L1 message-queue hash before it.
pub fn chunk_witness_from_blocks<'a>(
    stored: impl IntoIterator<Item = (u64, &'a [u8])>,
    prev_msg_queue_hash: B256,
) -> Result<ChunkWitness, WitnessError> {
    let parts = stored
        .into_iter()
        .map(|(number, bytes)| decompress_block_witness(number, bytes))
        .collect::<Result<Vec<_>, _>>()?;
    merge_block_witnesses(parts, prev_msg_queue_hash)
}

/// The chunk witness of consecutive blocks from their decoded one-block witnesses (oldest
/// first): same chain, fork and withdraw-root slot, consecutive numbers; execution witnesses
/// merged, `prev_msg_queue_hash` the chunk's.
pub fn merge_block_witnesses(
    parts: Vec<ChunkWitness>,
    prev_msg_queue_hash: B256,
) -> Result<ChunkWitness, WitnessError> {
    let first = parts.first().ok_or(WitnessError::NoBlocks)?;
    let (chain_id, fork, slot) = (first.chain_id, first.fork, first.input.withdraw_root_slot);
    let first_number = one_block(first, None)?;
    let mut previous: Option<u64> = None;
    for part in &parts {
        let number = one_block(part, None)?;
        if let Some(previous) = previous {
            if number != previous + 1 {
                return Err(WitnessError::NotConsecutive {
                    previous,
                    found: number,
                });
            }
        }
        if part.chain_id != chain_id {
            return Err(WitnessError::ChainMismatch {
                block: number,
                expected: chain_id,
                found: part.chain_id,
            });
        }
        if part.fork != fork {
            return Err(WitnessError::ForkMismatch {
                block: number,
                expected: fork,
                found: part.fork,
            });
        }
        if part.input.withdraw_root_slot != slot {
            return Err(WitnessError::WithdrawSlotMismatch { block: number });
        }
        previous = Some(number);
    }
    let witness: ExecutionWitness =
        merge_witnesses(first_number, parts.iter().map(|p| &p.input.witness));
    let blocks = parts
        .into_iter()
        .flat_map(|p| p.input.blocks)
        .collect::<Vec<_>>();
    Ok(ChunkWitness {
        chain_id,
        fork,
        input: ChunkInput {
            blocks,
            witness,
            prev_msg_queue_hash,
            withdraw_root_slot: slot,
        },
    })
}

/// The human-readable JSON form of a chunk witness (what `prover dump` writes): chain id, fork,
/// blocks as alloy's block objects with full transactions, the execution witness with the field
/// names of `debug_executionWitness`. The guest never reads it: tasks and proofs carry the binary
/// encoding ([`ChunkWitness::encode`]).
pub fn witness_to_json(witness: &ChunkWitness) -> String {
    serde_json::to_string_pretty(witness).expect("a chunk witness always serializes")
}

/// Parses [`witness_to_json`]'s output.
pub fn witness_from_json(json: &str) -> Result<ChunkWitness, serde_json::Error> {
    serde_json::from_str(json)
}

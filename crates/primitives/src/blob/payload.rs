//! The blob payload: a batch's blocks and L2 transactions, and its check against the chunks.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, B256};

use crate::{
    chunk::{BlockContext, ChunkInfo, BLOCK_CONTEXT_SIZE},
    error::{BlobError, PayloadMismatch},
    pi::PiWriter,
};

/// Size of the payload's fixed part: prev mq hash 32 ‖ post mq hash 32 ‖ initial block number 8
/// ‖ number of blocks 2.
pub const PAYLOAD_HEADER_SIZE: usize = 32 + 32 + 8 + 2;

/// The data of a batch carried in its blob (inside an [`Envelope`](crate::Envelope)).
///
/// Encoding: prev_msg_queue_hash 32 ‖ post_msg_queue_hash 32 ‖ initial_block_number u64 BE ‖
/// number of blocks u16 BE ‖ one 52-byte [`BlockContext`] per block ‖ the L2 transactions'
/// bytes (everything after the block contexts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobPayload {
    /// L1 message-queue hash before the batch.
    pub prev_msg_queue_hash: B256,
    /// L1 message-queue hash after the batch.
    pub post_msg_queue_hash: B256,
    /// Number of the batch's first block.
    pub initial_block_number: u64,
    /// One context per block of the batch, in block order.
    pub block_ctxs: Vec<BlockContext>,
    /// The batch's L2 transactions (RLP-encoded, L1 messages excluded), chunk after chunk.
    pub tx_data: Vec<u8>,
}

impl BlobPayload {
    /// The payload of a batch made of `chunks`, whose L2 transaction bytes are
    /// `tx_data_per_chunk` (one piece per chunk). The result is checked with
    /// [`check_payload_against_chunks`], so the pieces must match the chunks' lengths and
    /// digests.
    pub fn from_chunks(
        chunks: &[ChunkInfo],
        tx_data_per_chunk: &[&[u8]],
    ) -> Result<Self, PayloadMismatch> {
        let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
            return Err(PayloadMismatch::NoChunks);
        };
        if chunks.len() != tx_data_per_chunk.len() {
            return Err(PayloadMismatch::TxDataCount {
                chunks: chunks.len(),
                tx_data: tx_data_per_chunk.len(),
            });
        }
        let payload = Self {
            prev_msg_queue_hash: first.prev_msg_queue_hash,
            post_msg_queue_hash: last.post_msg_queue_hash,
            initial_block_number: first.initial_block_number,
            block_ctxs: chunks
                .iter()
                .flat_map(|chunk| chunk.block_ctxs.iter().cloned())
                .collect(),
            tx_data: tx_data_per_chunk.concat(),
        };
        check_payload_against_chunks(&payload, chunks)?;
        Ok(payload)
    }

    /// The encoding; fails if there are more than 65,535 blocks.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BlobError> {
        let num_blocks =
            u16::try_from(self.block_ctxs.len()).map_err(|_| BlobError::TooManyBlocks {
                count: self.block_ctxs.len(),
            })?;
        let len =
            PAYLOAD_HEADER_SIZE + BLOCK_CONTEXT_SIZE * self.block_ctxs.len() + self.tx_data.len();
        let mut w = PiWriter::with_capacity(len);
        w.b256(&self.prev_msg_queue_hash)
            .b256(&self.post_msg_queue_hash)
            .u64(self.initial_block_number)
            .u16(num_blocks);
        for ctx in &self.block_ctxs {
            ctx.write(&mut w);
        }
        w.bytes(&self.tx_data);
        Ok(w.finish())
    }

    /// Decodes a payload; all bytes after the declared block contexts are transaction data.
    pub fn decode(bytes: &[u8]) -> Result<Self, BlobError> {
        if bytes.len() < PAYLOAD_HEADER_SIZE {
            return Err(BlobError::PayloadTruncated {
                needed: PAYLOAD_HEADER_SIZE,
                found: bytes.len(),
            });
        }
        let mut number = [0u8; 8];
        number.copy_from_slice(&bytes[64..72]);
        let num_blocks = usize::from(u16::from_be_bytes([bytes[72], bytes[73]]));
        let tx_start = PAYLOAD_HEADER_SIZE + BLOCK_CONTEXT_SIZE * num_blocks;
        if bytes.len() < tx_start {
            return Err(BlobError::PayloadTruncated {
                needed: tx_start,
                found: bytes.len(),
            });
        }
        let block_ctxs = bytes[PAYLOAD_HEADER_SIZE..tx_start]
            .chunks_exact(BLOCK_CONTEXT_SIZE)
            .map(|ctx| {
                BlockContext::from_bytes(ctx.try_into().expect("chunks_exact yields 52 bytes"))
            })
            .collect();
        Ok(Self {
            prev_msg_queue_hash: B256::from_slice(&bytes[..32]),
            post_msg_queue_hash: B256::from_slice(&bytes[32..64]),
            initial_block_number: u64::from_be_bytes(number),
            block_ctxs,
            tx_data: bytes[tx_start..].to_vec(),
        })
    }
}

/// Checks that `payload` holds exactly the data the chunk proofs of its batch attest:
///
/// - `prev_msg_queue_hash` is the first chunk's, `post_msg_queue_hash` the last chunk's;
/// - `initial_block_number` is the first chunk's;
/// - the block contexts are the chunks' `block_ctxs`, concatenated;
/// - `tx_data` is the concatenation of one piece per chunk, of length `tx_data_length`, whose
///   keccak256 is the chunk's `tx_data_digest`, with no bytes left over.
///
/// Splitting by `tx_data_length` is sound although that length is not a public input of the
/// chunk proof: each piece must hash to the digest the chunk proof attests, so a split at any
/// other place would need a keccak256 collision to pass.
pub fn check_payload_against_chunks(
    payload: &BlobPayload,
    chunks: &[ChunkInfo],
) -> Result<(), PayloadMismatch> {
    let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
        return Err(PayloadMismatch::NoChunks);
    };
    if payload.prev_msg_queue_hash != first.prev_msg_queue_hash {
        return Err(PayloadMismatch::PrevMsgQueueHash {
            expected: first.prev_msg_queue_hash,
            found: payload.prev_msg_queue_hash,
        });
    }
    if payload.post_msg_queue_hash != last.post_msg_queue_hash {
        return Err(PayloadMismatch::PostMsgQueueHash {
            expected: last.post_msg_queue_hash,
            found: payload.post_msg_queue_hash,
        });
    }
    if payload.initial_block_number != first.initial_block_number {
        return Err(PayloadMismatch::InitialBlockNumber {
            expected: first.initial_block_number,
            found: payload.initial_block_number,
        });
    }

    let expected_blocks: usize = chunks.iter().map(|chunk| chunk.block_ctxs.len()).sum();
    if payload.block_ctxs.len() != expected_blocks {
        return Err(PayloadMismatch::NumBlocks {
            expected: expected_blocks,
            found: payload.block_ctxs.len(),
        });
    }
    let chunk_ctxs = chunks.iter().flat_map(|chunk| &chunk.block_ctxs);
    if let Some(index) = payload
        .block_ctxs
        .iter()
        .zip(chunk_ctxs)
        .position(|(ours, theirs)| ours != theirs)
    {
        return Err(PayloadMismatch::BlockContext { index });
    }

    let mut rest = payload.tx_data.as_slice();
    for (index, chunk) in chunks.iter().enumerate() {
        let piece_len = usize::try_from(chunk.tx_data_length)
            .ok()
            .filter(|&len| len <= rest.len())
            .ok_or(PayloadMismatch::TxDataTooShort {
                chunk: index,
                needed: chunk.tx_data_length,
                available: rest.len(),
            })?;
        let (piece, tail) = rest.split_at(piece_len);
        let digest = keccak256(piece);
        if digest != chunk.tx_data_digest {
            return Err(PayloadMismatch::TxDataDigest {
                chunk: index,
                expected: chunk.tx_data_digest,
                found: digest,
            });
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(PayloadMismatch::TxDataTrailing { extra: rest.len() });
    }
    Ok(())
}

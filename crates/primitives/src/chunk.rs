//! Chunk public inputs: a run of consecutive L2 blocks.

use alloc::vec::Vec;

use alloy_primitives::{B256, U256};
use serde::{Deserialize, Serialize};

use crate::{
    chain::{same_chain_id, same_hash, Chained},
    error::{ChainError, HashField, InfoKind},
    pi::{PiWriter, PublicInputs},
};

/// Size of one encoded [`BlockContext`]: 8 + 32 + 8 + 2 + 2 bytes.
pub const BLOCK_CONTEXT_SIZE: usize = 52;

/// The per-block part of a chunk's public inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockContext {
    /// Block timestamp.
    pub timestamp: u64,
    /// Block base fee per gas.
    pub base_fee: U256,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Number of transactions, L1 messages included.
    pub num_txs: u16,
    /// Number of L1 message transactions.
    pub num_l1_msgs: u16,
}

impl BlockContext {
    /// The 52-byte encoding: timestamp u64 BE ‖ base_fee 32 bytes BE ‖ gas_limit u64 BE ‖
    /// num_txs u16 BE ‖ num_l1_msgs u16 BE.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = PiWriter::with_capacity(BLOCK_CONTEXT_SIZE);
        self.write(&mut w);
        w.finish()
    }

    /// Decodes the 52-byte encoding written by [`Self::to_bytes`] (every value is valid).
    pub fn from_bytes(bytes: &[u8; BLOCK_CONTEXT_SIZE]) -> Self {
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let u16_at = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        Self {
            timestamp: u64_at(0),
            base_fee: U256::from_be_slice(&bytes[8..40]),
            gas_limit: u64_at(40),
            num_txs: u16_at(48),
            num_l1_msgs: u16_at(50),
        }
    }

    pub(crate) fn write(&self, w: &mut PiWriter) {
        w.u64(self.timestamp)
            .u256(&self.base_fee)
            .u64(self.gas_limit)
            .u16(self.num_txs)
            .u16(self.num_l1_msgs);
    }
}

/// What a chunk proof attests: the chunk's state transition, block contexts and blockhash
/// lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkInfo {
    /// EIP-155 chain id of every transaction in the chunk.
    pub chain_id: u64,
    /// State root before the chunk.
    pub prev_state_root: B256,
    /// State root after the chunk.
    pub post_state_root: B256,
    /// Withdraw root after the chunk.
    pub withdraw_root: B256,
    /// Digest of the L2 transaction data of the chunk.
    pub tx_data_digest: B256,
    /// L1 message-queue hash before the chunk.
    pub prev_msg_queue_hash: B256,
    /// L1 message-queue hash after the chunk.
    pub post_msg_queue_hash: B256,
    /// Length of the L2 transaction data (metadata: not part of the public inputs).
    pub tx_data_length: u64,
    /// Number of the chunk's first block.
    pub initial_block_number: u64,
    /// One context per block, in block order.
    pub block_ctxs: Vec<BlockContext>,
    /// Hash of the last block of the previous chunk.
    pub prev_blockhash: B256,
    /// Hash of the last block of this chunk.
    pub post_blockhash: B256,
}

impl ChunkInfo {
    /// Number of the block after the chunk's last block (`None` if it overflows u64).
    pub fn next_block_number(&self) -> Option<u64> {
        self.initial_block_number
            .checked_add(self.block_ctxs.len() as u64)
    }
}

impl PublicInputs for ChunkInfo {
    /// version ‖ chain_id ‖ prev_state_root ‖ post_state_root ‖ withdraw_root ‖ tx_data_digest ‖
    /// prev_msg_queue_hash ‖ post_msg_queue_hash ‖ initial_block_number ‖ block contexts ‖
    /// prev_blockhash ‖ post_blockhash (the galileo and galileoV2 layout; integers big-endian).
    fn pi_bytes(&self, version: u8) -> Vec<u8> {
        let len = 1 + 8 + 32 * 6 + 8 + BLOCK_CONTEXT_SIZE * self.block_ctxs.len() + 32 * 2;
        let mut w = PiWriter::with_capacity(len);
        w.u8(version)
            .u64(self.chain_id)
            .b256(&self.prev_state_root)
            .b256(&self.post_state_root)
            .b256(&self.withdraw_root)
            .b256(&self.tx_data_digest)
            .b256(&self.prev_msg_queue_hash)
            .b256(&self.post_msg_queue_hash)
            .u64(self.initial_block_number);
        for ctx in &self.block_ctxs {
            ctx.write(&mut w);
        }
        w.b256(&self.prev_blockhash).b256(&self.post_blockhash);
        w.finish()
    }
}

impl Chained for ChunkInfo {
    const KIND: InfoKind = InfoKind::Chunk;

    /// Same chain id; state root, message-queue hash, blockhash and block number continue from
    /// `prev`.
    fn check_follows(&self, prev: &Self) -> Result<(), ChainError> {
        same_chain_id(prev.chain_id, self.chain_id)?;
        same_hash(
            HashField::PrevStateRoot,
            prev.post_state_root,
            self.prev_state_root,
        )?;
        same_hash(
            HashField::PrevMsgQueueHash,
            prev.post_msg_queue_hash,
            self.prev_msg_queue_hash,
        )?;
        same_hash(
            HashField::PrevBlockhash,
            prev.post_blockhash,
            self.prev_blockhash,
        )?;
        let expected = prev
            .next_block_number()
            .ok_or(ChainError::BlockNumberOverflow {
                initial: prev.initial_block_number,
                num_blocks: prev.block_ctxs.len() as u64,
            })?;
        if self.initial_block_number != expected {
            return Err(ChainError::InitialBlockNumber {
                expected,
                found: self.initial_block_number,
            });
        }
        Ok(())
    }
}

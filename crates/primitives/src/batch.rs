//! Batch public inputs: consecutive chunks committed to L1 together.

use alloc::vec::Vec;

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

use crate::{
    batch_header::BatchHeader,
    chain::{check_chain, same_chain_id, same_hash, Chained},
    chunk::ChunkInfo,
    error::{ChainError, HashField, InfoKind},
    pi::{PiWriter, PublicInputs},
};

/// What a batch proof attests: the batch's state transition and header hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// State root before the batch.
    pub parent_state_root: B256,
    /// Hash of the parent batch's header.
    pub parent_batch_hash: B256,
    /// State root after the batch.
    pub state_root: B256,
    /// Hash of this batch's header.
    pub batch_hash: B256,
    /// EIP-155 chain id of every transaction in the batch.
    pub chain_id: u64,
    /// Withdraw root after the batch's last block.
    pub withdraw_root: B256,
    /// L1 message-queue hash before the batch.
    pub prev_msg_queue_hash: B256,
    /// L1 message-queue hash after the batch.
    pub post_msg_queue_hash: B256,
}

impl BatchInfo {
    /// The info a batch proof attests for the batch with `header` made of `chunks`: the chunks
    /// must chain ([`check_chain`]); roots, chain id and message-queue hashes come from the
    /// first and last chunk, `batch_hash` is [`BatchHeader::hash`] and `parent_batch_hash` the
    /// header's.
    pub fn from_header_and_chunks(
        header: &BatchHeader,
        chunks: &[ChunkInfo],
    ) -> Result<Self, ChainError> {
        check_chain(chunks)?;
        let (first, last) = match (chunks.first(), chunks.last()) {
            (Some(first), Some(last)) => (first, last),
            _ => return Err(ChainError::Empty(InfoKind::Chunk)),
        };
        Ok(Self {
            parent_state_root: first.prev_state_root,
            parent_batch_hash: header.parent_batch_hash,
            state_root: last.post_state_root,
            batch_hash: header.hash(),
            chain_id: last.chain_id,
            withdraw_root: last.withdraw_root,
            prev_msg_queue_hash: first.prev_msg_queue_hash,
            post_msg_queue_hash: last.post_msg_queue_hash,
        })
    }
}

impl PublicInputs for BatchInfo {
    /// version ‖ parent_state_root ‖ parent_batch_hash ‖ state_root ‖ batch_hash ‖ chain_id ‖
    /// withdraw_root ‖ prev_msg_queue_hash ‖ post_msg_queue_hash.
    fn pi_bytes(&self, version: u8) -> Vec<u8> {
        let mut w = PiWriter::with_capacity(1 + 32 * 4 + 8 + 32 * 3);
        w.u8(version)
            .b256(&self.parent_state_root)
            .b256(&self.parent_batch_hash)
            .b256(&self.state_root)
            .b256(&self.batch_hash)
            .u64(self.chain_id)
            .b256(&self.withdraw_root)
            .b256(&self.prev_msg_queue_hash)
            .b256(&self.post_msg_queue_hash);
        w.finish()
    }
}

impl Chained for BatchInfo {
    const KIND: InfoKind = InfoKind::Batch;

    /// Same chain id; state root, batch hash and message-queue hash continue from `prev`.
    fn check_follows(&self, prev: &Self) -> Result<(), ChainError> {
        same_chain_id(prev.chain_id, self.chain_id)?;
        same_hash(
            HashField::ParentStateRoot,
            prev.state_root,
            self.parent_state_root,
        )?;
        same_hash(
            HashField::ParentBatchHash,
            prev.batch_hash,
            self.parent_batch_hash,
        )?;
        same_hash(
            HashField::PrevMsgQueueHash,
            prev.post_msg_queue_hash,
            self.prev_msg_queue_hash,
        )
    }
}

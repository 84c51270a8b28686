//! Bundle public inputs: consecutive batches finalized on L1 by one proof.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, B256};
use serde::{Deserialize, Serialize};

use crate::{
    batch::BatchInfo,
    chain::check_chain,
    error::{ChainError, InfoKind},
    pi::{PiWriter, PublicInputs},
};

/// The bundle's identifier in the database: keccak256(start_batch_hash ‖ end_batch_hash).
pub fn bundle_hash(start_batch_hash: B256, end_batch_hash: B256) -> B256 {
    let mut w = PiWriter::with_capacity(64);
    w.b256(&start_batch_hash).b256(&end_batch_hash);
    keccak256(w.finish())
}

/// What a bundle proof attests, checked by the L1 verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// L1 message-queue hash after the last batch.
    pub msg_queue_hash: B256,
    /// Number of batches in the bundle.
    pub num_batches: u32,
    /// Last finalized state root, before the first batch.
    pub prev_state_root: B256,
    /// Last finalized batch hash, the first batch's parent.
    pub prev_batch_hash: B256,
    /// State root after the last batch.
    pub post_state_root: B256,
    /// Hash of the last batch.
    pub batch_hash: B256,
    /// Withdraw root after the last batch.
    pub withdraw_root: B256,
}

impl BundleInfo {
    /// The bundle of `batches`, which must be non-empty and chained (see
    /// [`check_chain`](crate::check_chain)).
    pub fn from_batches(batches: &[BatchInfo]) -> Result<Self, ChainError> {
        check_chain(batches)?;
        let (Some(first), Some(last)) = (batches.first(), batches.last()) else {
            return Err(ChainError::Empty(InfoKind::Batch));
        };
        Ok(Self {
            chain_id: last.chain_id,
            msg_queue_hash: last.post_msg_queue_hash,
            num_batches: u32::try_from(batches.len())
                .expect("fewer than 2^32 batches fit in memory"),
            prev_state_root: first.parent_state_root,
            prev_batch_hash: first.parent_batch_hash,
            post_state_root: last.state_root,
            batch_hash: last.batch_hash,
            withdraw_root: last.withdraw_root,
        })
    }
}

impl PublicInputs for BundleInfo {
    /// version left-padded to 32 bytes ‖ chain_id ‖ msg_queue_hash ‖ num_batches (u32) ‖
    /// prev_state_root ‖ prev_batch_hash ‖ post_state_root ‖ batch_hash ‖ withdraw_root.
    fn pi_bytes(&self, version: u8) -> Vec<u8> {
        let mut w = PiWriter::with_capacity(32 + 8 + 32 + 4 + 32 * 5);
        w.bytes(&[0; 31])
            .u8(version)
            .u64(self.chain_id)
            .b256(&self.msg_queue_hash)
            .u32(self.num_batches)
            .b256(&self.prev_state_root)
            .b256(&self.prev_batch_hash)
            .b256(&self.post_state_root)
            .b256(&self.batch_hash)
            .b256(&self.withdraw_root);
        w.finish()
    }
}

//! Integration tests of `rollproof-primitives`' public API (one binary, one module per area).

mod batch_header;
mod blob;
mod chain;
mod enums;
mod fork;
#[cfg(feature = "kzg")]
mod kzg;
mod payload_chunks;
mod pi;
mod schedule;
mod serde_props;

use rollproof_primitives::{BatchInfo, BlockContext, ChunkInfo, B256, U256};

/// keccak256 computed with `tiny-keccak`, independently of the crate under test.
pub fn tiny_keccak256(bytes: &[u8]) -> [u8; 32] {
    use tiny_keccak::{Hasher, Keccak};
    let mut hasher = Keccak::v256();
    hasher.update(bytes);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// `len` pseudo-random bytes from `seed` (splitmix64), for data whose content does not matter.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A chunk of two blocks whose every field has a distinct, easy-to-spot value.
pub fn sample_chunk() -> ChunkInfo {
    ChunkInfo {
        chain_id: 0x0102_0304_0506_0708,
        prev_state_root: B256::repeat_byte(0x11),
        post_state_root: B256::repeat_byte(0x22),
        withdraw_root: B256::repeat_byte(0x33),
        tx_data_digest: B256::repeat_byte(0x44),
        prev_msg_queue_hash: B256::repeat_byte(0x55),
        post_msg_queue_hash: B256::repeat_byte(0x66),
        tx_data_length: 777,
        initial_block_number: 0x0a0b_0c0d_0e0f_1011,
        block_ctxs: vec![
            BlockContext {
                timestamp: 0x1122_3344_5566_7788,
                base_fee: U256::from(1_000_000_007u64),
                gas_limit: 10_000_000,
                num_txs: 0x0102,
                num_l1_msgs: 3,
            },
            BlockContext {
                timestamp: 0x1122_3344_5566_7789,
                base_fee: U256::MAX,
                gas_limit: u64::MAX,
                num_txs: 0,
                num_l1_msgs: 0xfffe,
            },
        ],
        prev_blockhash: B256::repeat_byte(0x77),
        post_blockhash: B256::repeat_byte(0x88),
    }
}

/// A batch whose every field has a distinct, easy-to-spot value.
pub fn sample_batch() -> BatchInfo {
    BatchInfo {
        parent_state_root: B256::repeat_byte(0xa1),
        parent_batch_hash: B256::repeat_byte(0xa2),
        state_root: B256::repeat_byte(0xa3),
        batch_hash: B256::repeat_byte(0xa4),
        chain_id: 534_352,
        withdraw_root: B256::repeat_byte(0xa5),
        prev_msg_queue_hash: B256::repeat_byte(0xa6),
        post_msg_queue_hash: B256::repeat_byte(0xa7),
    }
}

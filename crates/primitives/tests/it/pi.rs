//! Public-input layouts against byte strings built by hand, hashes against `tiny-keccak`.
//!
//! The pinned hashes were computed once, and cross-checked with a separate pure-Python keccak
//! over the same layouts built independently.

use rollproof_primitives::{
    bundle_hash, BlockContext, BundleInfo, Domain, ForkName, PiVersion, PublicInputs, B256, U256,
};

use crate::{sample_batch, sample_chunk, tiny_keccak256};

fn hex32(s: &str) -> B256 {
    s.parse().unwrap()
}

/// The hand-built encoding of `sample_chunk()` under version byte `version`.
fn expected_chunk_pi(version: u8) -> Vec<u8> {
    let mut pi = vec![version];
    pi.extend([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]); // chain_id
    for byte in [0x11, 0x22, 0x33, 0x44, 0x55, 0x66] {
        // prev/post state root, withdraw root, tx data digest, prev/post mq hash
        pi.extend([byte; 32]);
    }
    pi.extend([0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11]); // initial_block_number
                                                                 // block 1
    pi.extend([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]); // timestamp
    pi.extend([0; 28]);
    pi.extend([0x3b, 0x9a, 0xca, 0x07]); // base_fee 1_000_000_007
    pi.extend([0, 0, 0, 0, 0, 0x98, 0x96, 0x80]); // gas_limit 10_000_000
    pi.extend([0x01, 0x02]); // num_txs
    pi.extend([0x00, 0x03]); // num_l1_msgs
                             // block 2
    pi.extend([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x89]);
    pi.extend([0xff; 32]);
    pi.extend([0xff; 8]);
    pi.extend([0x00, 0x00]);
    pi.extend([0xff, 0xfe]);
    pi.extend([0x77; 32]); // prev_blockhash
    pi.extend([0x88; 32]); // post_blockhash
    pi
}

#[test]
fn block_context_is_52_bytes_big_endian() {
    let ctx = BlockContext {
        timestamp: 1,
        base_fee: U256::from(0x0203u64),
        gas_limit: 0x0405,
        num_txs: 0x0607,
        num_l1_msgs: 0x0809,
    };
    let mut expected = vec![0, 0, 0, 0, 0, 0, 0, 1];
    expected.extend([0; 30]);
    expected.extend([
        0x02, 0x03, 0, 0, 0, 0, 0, 0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    ]);
    assert_eq!(expected.len(), 52);
    assert_eq!(ctx.to_bytes(), expected);
}

#[test]
fn chunk_layout() {
    let chunk = sample_chunk();
    let version = PiVersion::new(ForkName::Galileo, Domain::Rollup).byte();
    assert_eq!(version, 9);
    let expected = expected_chunk_pi(9);
    assert_eq!(expected.len(), 1 + 8 + 32 * 6 + 8 + 2 * 52 + 32 * 2);
    assert_eq!(expected.len(), 377);
    assert_eq!(chunk.pi_bytes(version), expected);
    assert_eq!(chunk.pi_hash(version).0, tiny_keccak256(&expected));
    assert_eq!(
        chunk.pi_hash(version),
        hex32("0x32431370c9193891cd50ffd0f53e25946f988a4bfa582a29d1d84ef3a901e75f")
    );
}

#[test]
fn chunk_pi_depends_on_version_but_not_tx_data_length() {
    let chunk = sample_chunk();
    assert_eq!(chunk.pi_bytes(10), expected_chunk_pi(10));
    assert_ne!(chunk.pi_hash(9), chunk.pi_hash(10));
    let mut longer = chunk.clone();
    longer.tx_data_length += 1;
    assert_eq!(longer.pi_bytes(9), chunk.pi_bytes(9));
    let mut no_blocks = chunk.clone();
    no_blocks.block_ctxs.clear();
    let full = expected_chunk_pi(9);
    let head = 1 + 8 + 32 * 6 + 8;
    let tail = full.len() - 32 * 2;
    assert_eq!(
        no_blocks.pi_bytes(9),
        [&full[..head], &full[tail..]].concat()
    );
    let mut other_post_blockhash = chunk.clone();
    other_post_blockhash.post_blockhash = B256::ZERO;
    assert_ne!(other_post_blockhash.pi_hash(9), chunk.pi_hash(9));
}

#[test]
fn batch_layout() {
    let batch = sample_batch();
    let version = PiVersion::new(ForkName::GalileoV2, Domain::Rollup).byte();
    assert_eq!(version, 10);
    let mut expected = vec![10u8];
    for byte in [0xa1, 0xa2, 0xa3, 0xa4] {
        // parent state root, parent batch hash, state root, batch hash
        expected.extend([byte; 32]);
    }
    expected.extend([0, 0, 0, 0, 0, 0x08, 0x27, 0x50]); // chain_id 534352
    for byte in [0xa5, 0xa6, 0xa7] {
        // withdraw root, prev/post mq hash
        expected.extend([byte; 32]);
    }
    assert_eq!(expected.len(), 1 + 32 * 4 + 8 + 32 * 3);
    assert_eq!(batch.pi_bytes(version), expected);
    assert_eq!(batch.pi_hash(version).0, tiny_keccak256(&expected));
    assert_eq!(
        batch.pi_hash(version),
        hex32("0x168da175e19ae8432e76e006d743e4816414625ddbd34aedf0353fc6ef0d2372")
    );
}

#[test]
fn bundle_layout() {
    let bundle = BundleInfo {
        chain_id: 534_352,
        msg_queue_hash: B256::repeat_byte(0xb1),
        num_batches: 0x0102_0304,
        prev_state_root: B256::repeat_byte(0xb2),
        prev_batch_hash: B256::repeat_byte(0xb3),
        post_state_root: B256::repeat_byte(0xb4),
        batch_hash: B256::repeat_byte(0xb5),
        withdraw_root: B256::repeat_byte(0xb6),
    };
    let version = PiVersion::new(ForkName::GalileoV2, Domain::Validium).byte();
    assert_eq!(version, 0x4a);
    let mut expected = vec![0u8; 31];
    expected.push(0x4a); // version, left-padded to 32 bytes
    expected.extend([0, 0, 0, 0, 0, 0x08, 0x27, 0x50]); // chain_id
    expected.extend([0xb1; 32]); // msg_queue_hash
    expected.extend([0x01, 0x02, 0x03, 0x04]); // num_batches
    for byte in [0xb2, 0xb3, 0xb4, 0xb5, 0xb6] {
        expected.extend([byte; 32]);
    }
    assert_eq!(expected.len(), 32 + 8 + 32 + 4 + 32 * 5);
    assert_eq!(bundle.pi_bytes(version), expected);
    assert_eq!(bundle.pi_hash(version).0, tiny_keccak256(&expected));
    assert_eq!(
        bundle.pi_hash(version),
        hex32("0xf1c9d30d9719ca65fc7aca7dae5c729b3c1f08d59e9ee71986fcdffb6222ccf1")
    );
}

#[test]
fn bundle_hash_is_keccak_of_both_batch_hashes() {
    // keccak256 of 64 zero bytes, a well-known constant (first zero hash of keccak Merkle trees).
    assert_eq!(
        bundle_hash(B256::ZERO, B256::ZERO),
        hex32("0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
    );
    let (start, end) = (B256::repeat_byte(1), B256::repeat_byte(2));
    let mut concat = [1u8; 64];
    concat[32..].fill(2);
    assert_eq!(bundle_hash(start, end).0, tiny_keccak256(&concat));
    assert_ne!(bundle_hash(start, end), bundle_hash(end, start));
}

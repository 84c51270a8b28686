//! Chaining checks between consecutive chunks and batches, and building a bundle from batches.

use rollproof_primitives::{
    check_chain, BatchInfo, BundleInfo, ChainError, Chained, ChunkInfo, HashField, InfoKind, B256,
};

use crate::{sample_batch, sample_chunk};

/// A chunk that correctly follows `prev` (new roots and hashes, blockhash included, derived from
/// `seed`).
fn next_chunk(prev: &ChunkInfo, seed: u8) -> ChunkInfo {
    ChunkInfo {
        prev_state_root: prev.post_state_root,
        post_state_root: B256::repeat_byte(seed),
        withdraw_root: B256::repeat_byte(seed.wrapping_add(1)),
        tx_data_digest: B256::repeat_byte(seed.wrapping_add(2)),
        prev_msg_queue_hash: prev.post_msg_queue_hash,
        post_msg_queue_hash: B256::repeat_byte(seed.wrapping_add(3)),
        initial_block_number: prev.initial_block_number + prev.block_ctxs.len() as u64,
        block_ctxs: prev.block_ctxs[..1].to_vec(),
        prev_blockhash: prev.post_blockhash,
        post_blockhash: B256::repeat_byte(seed.wrapping_add(4)),
        ..prev.clone()
    }
}

/// A batch that correctly follows `prev`.
fn next_batch(prev: &BatchInfo, seed: u8) -> BatchInfo {
    BatchInfo {
        parent_state_root: prev.state_root,
        parent_batch_hash: prev.batch_hash,
        state_root: B256::repeat_byte(seed),
        batch_hash: B256::repeat_byte(seed.wrapping_add(1)),
        withdraw_root: B256::repeat_byte(seed.wrapping_add(2)),
        prev_msg_queue_hash: prev.post_msg_queue_hash,
        post_msg_queue_hash: B256::repeat_byte(seed.wrapping_add(3)),
        ..prev.clone()
    }
}

fn three_chunks() -> Vec<ChunkInfo> {
    let a = sample_chunk();
    let b = next_chunk(&a, 0x70);
    let c = next_chunk(&b, 0x80);
    vec![a, b, c]
}

fn three_batches() -> Vec<BatchInfo> {
    let a = sample_batch();
    let b = next_batch(&a, 0x70);
    let c = next_batch(&b, 0x80);
    vec![a, b, c]
}

#[test]
fn chained_chunks_are_accepted() {
    let chunks = three_chunks();
    assert_eq!(chunks[1].check_follows(&chunks[0]), Ok(()));
    assert_eq!(
        chunks[1].initial_block_number,
        chunks[0].initial_block_number + 2
    );
    assert_eq!(check_chain(&chunks), Ok(()));
    assert_eq!(check_chain(&chunks[..1]), Ok(()));
}

#[test]
fn each_broken_chunk_field_is_named() {
    let [a, b, _] = <[ChunkInfo; 3]>::try_from(three_chunks()).unwrap();

    let mut bad = b.clone();
    bad.chain_id += 1;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::ChainId {
            expected: a.chain_id,
            found: a.chain_id + 1
        })
    );

    let mut bad = b.clone();
    bad.prev_state_root = B256::repeat_byte(0xee);
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::PrevStateRoot,
            expected: a.post_state_root,
            found: B256::repeat_byte(0xee),
        })
    );

    let mut bad = b.clone();
    bad.prev_msg_queue_hash = a.prev_msg_queue_hash;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::PrevMsgQueueHash,
            expected: a.post_msg_queue_hash,
            found: a.prev_msg_queue_hash,
        })
    );

    let mut bad = b.clone();
    bad.prev_blockhash = a.prev_blockhash;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::PrevBlockhash,
            expected: a.post_blockhash,
            found: a.prev_blockhash,
        })
    );

    for wrong in [b.initial_block_number - 1, b.initial_block_number + 1] {
        let mut bad = b.clone();
        bad.initial_block_number = wrong;
        assert_eq!(
            bad.check_follows(&a),
            Err(ChainError::InitialBlockNumber {
                expected: a.initial_block_number + 2,
                found: wrong,
            })
        );
    }

    // A chunk does not follow itself.
    assert!(a.check_follows(&a).is_err());
}

#[test]
fn block_number_overflow_is_an_error_not_a_wrap() {
    let mut a = sample_chunk();
    a.initial_block_number = u64::MAX;
    let mut b = next_chunk(&sample_chunk(), 1);
    b.initial_block_number = 1; // u64::MAX + 2 wrapped
    assert_eq!(
        b.check_follows(&a),
        Err(ChainError::BlockNumberOverflow {
            initial: u64::MAX,
            num_blocks: 2
        })
    );
}

#[test]
fn chain_errors_point_at_the_offending_item() {
    let mut chunks = three_chunks();
    chunks[2].prev_state_root = B256::ZERO;
    let err = check_chain(&chunks).unwrap_err();
    assert_eq!(
        err,
        ChainError::At {
            kind: InfoKind::Chunk,
            index: 2,
            mismatch: Box::new(ChainError::Hash {
                field: HashField::PrevStateRoot,
                expected: chunks[1].post_state_root,
                found: B256::ZERO,
            }),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "chunk at index 2 does not follow the previous one: prev_state_root mismatch: \
             expected {}, found {}",
            chunks[1].post_state_root,
            B256::ZERO
        )
    );
    assert_eq!(
        check_chain::<ChunkInfo>(&[]),
        Err(ChainError::Empty(InfoKind::Chunk))
    );
    assert_eq!(
        check_chain::<BatchInfo>(&[]).unwrap_err().to_string(),
        "the batch list is empty"
    );
}

#[test]
fn chained_batches_are_accepted() {
    let batches = three_batches();
    assert_eq!(batches[2].check_follows(&batches[1]), Ok(()));
    assert_eq!(check_chain(&batches), Ok(()));
}

#[test]
fn each_broken_batch_field_is_named() {
    let [a, b, _] = <[BatchInfo; 3]>::try_from(three_batches()).unwrap();

    let mut bad = b.clone();
    bad.chain_id = 1;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::ChainId {
            expected: 534_352,
            found: 1
        })
    );

    let mut bad = b.clone();
    bad.parent_state_root = a.parent_state_root;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::ParentStateRoot,
            expected: a.state_root,
            found: a.parent_state_root,
        })
    );

    let mut bad = b.clone();
    bad.parent_batch_hash = a.parent_batch_hash;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::ParentBatchHash,
            expected: a.batch_hash,
            found: a.parent_batch_hash,
        })
    );

    let mut bad = b.clone();
    bad.prev_msg_queue_hash = B256::ZERO;
    assert_eq!(
        bad.check_follows(&a),
        Err(ChainError::Hash {
            field: HashField::PrevMsgQueueHash,
            expected: a.post_msg_queue_hash,
            found: B256::ZERO,
        })
    );

    let mut batches = three_batches();
    batches[1].parent_batch_hash = B256::ZERO;
    assert!(matches!(
        check_chain(&batches),
        Err(ChainError::At {
            kind: InfoKind::Batch,
            index: 1,
            ..
        })
    ));
}

#[test]
fn bundle_from_batches() {
    let batches = three_batches();
    let bundle = BundleInfo::from_batches(&batches).unwrap();
    assert_eq!(
        bundle,
        BundleInfo {
            chain_id: 534_352,
            msg_queue_hash: batches[2].post_msg_queue_hash,
            num_batches: 3,
            prev_state_root: B256::repeat_byte(0xa1),
            prev_batch_hash: B256::repeat_byte(0xa2),
            post_state_root: B256::repeat_byte(0x80),
            batch_hash: B256::repeat_byte(0x81),
            withdraw_root: B256::repeat_byte(0x82),
        }
    );
    assert_eq!(
        BundleInfo::from_batches(&[]),
        Err(ChainError::Empty(InfoKind::Batch))
    );
    let mut broken = batches;
    broken[1].chain_id = 2;
    assert!(matches!(
        BundleInfo::from_batches(&broken),
        Err(ChainError::At { index: 1, .. })
    ));
}

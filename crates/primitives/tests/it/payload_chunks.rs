//! A blob payload against the chunks of its batch: what passes, and the error of each mismatch.

use rollproof_primitives::{
    check_payload_against_chunks, BlobPayload, ChunkInfo, PayloadMismatch, B256,
};

use crate::{pseudo_random_bytes, sample_chunk, tiny_keccak256};

/// Two chained chunks (two blocks, then one) with transaction data of 100 and 37 bytes.
fn two_chunks() -> (Vec<ChunkInfo>, Vec<Vec<u8>>) {
    let tx0 = pseudo_random_bytes(10, 100);
    let tx1 = pseudo_random_bytes(11, 37);
    let mut a = sample_chunk();
    a.tx_data_length = tx0.len() as u64;
    a.tx_data_digest = B256::from(tiny_keccak256(&tx0));
    let mut second_block = a.block_ctxs[0].clone();
    second_block.timestamp += 12;
    let b = ChunkInfo {
        prev_state_root: a.post_state_root,
        prev_msg_queue_hash: a.post_msg_queue_hash,
        post_msg_queue_hash: B256::repeat_byte(0x9b),
        initial_block_number: a.initial_block_number + 2,
        block_ctxs: vec![second_block],
        prev_blockhash: a.post_blockhash,
        tx_data_length: tx1.len() as u64,
        tx_data_digest: B256::from(tiny_keccak256(&tx1)),
        ..a.clone()
    };
    (vec![a, b], vec![tx0, tx1])
}

fn valid() -> (Vec<ChunkInfo>, BlobPayload) {
    let (chunks, tx) = two_chunks();
    let pieces: Vec<&[u8]> = tx.iter().map(Vec::as_slice).collect();
    let payload = BlobPayload::from_chunks(&chunks, &pieces).unwrap();
    (chunks, payload)
}

#[test]
fn a_payload_built_from_two_chunks_holds_their_data_and_passes() {
    let (chunks, tx) = two_chunks();
    let (_, payload) = valid();
    assert_eq!(payload.prev_msg_queue_hash, B256::repeat_byte(0x55));
    assert_eq!(payload.post_msg_queue_hash, B256::repeat_byte(0x9b));
    assert_eq!(payload.initial_block_number, chunks[0].initial_block_number);
    assert_eq!(payload.block_ctxs.len(), 3);
    assert_eq!(payload.block_ctxs[2], chunks[1].block_ctxs[0]);
    assert_eq!(payload.tx_data, [tx[0].clone(), tx[1].clone()].concat());
    assert_eq!(check_payload_against_chunks(&payload, &chunks), Ok(()));
    // And it survives encoding.
    let decoded = BlobPayload::decode(&payload.to_bytes().unwrap()).unwrap();
    assert_eq!(check_payload_against_chunks(&decoded, &chunks), Ok(()));
}

#[test]
fn from_chunks_needs_one_piece_per_chunk() {
    let (chunks, tx) = two_chunks();
    assert_eq!(
        BlobPayload::from_chunks(&chunks, &[tx[0].as_slice()]),
        Err(PayloadMismatch::TxDataCount {
            chunks: 2,
            tx_data: 1
        })
    );
    assert_eq!(
        BlobPayload::from_chunks(&[], &[]),
        Err(PayloadMismatch::NoChunks)
    );
    // Pieces swapped: the first chunk's digest does not match.
    assert!(matches!(
        BlobPayload::from_chunks(&chunks, &[tx[1].as_slice(), tx[0].as_slice()]),
        Err(PayloadMismatch::TxDataDigest { chunk: 0, .. })
    ));
}

#[test]
fn no_chunks_is_an_error() {
    let (_, payload) = valid();
    assert_eq!(
        check_payload_against_chunks(&payload, &[]),
        Err(PayloadMismatch::NoChunks)
    );
}

#[test]
fn a_wrong_digest_is_named() {
    let (mut chunks, payload) = valid();
    chunks[1].tx_data_digest = B256::repeat_byte(0x01);
    let found = B256::from(tiny_keccak256(&payload.tx_data[100..]));
    assert_eq!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::TxDataDigest {
            chunk: 1,
            expected: B256::repeat_byte(0x01),
            found
        })
    );
}

#[test]
fn a_wrong_split_fails_on_the_digest() {
    // Same total length, boundary moved by one byte.
    let (mut chunks, payload) = valid();
    chunks[0].tx_data_length += 1;
    chunks[1].tx_data_length -= 1;
    assert!(matches!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::TxDataDigest { chunk: 0, .. })
    ));
}

#[test]
fn extra_or_missing_transaction_bytes_fail() {
    let (chunks, mut payload) = valid();
    payload.tx_data.push(0);
    assert_eq!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::TxDataTrailing { extra: 1 })
    );
    payload.tx_data.truncate(136);
    assert_eq!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::TxDataTooShort {
            chunk: 1,
            needed: 37,
            available: 36
        })
    );
    // A length that does not even fit in memory is just too short.
    let (mut chunks, payload) = valid();
    chunks[0].tx_data_length = u64::MAX;
    assert!(matches!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::TxDataTooShort { chunk: 0, .. })
    ));
}

#[test]
fn a_wrong_or_missing_block_context_fails() {
    let (chunks, mut payload) = valid();
    payload.block_ctxs[2].gas_limit += 1;
    assert_eq!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::BlockContext { index: 2 })
    );
    payload.block_ctxs.pop();
    assert_eq!(
        check_payload_against_chunks(&payload, &chunks),
        Err(PayloadMismatch::NumBlocks {
            expected: 3,
            found: 2
        })
    );
}

#[test]
fn wrong_message_queue_hashes_or_first_block_fail() {
    let (chunks, payload) = valid();
    let mut p = payload.clone();
    p.prev_msg_queue_hash = B256::repeat_byte(0x02);
    assert_eq!(
        check_payload_against_chunks(&p, &chunks),
        Err(PayloadMismatch::PrevMsgQueueHash {
            expected: B256::repeat_byte(0x55),
            found: B256::repeat_byte(0x02)
        })
    );
    let mut p = payload.clone();
    // The first chunk's post hash is not the batch's.
    p.post_msg_queue_hash = chunks[0].post_msg_queue_hash;
    assert_eq!(
        check_payload_against_chunks(&p, &chunks),
        Err(PayloadMismatch::PostMsgQueueHash {
            expected: B256::repeat_byte(0x9b),
            found: B256::repeat_byte(0x66)
        })
    );
    let mut p = payload;
    p.initial_block_number += 1;
    assert_eq!(
        check_payload_against_chunks(&p, &chunks),
        Err(PayloadMismatch::InitialBlockNumber {
            expected: chunks[0].initial_block_number,
            found: chunks[0].initial_block_number + 1
        })
    );
}

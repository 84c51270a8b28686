//! The codec v7+ batch header: layout, hash, decoding errors; building a batch's info from it.

use proptest::prelude::*;
use rollproof_primitives::{
    BatchHeader, BatchHeaderError, BatchInfo, ChainError, ChunkInfo, ForkName, HashField, InfoKind,
    B256, BATCH_HEADER_SIZE,
};

use crate::{sample_chunk, serde_props::b256, tiny_keccak256};

fn sample_header() -> BatchHeader {
    BatchHeader {
        version: 10,
        batch_index: 0x0102_0304_0506_0708,
        blob_versioned_hash: B256::repeat_byte(0x11),
        parent_batch_hash: B256::repeat_byte(0x22),
    }
}

#[test]
fn layout_is_version_index_blob_hash_parent_hash() {
    let bytes = sample_header().to_bytes();
    let mut expected = vec![10u8, 1, 2, 3, 4, 5, 6, 7, 8];
    expected.extend_from_slice(&[0x11; 32]);
    expected.extend_from_slice(&[0x22; 32]);
    assert_eq!(BATCH_HEADER_SIZE, 73);
    assert_eq!(bytes.to_vec(), expected);
    assert_eq!(sample_header().hash().0, tiny_keccak256(&expected));
}

#[test]
fn wrong_lengths_are_rejected() {
    let bytes = sample_header().to_bytes();
    for len in [0, 1, 72] {
        assert_eq!(
            BatchHeader::decode(&bytes[..len]),
            Err(BatchHeaderError::Length {
                expected: 73,
                found: len
            })
        );
    }
    let mut long = bytes.to_vec();
    long.push(0);
    assert_eq!(
        BatchHeader::decode(&long),
        Err(BatchHeaderError::Length {
            expected: 73,
            found: 74
        })
    );
}

#[test]
fn decode_for_fork_checks_the_codec_version() {
    let bytes = sample_header().to_bytes();
    assert_eq!(
        BatchHeader::decode_for_fork(&bytes, ForkName::GalileoV2),
        Ok(sample_header())
    );
    assert_eq!(
        BatchHeader::decode_for_fork(&bytes, ForkName::Galileo),
        Err(BatchHeaderError::Version {
            expected: 9,
            found: 10
        })
    );
}

#[test]
fn json_has_the_reference_field_names() {
    let json = serde_json::to_value(sample_header()).unwrap();
    assert_eq!(json["version"], 10);
    assert_eq!(json["batch_index"], 0x0102_0304_0506_0708u64);
    assert_eq!(
        json["blob_versioned_hash"],
        format!("0x{}", "11".repeat(32))
    );
    assert_eq!(json["parent_batch_hash"], format!("0x{}", "22".repeat(32)));
}

/// `sample_chunk` followed by a chunk that continues it.
fn two_chunks() -> Vec<ChunkInfo> {
    let a = sample_chunk();
    let b = ChunkInfo {
        prev_state_root: a.post_state_root,
        post_state_root: B256::repeat_byte(0x99),
        withdraw_root: B256::repeat_byte(0x9a),
        prev_msg_queue_hash: a.post_msg_queue_hash,
        post_msg_queue_hash: B256::repeat_byte(0x9b),
        initial_block_number: a.initial_block_number + 2,
        prev_blockhash: a.post_blockhash,
        post_blockhash: B256::repeat_byte(0x9c),
        ..a.clone()
    };
    vec![a, b]
}

#[test]
fn batch_info_comes_from_the_header_and_the_first_and_last_chunk() {
    let chunks = two_chunks();
    let header = sample_header();
    let info = BatchInfo::from_header_and_chunks(&header, &chunks).unwrap();
    assert_eq!(
        info,
        BatchInfo {
            parent_state_root: B256::repeat_byte(0x11),
            parent_batch_hash: B256::repeat_byte(0x22),
            state_root: B256::repeat_byte(0x99),
            batch_hash: B256::from(tiny_keccak256(&header.to_bytes())),
            chain_id: chunks[0].chain_id,
            withdraw_root: B256::repeat_byte(0x9a),
            prev_msg_queue_hash: B256::repeat_byte(0x55),
            post_msg_queue_hash: B256::repeat_byte(0x9b),
        }
    );
}

#[test]
fn batch_info_needs_chained_chunks() {
    let header = sample_header();
    assert_eq!(
        BatchInfo::from_header_and_chunks(&header, &[]),
        Err(ChainError::Empty(InfoKind::Chunk))
    );
    let mut chunks = two_chunks();
    chunks[1].prev_state_root = B256::repeat_byte(0xee);
    assert_eq!(
        BatchInfo::from_header_and_chunks(&header, &chunks),
        Err(ChainError::At {
            kind: InfoKind::Chunk,
            index: 1,
            mismatch: Box::new(ChainError::Hash {
                field: HashField::PrevStateRoot,
                expected: B256::repeat_byte(0x22),
                found: B256::repeat_byte(0xee),
            }),
        })
    );
}

proptest! {
    #[test]
    fn header_round_trips(version in any::<u8>(), batch_index in any::<u64>(), blob in b256(), parent in b256()) {
        let header = BatchHeader { version, batch_index, blob_versioned_hash: blob, parent_batch_hash: parent };
        let bytes = header.to_bytes();
        prop_assert_eq!(bytes[0], version);
        prop_assert_eq!(&bytes[1..9], &batch_index.to_be_bytes()[..]);
        prop_assert_eq!(BatchHeader::decode(&bytes), Ok(header));
        prop_assert_eq!(header.hash().0, tiny_keccak256(&bytes));
    }
}

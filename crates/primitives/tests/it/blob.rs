//! Blob data: payload and envelope layouts, blob packing, decoding errors, challenge digest.

use proptest::prelude::*;
use rollproof_primitives::{
    challenge_digest, challenge_point, Blob, BlobError, BlobPayload, BlockContext, Envelope, B256,
    BLOB_DATA_CAPACITY, BLOB_SIZE, U256,
};

use crate::{
    pseudo_random_bytes,
    serde_props::{b256, block_ctx},
    tiny_keccak256,
};

pub fn sample_payload(tx_data: Vec<u8>) -> BlobPayload {
    BlobPayload {
        prev_msg_queue_hash: B256::repeat_byte(0xaa),
        post_msg_queue_hash: B256::repeat_byte(0xbb),
        initial_block_number: 0x0102_0304_0506_0708,
        block_ctxs: vec![
            BlockContext {
                timestamp: 0x1112_1314_1516_1718,
                base_fee: U256::from(0x2122u64),
                gas_limit: 0x3132_3334_3536_3738,
                num_txs: 0x4142,
                num_l1_msgs: 0x5152,
            },
            BlockContext {
                timestamp: 7,
                base_fee: U256::MAX,
                gas_limit: 8,
                num_txs: 9,
                num_l1_msgs: 1,
            },
        ],
        tx_data,
    }
}

#[test]
fn payload_layout() {
    let bytes = sample_payload(vec![0xf1, 0xf2, 0xf3]).to_bytes().unwrap();
    let mut expected = vec![0xaa; 32];
    expected.extend_from_slice(&[0xbb; 32]);
    expected.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    expected.extend_from_slice(&[0, 2]);
    // block 0: timestamp, base fee (32 bytes BE), gas limit, num txs, num L1 messages
    expected.extend_from_slice(&[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);
    expected.extend_from_slice(&[0; 30]);
    expected.extend_from_slice(&[0x21, 0x22]);
    expected.extend_from_slice(&[0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38]);
    expected.extend_from_slice(&[0x41, 0x42, 0x51, 0x52]);
    // block 1
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7]);
    expected.extend_from_slice(&[0xff; 32]);
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 8, 0, 9, 0, 1]);
    expected.extend_from_slice(&[0xf1, 0xf2, 0xf3]);
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), 74 + 2 * 52 + 3);
}

#[test]
fn block_context_decodes_its_encoding() {
    let ctx = &sample_payload(vec![]).block_ctxs[0];
    let bytes: [u8; 52] = ctx.to_bytes().try_into().unwrap();
    assert_eq!(&BlockContext::from_bytes(&bytes), ctx);
}

#[test]
fn truncated_payloads_are_rejected() {
    let bytes = sample_payload(vec![]).to_bytes().unwrap();
    assert_eq!(
        BlobPayload::decode(&bytes[..73]),
        Err(BlobError::PayloadTruncated {
            needed: 74,
            found: 73
        })
    );
    // The header declares two blocks; only one and a half follow.
    assert_eq!(
        BlobPayload::decode(&bytes[..74 + 52 + 26]),
        Err(BlobError::PayloadTruncated {
            needed: 74 + 104,
            found: 74 + 78
        })
    );
    // Exactly the declared contexts, no transactions: fine.
    assert_eq!(BlobPayload::decode(&bytes), Ok(sample_payload(vec![])));
}

#[test]
fn more_than_u16_max_blocks_cannot_be_encoded() {
    let mut payload = sample_payload(vec![]);
    payload.block_ctxs = vec![payload.block_ctxs[0].clone(); 65_536];
    assert_eq!(
        payload.to_bytes(),
        Err(BlobError::TooManyBlocks { count: 65_536 })
    );
    payload.block_ctxs.pop();
    assert_eq!(payload.to_bytes().unwrap()[72..74], [0xff, 0xff]);
}

#[test]
fn uncompressed_envelope_layout_and_round_trip_through_a_blob() {
    let payload = sample_payload(pseudo_random_bytes(1, 1000));
    let envelope = Envelope::uncompressed(&payload, 9).unwrap();
    let bytes = envelope.to_bytes().unwrap();
    let raw = payload.to_bytes().unwrap();
    assert_eq!(bytes[0], 9);
    assert_eq!(&bytes[1..4], &(raw.len() as u32).to_be_bytes()[1..]);
    assert_eq!(bytes[4], 0);
    assert_eq!(&bytes[5..], raw.as_slice());

    let blob = Blob::from_envelope_bytes(&bytes).unwrap();
    let decoded = blob.decode_envelope(9).unwrap();
    assert_eq!(decoded, envelope);
    assert_eq!(decoded.payload().unwrap(), payload);
}

#[test]
fn envelope_header_errors() {
    let payload = sample_payload(vec![1, 2, 3]);
    let bytes = Envelope::uncompressed(&payload, 10)
        .unwrap()
        .to_bytes()
        .unwrap();
    assert_eq!(
        Envelope::decode(&bytes[..4], 10),
        Err(BlobError::EnvelopeTruncated { len: 4 })
    );
    assert_eq!(
        Envelope::decode(&bytes, 9),
        Err(BlobError::CodecVersion {
            expected: 9,
            found: 10
        })
    );
    let mut bad_flag = bytes.clone();
    bad_flag[4] = 2;
    assert_eq!(
        Envelope::decode(&bad_flag, 10),
        Err(BlobError::CompressedFlag(2))
    );
    // Declared length one more than what follows.
    assert_eq!(
        Envelope::decode(&bytes[..bytes.len() - 1], 10),
        Err(BlobError::DataLength {
            declared: bytes.len() - 5,
            available: bytes.len() - 6
        })
    );
    // Zero padding after the data is fine, anything else is not.
    let mut padded = bytes.clone();
    padded.resize(BLOB_DATA_CAPACITY, 0);
    assert!(Envelope::decode(&padded, 10).is_ok());
    padded[bytes.len() + 40] = 0x01;
    assert_eq!(
        Envelope::decode(&padded, 10),
        Err(BlobError::TrailingBytes {
            offset: bytes.len() + 40
        })
    );
}

#[test]
fn an_envelope_too_large_for_a_blob_is_rejected() {
    let envelope = Envelope {
        codec_version: 10,
        compressed: false,
        data: vec![7; BLOB_DATA_CAPACITY - 4],
    };
    assert_eq!(
        envelope.to_bytes(),
        Err(BlobError::TooLarge {
            len: BLOB_DATA_CAPACITY + 1,
            capacity: BLOB_DATA_CAPACITY
        })
    );
    let fits = Envelope {
        data: vec![7; BLOB_DATA_CAPACITY - 5],
        ..envelope
    };
    let bytes = fits.to_bytes().unwrap();
    assert_eq!(bytes.len(), BLOB_DATA_CAPACITY);
    assert!(Blob::from_envelope_bytes(&bytes).is_ok());
    let mut over = bytes;
    over.push(0);
    assert_eq!(
        Blob::from_envelope_bytes(&over),
        Err(BlobError::TooLarge {
            len: BLOB_DATA_CAPACITY + 1,
            capacity: BLOB_DATA_CAPACITY
        })
    );
}

#[test]
fn raw_blob_bytes_must_have_blob_size_and_zero_first_bytes() {
    let blob = Blob::from_envelope_bytes(&pseudo_random_bytes(2, 5000)).unwrap();
    let mut raw = blob.as_bytes().to_vec();
    assert_eq!(Blob::from_bytes(&raw).unwrap(), blob);
    assert_eq!(
        Blob::from_bytes(&raw[..BLOB_SIZE - 1]),
        Err(BlobError::BlobLength {
            expected: BLOB_SIZE,
            found: BLOB_SIZE - 1
        })
    );
    raw[17 * 32] = 0x01;
    raw[300 * 32] = 0x80;
    assert_eq!(
        Blob::from_bytes(&raw),
        Err(BlobError::NonCanonicalFieldElement { index: 17 })
    );
}

/// A magicless zstd frame header with the single-segment flag and a 4-byte content size.
fn frame_header(content_size: u32) -> Vec<u8> {
    let mut out = vec![0xa0];
    out.extend_from_slice(&content_size.to_le_bytes());
    out
}

/// A zstd block header: last flag, type (0 raw, 1 RLE), size.
fn block_header(last: bool, block_type: u32, size: u32) -> [u8; 3] {
    let value = u32::from(last) | (block_type << 1) | (size << 3);
    let b = value.to_le_bytes();
    [b[0], b[1], b[2]]
}

fn compressed(data: Vec<u8>) -> Envelope {
    Envelope {
        codec_version: 10,
        compressed: true,
        data,
    }
}

#[test]
fn a_hand_made_zstd_frame_decodes() {
    let raw = sample_payload(vec![5; 10]).to_bytes().unwrap();
    let mut frame = frame_header(raw.len() as u32);
    frame.extend_from_slice(&block_header(true, 0, raw.len() as u32));
    frame.extend_from_slice(&raw);
    let envelope = compressed(frame);
    assert_eq!(envelope.payload_bytes().unwrap(), raw);
    assert_eq!(envelope.payload().unwrap(), sample_payload(vec![5; 10]));
}

#[test]
fn corrupt_and_oversized_zstd_data_is_rejected() {
    // Not a frame header at all (reserved bit set).
    let garbage = compressed(vec![0x08, 1, 2, 3, 4, 5]);
    assert!(matches!(garbage.payload_bytes(), Err(BlobError::Zstd(_))));

    // A raw block cut short.
    let mut cut = frame_header(100);
    cut.extend_from_slice(&block_header(true, 0, 100));
    cut.extend_from_slice(&[1; 50]);
    assert!(matches!(
        compressed(cut).payload_bytes(),
        Err(BlobError::Zstd(_))
    ));

    // Bytes after the frame.
    let mut trailing = frame_header(3);
    trailing.extend_from_slice(&block_header(true, 0, 3));
    trailing.extend_from_slice(&[1, 2, 3, 0xee, 0xef]);
    assert_eq!(
        compressed(trailing).payload_bytes(),
        Err(BlobError::TrailingCompressedBytes { extra: 2 })
    );

    // Declared content size over the bound: rejected before decoding.
    let mut big = frame_header(1 << 20);
    big.extend_from_slice(&block_header(true, 1, 1 << 17));
    big.push(0);
    assert_eq!(
        compressed(big).payload_bytes_with_limit(1 << 19),
        Err(BlobError::DecompressedTooLarge { limit: 1 << 19 })
    );

    // No declared size (window 128 KiB): RLE blocks of 128 KiB each, a bomb of 64 MiB in 2 KiB.
    let mut bomb = vec![0x00, 0x38];
    for i in 0..512 {
        bomb.extend_from_slice(&block_header(i == 511, 1, 1 << 17));
        bomb.push(0xab);
    }
    assert_eq!(
        compressed(bomb.clone()).payload_bytes_with_limit(1 << 20),
        Err(BlobError::DecompressedTooLarge { limit: 1 << 20 })
    );
    assert_eq!(
        compressed(bomb)
            .payload_bytes_with_limit(1 << 26)
            .unwrap()
            .len(),
        1 << 26
    );

    // Declared size differs from the decoded size.
    let mut lying = frame_header(5);
    lying.extend_from_slice(&block_header(true, 0, 3));
    lying.extend_from_slice(&[1, 2, 3]);
    assert_eq!(
        compressed(lying).payload_bytes(),
        Err(BlobError::ContentSize {
            declared: 5,
            decoded: 3
        })
    );

    // A frame of an empty block decodes to nothing.
    let mut empty = vec![0x00, 0x38];
    empty.extend_from_slice(&block_header(true, 0, 0));
    assert_eq!(
        compressed(empty).payload_bytes(),
        Err(BlobError::DecompressedEmpty)
    );
}

#[cfg(feature = "zstd")]
mod compression {
    use rollproof_primitives::{encode_envelope, Blob, BlobPayload, Envelope, B256};

    use super::sample_payload;
    use crate::pseudo_random_bytes;

    #[test]
    fn compressible_payloads_are_compressed_and_round_trip() {
        let tx_data: Vec<u8> = (0..60_000u32).map(|i| (i % 97) as u8).collect();
        let payload = sample_payload(tx_data);
        let raw_len = payload.to_bytes().unwrap().len();
        let envelope = Envelope::from_payload(&payload, 10, true).unwrap();
        assert!(envelope.compressed);
        assert!(
            envelope.data.len() < raw_len / 10,
            "{}",
            envelope.data.len()
        );
        // The magic number is left out: the frame starts with its header descriptor.
        assert_ne!(&envelope.data[..4], &[0x28, 0xb5, 0x2f, 0xfd]);

        let bytes = encode_envelope(&payload, 10, true).unwrap();
        assert_eq!(bytes[4], 1);
        assert_eq!(bytes, envelope.to_bytes().unwrap());
        let blob = Blob::from_envelope_bytes(&bytes).unwrap();
        assert_eq!(
            blob.decode_envelope(10).unwrap().payload().unwrap(),
            payload
        );
    }

    #[test]
    fn incompressible_or_unwanted_compression_stays_raw() {
        // Random hashes, no blocks, random transactions: nothing for zstd to gain.
        let payload = BlobPayload {
            prev_msg_queue_hash: B256::from_slice(&pseudo_random_bytes(4, 32)),
            post_msg_queue_hash: B256::from_slice(&pseudo_random_bytes(5, 32)),
            initial_block_number: 0x1f2e_3d4c_5b6a_7988,
            block_ctxs: vec![],
            tx_data: pseudo_random_bytes(3, 3000),
        };
        let raw = payload.to_bytes().unwrap();
        for compress in [true, false] {
            let envelope = Envelope::from_payload(&payload, 9, compress).unwrap();
            assert!(!envelope.compressed, "compress = {compress}");
            assert_eq!(envelope.data, raw);
        }
        let compressible = sample_payload(vec![0; 5000]);
        assert!(
            !Envelope::from_payload(&compressible, 9, false)
                .unwrap()
                .compressed
        );
    }
}

#[test]
fn challenge_digest_hashes_the_padded_envelope_then_the_versioned_hash() {
    let envelope = Envelope::uncompressed(&sample_payload(vec![9; 100]), 10)
        .unwrap()
        .to_bytes()
        .unwrap();
    let versioned_hash = B256::repeat_byte(0x01);

    let mut padded = envelope.clone();
    padded.resize(126_976, 0);
    let mut outer = tiny_keccak256(&padded).to_vec();
    outer.extend_from_slice(versioned_hash.as_slice());
    let expected = B256::from(tiny_keccak256(&outer));

    assert_eq!(challenge_digest(&envelope, &versioned_hash), Ok(expected));
    assert_eq!(challenge_digest(&padded, &versioned_hash), Ok(expected));
    let blob = Blob::from_envelope_bytes(&envelope).unwrap();
    assert_eq!(blob.challenge_digest(&versioned_hash), expected);
    // The hash is not the unpadded one.
    let mut unpadded_outer = tiny_keccak256(&envelope).to_vec();
    unpadded_outer.extend_from_slice(versioned_hash.as_slice());
    assert_ne!(expected.0, tiny_keccak256(&unpadded_outer));

    padded.push(0);
    assert_eq!(
        challenge_digest(&padded, &versioned_hash),
        Err(BlobError::TooLarge {
            len: 126_977,
            capacity: 126_976
        })
    );
}

#[test]
fn challenge_point_is_the_digest_mod_r() {
    // r + 5 reduces to 5; a digest below r is unchanged.
    let r_plus_5 = B256::from(
        U256::from_str_radix(
            "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000006",
            16,
        )
        .unwrap(),
    );
    let mut five = [0u8; 32];
    five[31] = 5;
    assert_eq!(challenge_point(&r_plus_5), five);
    let small = B256::repeat_byte(0x12);
    assert_eq!(challenge_point(&small), small.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn payload_round_trips(
        prev in b256(),
        post in b256(),
        initial in any::<u64>(),
        ctxs in prop::collection::vec(block_ctx(), 0..8),
        tx_data in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let payload = BlobPayload {
            prev_msg_queue_hash: prev,
            post_msg_queue_hash: post,
            initial_block_number: initial,
            block_ctxs: ctxs,
            tx_data,
        };
        let bytes = payload.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 74 + 52 * payload.block_ctxs.len() + payload.tx_data.len());
        prop_assert_eq!(BlobPayload::decode(&bytes), Ok(payload));
    }

    #[test]
    fn envelope_round_trips(version in any::<u8>(), compressed in any::<bool>(), data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let envelope = Envelope { codec_version: version, compressed, data };
        let bytes = envelope.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 5 + envelope.data.len());
        prop_assert_eq!(Envelope::decode(&bytes, version), Ok(envelope.clone()));
        let mut padded = bytes;
        padded.resize(BLOB_DATA_CAPACITY, 0);
        prop_assert_eq!(Envelope::decode(&padded, version), Ok(envelope));
    }

    #[test]
    fn blob_packing_round_trips(seed in any::<u64>(), len in 0..=BLOB_DATA_CAPACITY) {
        let data = pseudo_random_bytes(seed, len);
        let blob = Blob::from_envelope_bytes(&data).unwrap();
        prop_assert!(blob.field_elements().all(|e| e[0] == 0));
        let back = blob.envelope_bytes();
        prop_assert_eq!(back.len(), BLOB_DATA_CAPACITY);
        prop_assert_eq!(&back[..len], data.as_slice());
        prop_assert!(back[len..].iter().all(|&b| b == 0));
        prop_assert_eq!(Blob::from_bytes(blob.as_bytes()).unwrap(), blob);
    }
}

//! Stored one-block witnesses and the chunk witness assembled from them, on devnet blocks: the
//! assembled witness is exactly the chunk's merged witness and validates to the same chunk
//! info; every inconsistency between the parts is refused with its typed error.

use alloy_primitives::{B256, U256};
use rollproof_devnet::LocalChain;
use rollproof_libzkp::witness::{
    chunk_witness_from_blocks, compress_block_witness, decompress_block_witness,
    merge_block_witnesses, WitnessError,
};
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChunkWitness, NativeCrypto};

const CHAIN_ID: u64 = 534_351;

/// Three blocks: an ERC-20 deploy with ETH transfers, then ERC-20 transfers, then ETH transfers.
fn chain(fork: ForkName) -> LocalChain {
    rollproof_devnet::sample::token_chain(CHAIN_ID, fork, b"stored witnesses", 2, 3)
}

fn block_witness(chain: &LocalChain, fork: ForkName, number: u64) -> ChunkWitness {
    ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input: chain.chunk_input(number..=number),
    }
}

fn stored(chain: &LocalChain, fork: ForkName, number: u64) -> (u64, Vec<u8>) {
    let bytes = compress_block_witness(&block_witness(chain, fork, number)).unwrap();
    (number, bytes)
}

#[test]
fn a_chunk_from_stored_block_witnesses_is_the_merged_chunk() {
    let fork = ForkName::GalileoV2;
    let chain = chain(fork);
    let mq = B256::repeat_byte(0x42);
    let parts: Vec<_> = (1..=3).map(|n| stored(&chain, fork, n)).collect();
    // Compressed: smaller than the encoding.
    let plain = block_witness(&chain, fork, 1).encode();
    assert!(parts[0].1.len() < plain.len(), "zstd must shrink a witness");
    assert_eq!(
        decompress_block_witness(1, &parts[0].1).unwrap().encode(),
        plain
    );

    let assembled =
        chunk_witness_from_blocks(parts.iter().map(|(n, b)| (*n, b.as_slice())), mq).unwrap();
    let mut expected_input = chain.chunk_input(1..=3);
    expected_input.prev_msg_queue_hash = mq;
    let expected = ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input: expected_input,
    };
    assert_eq!(assembled.encode(), expected.encode());
    let info = assembled.validate(&NativeCrypto).unwrap();
    assert_eq!(info, expected.validate(&NativeCrypto).unwrap());
    assert_eq!(info.prev_msg_queue_hash, mq);

    // A sub-range works too.
    let two =
        chunk_witness_from_blocks(parts[1..].iter().map(|(n, b)| (*n, b.as_slice())), mq).unwrap();
    assert_eq!(two.input.blocks.len(), 2);
    two.validate(&NativeCrypto).unwrap();
}

#[test]
fn inconsistent_parts_are_refused() {
    let fork = ForkName::Galileo;
    let chain = chain(fork);
    let one = |n| block_witness(&chain, fork, n);
    let merge = |parts: Vec<ChunkWitness>| merge_block_witnesses(parts, B256::ZERO);

    assert!(matches!(merge(vec![]), Err(WitnessError::NoBlocks)));
    assert!(matches!(
        merge(vec![one(1), one(3)]),
        Err(WitnessError::NotConsecutive {
            previous: 1,
            found: 3
        })
    ));
    assert!(matches!(
        merge(vec![one(2), one(1)]),
        Err(WitnessError::NotConsecutive { .. })
    ));
    let mut other_chain = one(2);
    other_chain.chain_id += 1;
    assert!(matches!(
        merge(vec![one(1), other_chain]),
        Err(WitnessError::ChainMismatch { block: 2, .. })
    ));
    let mut other_fork = one(2);
    other_fork.fork = ForkName::GalileoV2;
    assert!(matches!(
        merge(vec![one(1), other_fork]),
        Err(WitnessError::ForkMismatch {
            block: 2,
            expected: ForkName::Galileo,
            found: ForkName::GalileoV2
        })
    ));
    let mut other_slot = one(2);
    other_slot.input.withdraw_root_slot = Some((Default::default(), U256::from(1)));
    assert!(matches!(
        merge(vec![one(1), other_slot]),
        Err(WitnessError::WithdrawSlotMismatch { block: 2 })
    ));

    // Storing refuses anything but one block; reading checks the block number and the bytes.
    let two_blocks = ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input: chain.chunk_input(1..=2),
    };
    assert!(matches!(
        compress_block_witness(&two_blocks),
        Err(WitnessError::NotOneBlock { found: 2, .. })
    ));
    let (_, bytes) = stored(&chain, fork, 2);
    assert!(matches!(
        decompress_block_witness(3, &bytes),
        Err(WitnessError::WrongBlock {
            expected: 3,
            found: 2
        })
    ));
    assert!(matches!(
        decompress_block_witness(2, b"not zstd"),
        Err(WitnessError::Decompress { block: 2, .. })
    ));
    let not_a_witness = zstd::bulk::compress(b"\x01garbage", 3).unwrap();
    assert!(matches!(
        decompress_block_witness(2, &not_a_witness),
        Err(WitnessError::Codec { block: 2, .. })
    ));
    // A gap in the stored rows is caught on the way in as well.
    let parts = [stored(&chain, fork, 1), stored(&chain, fork, 3)];
    assert!(matches!(
        chunk_witness_from_blocks(parts.iter().map(|(n, b)| (*n, b.as_slice())), B256::ZERO),
        Err(WitnessError::NotConsecutive { .. })
    ));
}

/// The JSON form (for people and `dump`) carries the whole witness: parsed back, it encodes to
/// the same binary witness and validates to the same chunk info; malformed JSON is an error.
#[test]
fn the_json_form_round_trips_to_the_same_binary_witness() {
    use rollproof_libzkp::witness::{witness_from_json, witness_to_json};

    let fork = ForkName::GalileoV2;
    let chain = chain(fork);
    let witness = ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input: chain.chunk_input(1..=3),
    };
    let json = witness_to_json(&witness);
    assert!(json.contains("\"fork\": \"galileov2\""), "{}", &json[..200]);
    let parsed = witness_from_json(&json).unwrap();
    assert_eq!(parsed.encode(), witness.encode());
    assert_eq!(
        parsed.validate(&NativeCrypto).unwrap(),
        witness.validate(&NativeCrypto).unwrap()
    );
    assert!(witness_from_json(&json[..json.len() / 2]).is_err());
    assert!(witness_from_json(&json.replace("galileov2", "nofork")).is_err());
}

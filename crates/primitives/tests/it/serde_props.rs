//! JSON shapes of the infos, and property tests: serde round trips, pi lengths and hashes.

use proptest::prelude::*;
use rollproof_primitives::{
    check_chain, BatchInfo, BlockContext, BundleInfo, ChainError, ChunkInfo, ForkName, HashField,
    InfoKind, ProofsReadyStatus, ProverProviderType, ProverTaskFailureType, ProverTaskStatus,
    ProvingStatus, PublicInputs, RollupStatus, SubmitFailureType, SubmitProofStatus, TaskType,
    B256, U256,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::{sample_batch, sample_chunk, tiny_keccak256};

#[test]
fn chunk_json_shape() {
    let mut chunk = sample_chunk();
    chunk.block_ctxs.truncate(1);
    let json = serde_json::to_value(&chunk).unwrap();
    let h = |b: u8| format!("0x{}", format!("{b:02x}").repeat(32));
    assert_eq!(
        json,
        serde_json::json!({
            "chain_id": 0x0102_0304_0506_0708u64,
            "prev_state_root": h(0x11),
            "post_state_root": h(0x22),
            "withdraw_root": h(0x33),
            "tx_data_digest": h(0x44),
            "prev_msg_queue_hash": h(0x55),
            "post_msg_queue_hash": h(0x66),
            "tx_data_length": 777,
            "initial_block_number": 0x0a0b_0c0d_0e0f_1011u64,
            "block_ctxs": [{
                "timestamp": 0x1122_3344_5566_7788u64,
                "base_fee": "0x3b9aca07",
                "gas_limit": 10_000_000,
                "num_txs": 258,
                "num_l1_msgs": 3,
            }],
            "prev_blockhash": h(0x77),
            "post_blockhash": h(0x88),
        })
    );
}

#[test]
fn batch_json_accepts_extra_fields_of_the_original() {
    let batch = sample_batch();
    let mut json = serde_json::to_value(&batch).unwrap();
    assert_eq!(json["chain_id"], 534_352);
    assert_eq!(json["parent_batch_hash"], format!("0x{}", "a2".repeat(32)));
    json["encryption_key"] = serde_json::Value::Null;
    assert_eq!(serde_json::from_value::<BatchInfo>(json).unwrap(), batch);
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "{json}");
}

pub(crate) fn b256() -> impl Strategy<Value = B256> {
    any::<[u8; 32]>().prop_map(B256::from)
}

pub(crate) fn block_ctx() -> impl Strategy<Value = BlockContext> {
    (
        any::<u64>(),
        any::<[u64; 4]>(),
        any::<u64>(),
        any::<u16>(),
        any::<u16>(),
    )
        .prop_map(
            |(timestamp, limbs, gas_limit, num_txs, num_l1_msgs)| BlockContext {
                timestamp,
                base_fee: U256::from_limbs(limbs),
                gas_limit,
                num_txs,
                num_l1_msgs,
            },
        )
}

fn chunk() -> impl Strategy<Value = ChunkInfo> {
    (
        any::<u64>(),
        [b256(), b256(), b256(), b256(), b256(), b256()],
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(block_ctx(), 0..5),
        [b256(), b256()],
    )
        .prop_map(
            |(
                chain_id,
                [a, b, c, d, e, f],
                tx_data_length,
                initial_block_number,
                block_ctxs,
                [g, h],
            )| {
                ChunkInfo {
                    chain_id,
                    prev_state_root: a,
                    post_state_root: b,
                    withdraw_root: c,
                    tx_data_digest: d,
                    prev_msg_queue_hash: e,
                    post_msg_queue_hash: f,
                    tx_data_length,
                    initial_block_number,
                    block_ctxs,
                    prev_blockhash: g,
                    post_blockhash: h,
                }
            },
        )
}

fn batch() -> impl Strategy<Value = BatchInfo> {
    (
        any::<u64>(),
        [b256(), b256(), b256(), b256(), b256(), b256(), b256()],
    )
        .prop_map(|(chain_id, [a, b, c, d, e, f, g])| BatchInfo {
            parent_state_root: a,
            parent_batch_hash: b,
            state_root: c,
            batch_hash: d,
            chain_id,
            withdraw_root: e,
            prev_msg_queue_hash: f,
            post_msg_queue_hash: g,
        })
}

fn bundle() -> impl Strategy<Value = BundleInfo> {
    (
        any::<u64>(),
        any::<u32>(),
        [b256(), b256(), b256(), b256(), b256(), b256()],
    )
        .prop_map(|(chain_id, num_batches, [a, b, c, d, e, f])| BundleInfo {
            chain_id,
            msg_queue_hash: a,
            num_batches,
            prev_state_root: b,
            prev_batch_hash: c,
            post_state_root: d,
            batch_hash: e,
            withdraw_root: f,
        })
}

proptest! {
    #[test]
    fn chunk_serde_round_trip(info in chunk()) {
        round_trip(&info);
    }

    #[test]
    fn batch_serde_round_trip(info in batch()) {
        round_trip(&info);
    }

    #[test]
    fn bundle_serde_round_trip(info in bundle()) {
        round_trip(&info);
    }

    #[test]
    fn enum_serde_round_trip(
        task in prop::sample::select(TaskType::ALL),
        proving in prop::sample::select(ProvingStatus::ALL),
        ready in prop::sample::select(ProofsReadyStatus::ALL),
        rollup in prop::sample::select(RollupStatus::ALL),
        prover_task in prop::sample::select(ProverTaskStatus::ALL),
        failure in prop::sample::select(ProverTaskFailureType::ALL),
        submit in prop::sample::select(SubmitProofStatus::ALL),
        submit_failure in prop::sample::select(SubmitFailureType::ALL),
        provider in prop::sample::select(ProverProviderType::ALL),
        fork in prop::sample::select(ForkName::ALL.to_vec()),
    ) {
        round_trip(&task);
        round_trip(&proving);
        round_trip(&ready);
        round_trip(&rollup);
        round_trip(&prover_task);
        round_trip(&failure);
        round_trip(&submit);
        round_trip(&submit_failure);
        round_trip(&provider);
        round_trip(&fork);
    }

    #[test]
    fn enum_values_outside_all_are_rejected(value in any::<i64>()) {
        let known = TaskType::ALL.iter().any(|t| i64::from(t.as_i16()) == value);
        prop_assert_eq!(TaskType::try_from(value).is_ok(), known);
        let known = RollupStatus::ALL.iter().any(|t| i64::from(t.as_i16()) == value);
        prop_assert_eq!(serde_json::from_str::<RollupStatus>(&value.to_string()).is_ok(), known);
    }

    #[test]
    fn pi_lengths_and_hashes(chunk in chunk(), batch in batch(), bundle in bundle(), version in any::<u8>()) {
        let bytes = chunk.pi_bytes(version);
        prop_assert_eq!(bytes.len(), 1 + 8 + 32 * 6 + 8 + 52 * chunk.block_ctxs.len() + 32 * 2);
        prop_assert_eq!(bytes[0], version);
        prop_assert_eq!(&bytes[bytes.len() - 64..bytes.len() - 32], chunk.prev_blockhash.as_slice());
        prop_assert_eq!(&bytes[bytes.len() - 32..], chunk.post_blockhash.as_slice());
        prop_assert_eq!(chunk.pi_hash(version).0, tiny_keccak256(&bytes));

        let bytes = batch.pi_bytes(version);
        prop_assert_eq!(bytes.len(), 233);
        prop_assert_eq!(bytes[0], version);
        prop_assert_eq!(batch.pi_hash(version).0, tiny_keccak256(&bytes));

        let bytes = bundle.pi_bytes(version);
        prop_assert_eq!(bytes.len(), 236);
        prop_assert_eq!(B256::from_slice(&bytes[..32]), B256::left_padding_from(&[version]));
        prop_assert_eq!(bundle.pi_hash(version).0, tiny_keccak256(&bytes));
    }

    #[test]
    fn a_batch_list_chains_only_if_every_link_holds(batches in prop::collection::vec(batch(), 1..4)) {
        let links_hold = batches.windows(2).all(|w| {
            w[1].chain_id == w[0].chain_id
                && w[1].parent_state_root == w[0].state_root
                && w[1].parent_batch_hash == w[0].batch_hash
                && w[1].prev_msg_queue_hash == w[0].post_msg_queue_hash
        });
        prop_assert_eq!(check_chain(&batches).is_ok(), links_hold);
    }

    #[test]
    fn a_chunk_list_chains_only_if_every_link_holds(
        mut chunks in prop::collection::vec(chunk(), 1..4),
        links in prop::collection::vec(any::<[bool; 5]>(), 3),
    ) {
        chunks[0].initial_block_number >>= 1; // room for the following chunks' blocks
        for i in 1..chunks.len() {
            let prev = chunks[i - 1].clone();
            let [same_id, state_root, mq_hash, blockhash, block_number] = links[i - 1];
            let chunk = &mut chunks[i];
            if same_id {
                chunk.chain_id = prev.chain_id;
            }
            if state_root {
                chunk.prev_state_root = prev.post_state_root;
            }
            if mq_hash {
                chunk.prev_msg_queue_hash = prev.post_msg_queue_hash;
            }
            if blockhash {
                chunk.prev_blockhash = prev.post_blockhash;
            }
            if block_number {
                chunk.initial_block_number = prev.next_block_number().unwrap();
            }
        }
        let links_hold = chunks.windows(2).all(|w| {
            w[1].chain_id == w[0].chain_id
                && w[1].prev_state_root == w[0].post_state_root
                && w[1].prev_msg_queue_hash == w[0].post_msg_queue_hash
                && w[1].prev_blockhash == w[0].post_blockhash
                && w[0].next_block_number() == Some(w[1].initial_block_number)
        });
        prop_assert_eq!(check_chain(&chunks).is_ok(), links_hold);
    }

    #[test]
    fn a_broken_blockhash_link_is_named(
        mut chunks in prop::collection::vec(chunk(), 2..5),
        at in any::<prop::sample::Index>(),
        wrong in b256(),
    ) {
        chunks[0].initial_block_number >>= 1;
        for i in 1..chunks.len() {
            let prev = chunks[i - 1].clone();
            let chunk = &mut chunks[i];
            chunk.chain_id = prev.chain_id;
            chunk.prev_state_root = prev.post_state_root;
            chunk.prev_msg_queue_hash = prev.post_msg_queue_hash;
            chunk.prev_blockhash = prev.post_blockhash;
            chunk.initial_block_number = prev.next_block_number().unwrap();
        }
        prop_assert_eq!(check_chain(&chunks), Ok(()));

        let index = 1 + at.index(chunks.len() - 1);
        let expected = chunks[index - 1].post_blockhash;
        prop_assume!(wrong != expected);
        chunks[index].prev_blockhash = wrong;
        prop_assert_eq!(
            check_chain(&chunks),
            Err(ChainError::At {
                kind: InfoKind::Chunk,
                index,
                mismatch: Box::new(ChainError::Hash {
                    field: HashField::PrevBlockhash,
                    expected,
                    found: wrong,
                }),
            })
        );
    }
}

//! Batch tasks over the suite's real chunk proof (proven once and cached by
//! `rollproof_libzkp::testing`): the coordinator's task input builds the universal task a batch
//! prover reads back unchanged, with the metadata and public-input hash its proof must carry;
//! supplied blob values that differ from the recomputed ones, and batches that do not check,
//! are refused with the field named. No batch program is built here (that is
//! `batch_execute`'s job), so this is fast once the chunk proof exists.

use alloy_primitives::{FixedBytes, B256};
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{
    testing::proven_chunk, AssembledBatch, BatchInput, BatchTaskInput, Error, ProofMetadata,
};
use rollproof_primitives::{Domain, ForkName, PiVersion, PublicInputs};

fn refused(input: &BatchTaskInput, fork: ForkName, vk: &[u8]) -> String {
    match input.to_task(fork, vk) {
        Err(Error::Task(message)) => {
            eprintln!("refused: {message}");
            message
        }
        other => panic!("expected a task error, got {other:?}"),
    }
}

#[test]
fn batch_tasks_recompute_the_blob_values_and_refuse_what_differs() {
    let witness = sample_chunk();
    let proven = proven_chunk(&witness).unwrap();
    let fork = proven.fork;
    let tx_data = witness.input.tx_data();
    let parent = B256::repeat_byte(0x22);
    let (input, opening) = BatchInput::assemble(
        fork,
        3,
        parent,
        vec![proven.proof.clone()],
        &[&tx_data],
        true,
    )
    .unwrap();
    // The proposer's view, from the chunk infos alone, is the same batch.
    let assembled = AssembledBatch::new(
        fork,
        3,
        parent,
        std::slice::from_ref(&proven.proof.metadata.chunk_info),
        &[&tx_data],
        true,
    )
    .unwrap();
    assert_eq!(assembled.header, input.header);
    assert_eq!(assembled.opening, opening);

    let mut task_input = BatchTaskInput::from_input(&input);
    task_input.challenge_digest = Some(assembled.challenge_digest());
    task_input.chunk_infos = Some(vec![proven.proof.metadata.chunk_info.clone()]);
    let json = serde_json::to_vec(&task_input).unwrap();
    assert_eq!(BatchTaskInput::from_json(&json).unwrap(), task_input);

    let built = task_input.to_task(fork, b"batch-vk").unwrap();
    let info = input.check().unwrap();
    assert_eq!(built.metadata.batch_info, info);
    assert_eq!(built.metadata.batch_hash, input.header.hash());
    assert_eq!(built.metadata.fork_name, fork);
    assert_eq!(
        built.expected_pi_hash,
        info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte())
    );
    assert_eq!(built.expected_pi_hash, built.metadata.pi_hash());
    assert_eq!(built.task.identifier, input.header.hash().to_string());
    assert_eq!(built.task.vk, b"batch-vk");
    assert_eq!(built.task.aggregated_proofs.len(), 1);

    // The prover reads the same batch back out of the universal task (through its JSON).
    let universal: rollproof_libzkp::UniversalTask =
        serde_json::from_str(&serde_json::to_string(&built.task).unwrap()).unwrap();
    let read = universal.batch_input().unwrap();
    assert_eq!(read.fork, fork);
    assert_eq!(read.header, input.header);
    assert_eq!(read.blob_envelope, input.blob_envelope);
    assert_eq!(read.kzg_commitment, input.kzg_commitment);
    assert_eq!(read.kzg_proof, input.kzg_proof);
    assert_eq!(read.chunk_proofs, input.chunk_proofs);
    assert!(
        universal.bundle_batches().is_err(),
        "a batch task is no bundle task"
    );

    // Supplied values that are not the blob's.
    let mut bad = task_input.clone();
    bad.kzg_commitment = FixedBytes::repeat_byte(0xc0);
    assert!(refused(&bad, fork, b"vk").contains("kzg_commitment"));
    let mut bad = task_input.clone();
    bad.kzg_proof = FixedBytes::repeat_byte(0xc0);
    assert!(refused(&bad, fork, b"vk").contains("kzg_proof"));
    let mut bad = task_input.clone();
    bad.challenge_digest = Some(B256::repeat_byte(1));
    assert!(refused(&bad, fork, b"vk").contains("challenge_digest"));
    // Another blob: its commitment is not the supplied one.
    let mut bad = task_input.clone();
    let last = bad.blob_bytes.len() - 1;
    bad.blob_bytes[last] ^= 1;
    // With the digest supplied, the digest differs first; without it, the commitment.
    assert!(refused(&bad, fork, b"vk").contains("challenge_digest"));
    bad.challenge_digest = None;
    assert!(refused(&bad, fork, b"vk").contains("kzg_commitment"));
    // A blob and values that agree, but whose payload is not the chunks' (another message-queue
    // hash than the proven chunk's): the batch check fails.
    let mut other_info = proven.proof.metadata.chunk_info.clone();
    other_info.prev_msg_queue_hash = B256::repeat_byte(0x99);
    let other = AssembledBatch::new(fork, 3, parent, &[other_info], &[&tx_data], true).unwrap();
    let mut bad = task_input.clone();
    bad.batch_header = other.header.to_bytes().to_vec();
    bad.blob_bytes = other.blob_envelope.clone();
    bad.kzg_commitment = other.opening.commitment;
    bad.kzg_proof = other.opening.proof;
    bad.challenge_digest = None;
    assert!(refused(&bad, fork, b"vk").contains("batch does not check"));
    // A header for the other fork's codec, chunk infos that are not the proofs', no key.
    let other_fork = ForkName::ALL.into_iter().find(|f| *f != fork).unwrap();
    if other_fork.codec_version() != fork.codec_version() {
        assert!(refused(&task_input, other_fork, b"vk").contains("batch header"));
    }
    let mut bad = task_input.clone();
    let mut info = proven.proof.metadata.chunk_info.clone();
    info.chain_id += 1;
    bad.chunk_infos = Some(vec![info]);
    assert!(refused(&bad, fork, b"vk").contains("chunk_infos"));
    assert!(refused(&task_input, fork, b"").contains("verifying key"));
    // A chunk proof of another fork.
    let mut bad = task_input.clone();
    bad.chunk_proofs[0].metadata.fork_name = other_fork;
    bad.chunk_infos = None;
    assert!(refused(&bad, fork, b"vk").contains("is for fork"));
    for malformed in [&b"{}"[..], b"not json", br#"{"chunk_proofs": []}"#] {
        assert!(matches!(
            BatchTaskInput::from_json(malformed),
            Err(Error::Task(message)) if message.contains("malformed batch task")
        ));
    }
}

//! The suite's real chunk proof: the sample devnet block (an ERC-20 deploy, ETH and ERC-20
//! transfers) proven by the chunk guest (app proof + aggregation), verified by libzkp; tampered
//! proofs, another key, the wrong fork and a wrong public input are all rejected with their
//! typed errors.

use alloy_primitives::B256;
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{assets::load_chunk_vk, testing::proven_chunk, Verifier, VerifyError};
use rollproof_primitives::{ForkName, TaskType};

/// The suite's real chunk proof (made once per guest build and cached by
/// `rollproof_libzkp::testing`), checked here against the fork's key from its assets.
#[test]
fn a_real_chunk_proof_verifies_and_forgeries_are_rejected() {
    let proven = proven_chunk(&sample_chunk()).unwrap();
    let proof = proven.proof;
    eprintln!(
        "chunk proof: {} bytes, {} gas",
        proof.proof.len(),
        proof.metadata.chunk_total_gas
    );

    let mut verifier = Verifier::default();
    verifier.insert(
        ForkName::Galileo,
        TaskType::Chunk,
        load_chunk_vk(&proven.assets, ForkName::Galileo).unwrap(),
    );
    verifier.verify(ForkName::Galileo, &proof).unwrap();
    let json = serde_json::to_vec(&proof).unwrap();
    verifier
        .verify_json(TaskType::Chunk, ForkName::Galileo, &json)
        .unwrap();

    // A flipped byte in the proof.
    let mut tampered = proof.clone();
    let middle = tampered.proof.len() / 2;
    tampered.proof[middle] ^= 0x20;
    assert!(matches!(
        verifier.verify(ForkName::Galileo, &tampered),
        Err(VerifyError::InvalidProof(_))
    ));
    // A proof that claims another key.
    let mut other_vk = proof.clone();
    other_vk.vk[10] ^= 1;
    assert!(matches!(
        verifier.verify(ForkName::Galileo, &other_vk),
        Err(VerifyError::WrongVk(ForkName::Galileo))
    ));
    // A fork without a key, and metadata for another fork.
    assert!(matches!(
        verifier.verify(ForkName::GalileoV2, &proof),
        Err(VerifyError::UnknownFork(ForkName::GalileoV2))
    ));
    let mut other_fork = proof.clone();
    other_fork.metadata.fork_name = ForkName::GalileoV2;
    assert!(matches!(
        verifier.verify(ForkName::Galileo, &other_fork),
        Err(VerifyError::ForkMismatch { .. })
    ));
    // Metadata claiming another post-state root: the proof reveals a different hash.
    let mut wrong_pi = proof.clone();
    wrong_pi.metadata.chunk_info.post_state_root = B256::repeat_byte(9);
    assert!(matches!(
        verifier.verify(ForkName::Galileo, &wrong_pi),
        Err(VerifyError::PiMismatch { .. })
    ));
    // Not a wrapped proof at all.
    assert!(matches!(
        verifier.verify_json(TaskType::Chunk, ForkName::Galileo, b"{\"metadata\": 1}"),
        Err(VerifyError::Malformed(_))
    ));
    // These assets hold no batch or bundle circuit: said before the JSON is looked at.
    for circuit in [TaskType::Batch, TaskType::Bundle] {
        assert!(matches!(
            verifier.verify_json(circuit, ForkName::Galileo, &json),
            Err(VerifyError::NoCircuit { fork: ForkName::Galileo, circuit: c }) if c == circuit
        ));
    }
}

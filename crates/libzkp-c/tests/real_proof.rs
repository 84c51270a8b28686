//! The C interface with a real chunk proof: `init_verifier` on the proof's assets, the proof
//! verifies, a tampered one, another fork and malformed JSON do not, and the coordinator's
//! path (task from the witness, bare proof wrapped with its metadata) gives a proof that
//! verifies.
//!
//! The proof comes from `rollproof_libzkp::testing::proven_chunk`: proven once (5-35 min on
//! 2 cores) and cached under the target dir, then reused by every suite that proves the same
//! fixture with the same guest build. Run it alone:
//! `cargo test -p rollproof-libzkp-c --test real_proof -- --nocapture`.

mod common;

use alloy_primitives::hex;
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{assets::CHUNK_VK, testing::proven_chunk, ChunkTaskInput, ProofMetadata};
use sha2::{Digest, Sha256};

use common::{run_c_program, Scratch};

#[test]
fn real_chunk_proof_through_the_c_api() {
    let witness = sample_chunk();
    let proven = proven_chunk(&witness).expect("a real chunk proof (proves once, then cached)");
    let fork = proven.fork.as_str();
    let scratch = Scratch::new("real");

    let config = serde_json::json!({
        "circuits": [{"fork_name": fork.to_uppercase(), "assets_path": proven.assets}]
    });
    let config = scratch.write("config.json", serde_json::to_vec(&config).unwrap());
    let bad_config = serde_json::json!({
        "circuits": [{"fork_name": fork, "assets_path": scratch.path().join("no-assets")}]
    });
    let bad_config = scratch.write("bad_config.json", serde_json::to_vec(&bad_config).unwrap());
    let proof = scratch.write("proof.json", &proven.proof_json);

    // One flipped byte in the middle of the STARK proof (still valid base64 and JSON).
    let mut tampered = proven.proof.clone();
    let middle = tampered.proof.len() / 2;
    tampered.proof[middle] ^= 0x20;
    let tampered = scratch.write("tampered.json", serde_json::to_vec(&tampered).unwrap());

    // What a prover hands back before wrapping: the proof alone, a base64 JSON string.
    let value: serde_json::Value = serde_json::from_str(&proven.proof_json).unwrap();
    let bare = scratch.write("bare_proof.json", value["proof"].to_string());
    let task = scratch.write(
        "task.json",
        serde_json::to_vec(&ChunkTaskInput::new(&witness)).unwrap(),
    );
    let vk_bytes = std::fs::read(proven.assets.join(fork).join(CHUNK_VK)).unwrap();
    let vk = scratch.write("vk_id.bin", Sha256::digest(&vk_bytes));
    let pi_hash = hex::encode(proven.proof.metadata.pi_hash());

    run_c_program(
        &[
            "real".as_ref(),
            config.as_os_str(),
            bad_config.as_os_str(),
            proof.as_os_str(),
            tampered.as_os_str(),
            bare.as_os_str(),
            task.as_os_str(),
            vk.as_os_str(),
            pi_hash.as_ref(),
        ],
        &[],
    );
}

//! The proof hierarchy at its smallest, for real: the suite's chunk proof -> a real batch proof
//! (the chunk proof verified inside it through deferral) -> the bundle guest in execute mode over
//! that batch proof. The batch proof verifies against the batch program's key and reveals the
//! batch public-input hash; the bundle guest reveals the bundle's and fails on batches that do
//! not chain or on a batch info the proof does not attest.
//!
//! Proving the batch takes about a quarter of an hour on 2 cores, so the test is ignored by the
//! suite (it would push CI past its time limit) and run as
//! `cargo test --workspace --test recursion -- --ignored --nocapture`; the proof is cached (see
//! `rollproof_libzkp::testing::proven_batch`). A real bundle proof is the
//! `cargo bench --bench recursion` command, not part of the suite.

use std::time::Instant;

use alloy_primitives::B256;
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{
    bundle::ProvenBatch as BundleChild,
    testing::{proven_batch, proven_chunk},
    BundleProgram, Error,
};
use rollproof_primitives::{BundleInfo, Domain, PiVersion, PublicInputs};
use rollproof_zkvm::{verify_stark_proof, GuestToolchain, ProvingParams, ZkvmError};

#[test]
#[ignore = "a real batch proof: ~20 min and ~10 GB here; run with `-- --ignored` (see README)"]
fn a_real_batch_proof_verifies_and_the_bundle_guest_checks_it() {
    let witness = sample_chunk();
    let chunk = proven_chunk(&witness).unwrap();
    let fork = chunk.fork;
    let version = PiVersion::new(fork, Domain::Rollup).byte();
    let batch = proven_batch(&chunk, &witness).unwrap();
    eprintln!("batch proof: {} bytes", batch.proof.0.len());

    // The batch proof verifies against the batch key and reveals the batch pi hash; a flipped
    // byte does not verify.
    let batch_vk = batch.program.verifying_key().unwrap();
    let started = Instant::now();
    let revealed = verify_stark_proof(&batch_vk, &batch.proof).unwrap();
    eprintln!(
        "batch proof verified in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(revealed, batch.info.pi_hash(version).to_vec());
    let mut tampered = batch.proof.clone();
    let middle = tampered.0.len() / 2;
    tampered.0[middle] ^= 0x20;
    assert!(verify_stark_proof(&batch_vk, &tampered).is_err());

    // The bundle guest over the batch proof.
    let toolchain = GuestToolchain::from_env().unwrap();
    let started = Instant::now();
    let bundle =
        BundleProgram::build(&toolchain, ProvingParams::default(), batch.program.app()).unwrap();
    eprintln!(
        "bundle program (deferral keys, guest build) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let child = BundleChild {
        info: batch.info.clone(),
        proof: batch.proof.clone(),
    };
    let (bundle_witness, info, children) =
        bundle.witness(fork, std::slice::from_ref(&child)).unwrap();
    assert_eq!(
        info,
        BundleInfo::from_batches(std::slice::from_ref(&batch.info)).unwrap()
    );
    assert_eq!(info.num_batches, 1);
    assert_eq!(info.batch_hash, batch.info.batch_hash);
    let started = Instant::now();
    assert_eq!(
        bundle.execute_witness(&bundle_witness, &children).unwrap(),
        info.pi_hash(version)
    );
    eprintln!(
        "bundle guest over 1 batch executed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A batch info the proof does not attest.
    let mut wrong = bundle_witness.clone();
    wrong.batch_infos[0].withdraw_root = B256::repeat_byte(7);
    assert!(matches!(
        bundle.execute_witness(&wrong, &children),
        Err(Error::Zkvm(ZkvmError::Execution(_)))
    ));

    // The same batch twice does not chain: refused on the host, and the guest fails on it.
    let twice = [child.clone(), child.clone()];
    assert!(matches!(bundle.witness(fork, &twice), Err(Error::Task(_))));
    let two_children = rollproof_zkvm::ChildVerifier::inputs(
        bundle.app().children().unwrap(),
        &[batch.proof.clone(), batch.proof.clone()],
    )
    .unwrap();
    let mut unchained = bundle_witness.clone();
    unchained.batch_infos.push(batch.info.clone());
    unchained.batch_proof_commits = two_children.input_commits.clone();
    assert!(matches!(
        bundle.execute_witness(&unchained, &two_children),
        Err(Error::Zkvm(ZkvmError::Execution(_)))
    ));

    // A chunk proof is not a batch proof: the bundle's verifier refuses it on the host.
    let chunk_as_batch = BundleChild {
        info: batch.info.clone(),
        proof: rollproof_zkvm::StarkProof(chunk.proof.proof.clone()),
    };
    assert!(matches!(
        bundle.witness(fork, &[chunk_as_batch]),
        Err(Error::Zkvm(ZkvmError::InvalidProof(_)))
    ));
}

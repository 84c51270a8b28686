//! The batch guest in execute mode over the suite's real chunk proof (proven once and cached by
//! `rollproof_libzkp::testing`): it verifies the chunk proof through deferral and reveals the
//! batch public-input hash the host computes; a wrong chunk info, blob, header, KZG proof,
//! child proof or child program makes it fail, and the host refuses bad inputs before any guest
//! runs. The batch program's deferral keys round-trip through their saved form.

use std::{sync::Arc, time::Instant};

use alloy_primitives::{FixedBytes, B256};
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{
    assets::load_chunk_vk, batch::BATCH_GUEST, parent::build_parent, testing::proven_chunk,
    BatchInput, BatchProgram, Error,
};
use rollproof_primitives::{BlobPayload, Domain, PiVersion, PublicInputs};
use rollproof_zkvm::{AppProgram, ChildVerifier, GuestToolchain, ProvingParams, ZkvmError};

fn execution_fails(result: Result<B256, Error>, what: &str) {
    match result {
        Err(Error::Zkvm(ZkvmError::Execution(message))) => {
            eprintln!("{what}: guest failed as it must: {message}")
        }
        other => panic!("{what}: expected the guest to fail, got {other:?}"),
    }
}

#[test]
fn the_batch_guest_verifies_its_chunk_proof_and_rejects_what_does_not_check() {
    let chunk = sample_chunk();
    let proven = proven_chunk(&chunk).unwrap();
    let fork = proven.fork;
    let chunk_vk = load_chunk_vk(&proven.assets, fork).unwrap();
    let toolchain = GuestToolchain::from_env().unwrap();
    let params = ProvingParams::default();

    let started = Instant::now();
    let program = BatchProgram::build(&toolchain, params, &chunk_vk).unwrap();
    eprintln!(
        "batch program (deferral keys + guest build) in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let tx_data = chunk.input.tx_data();
    let parent_batch_hash = B256::repeat_byte(0x11);
    let (input, opening) = BatchInput::assemble(
        fork,
        7,
        parent_batch_hash,
        vec![proven.proof.clone()],
        &[&tx_data],
        true,
    )
    .unwrap();
    opening.verify().unwrap();

    // The valid batch: the guest reveals the hash of the batch info the host derives.
    let (witness, info, children) = program.witness(&input).unwrap();
    let version = PiVersion::new(fork, Domain::Rollup).byte();
    assert_eq!(info.batch_hash, input.header.hash());
    assert_eq!(info.parent_batch_hash, parent_batch_hash);
    assert_eq!(
        info.state_root,
        proven.proof.metadata.chunk_info.post_state_root
    );
    let started = Instant::now();
    let execution = program.execute(&input).unwrap();
    assert_eq!(execution.pi_hash, info.pi_hash(version));
    eprintln!(
        "batch guest over 1 chunk: {} instructions, executed in {:.1} s",
        execution.instructions,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        program.execute_witness(&witness, &children).unwrap(),
        info.pi_hash(version)
    );

    // A chunk info the proof does not attest.
    let mut wrong = witness.clone();
    wrong.chunk_infos[0].withdraw_root = B256::repeat_byte(9);
    execution_fails(
        program.execute_witness(&wrong, &children),
        "wrong chunk info",
    );

    // A blob whose payload is not the chunk's data (one transaction byte changed), with a
    // KZG opening that is valid for it.
    let mut payload = BlobPayload::from_chunks(
        std::slice::from_ref(&proven.proof.metadata.chunk_info),
        &[tx_data.as_slice()],
    )
    .unwrap();
    let last = payload.tx_data.len() - 1;
    payload.tx_data[last] ^= 1;
    let mut forged = input.clone();
    forged.blob_envelope =
        rollproof_primitives::encode_envelope(&payload, fork.codec_version(), false).unwrap();
    let blob = rollproof_primitives::Blob::from_envelope_bytes(&forged.blob_envelope).unwrap();
    forged.kzg_commitment = rollproof_primitives::kzg_commitment(&blob).unwrap();
    forged.header.blob_versioned_hash =
        rollproof_primitives::kzg_versioned_hash(&forged.kzg_commitment);
    let reopened = rollproof_primitives::BlobDataProof::compute(
        &blob,
        &blob.challenge_digest(&forged.header.blob_versioned_hash),
    )
    .unwrap();
    forged.kzg_proof = reopened.proof;
    assert!(
        matches!(program.witness(&forged), Err(Error::Task(_))),
        "the host refuses a blob that is not the chunks' data"
    );
    let mut wrong = witness.clone();
    wrong.blob_envelope = forged.blob_envelope.clone();
    wrong.kzg_commitment = forged.kzg_commitment;
    wrong.kzg_proof = forged.kzg_proof;
    wrong.header = forged.header;
    execution_fails(
        program.execute_witness(&wrong, &children),
        "blob of other data",
    );

    // A KZG proof that does not open the commitment at the challenge point (another blob's).
    let mut wrong = witness.clone();
    wrong.kzg_proof = forged.kzg_proof;
    execution_fails(
        program.execute_witness(&wrong, &children),
        "wrong KZG proof",
    );
    let mut refused = input.clone();
    refused.kzg_proof = forged.kzg_proof;
    assert!(matches!(program.witness(&refused), Err(Error::Task(_))));

    // A header whose versioned hash is not the commitment's, and a commitment that is not
    // a curve point.
    let mut wrong = witness.clone();
    wrong.header.blob_versioned_hash = B256::repeat_byte(1);
    execution_fails(
        program.execute_witness(&wrong, &children),
        "wrong versioned hash",
    );
    let mut wrong = witness.clone();
    wrong.kzg_proof = FixedBytes::repeat_byte(0xff);
    execution_fails(
        program.execute_witness(&wrong, &children),
        "proof not a point",
    );

    // A header for another codec version.
    let mut wrong = witness.clone();
    wrong.header.version ^= 1;
    execution_fails(
        program.execute_witness(&wrong, &children),
        "wrong header version",
    );

    // No deferral state for the proof commit, and a commit the state does not know.
    let mut no_state = rollproof_zkvm::StdIn::default();
    no_state.write(&witness);
    assert!(matches!(
        program.app().execute(no_state),
        Err(ZkvmError::Execution(_))
    ));
    let mut wrong = witness.clone();
    wrong.chunk_proof_commits[0][0] ^= 1;
    execution_fails(
        program.execute_witness(&wrong, &children),
        "unknown proof commit",
    );

    // A tampered chunk proof is refused on the host, before any guest runs.
    let mut tampered = input.clone();
    let middle = tampered.chunk_proofs[0].proof.len() / 2;
    tampered.chunk_proofs[0].proof[middle] ^= 0x20;
    assert!(matches!(
        program.witness(&tampered),
        Err(Error::Zkvm(ZkvmError::InvalidProof(_)))
    ));

    // A batch guest built to accept another child program refuses the chunk proof.
    let verifier = Arc::clone(program.app().children().unwrap());
    let mut commits = verifier.child_commits();
    commits.exe[0] ^= 1;
    let other = build_parent(
        BATCH_GUEST,
        &toolchain,
        params,
        Arc::clone(&verifier),
        commits,
    )
    .unwrap();
    let other = BatchProgram::from_app(other).unwrap();
    let (witness, _, children) = other.witness(&input).unwrap();
    execution_fails(
        other.execute_witness(&witness, &children),
        "another child program",
    );

    // The deferral keys, saved as the assets save them, load back as the same child verifier
    // (same deferral configuration and hook commit) in a fraction of the keygen time, and a
    // batch program made with them runs the chunk proof to the same public-input hash.
    let started = Instant::now();
    let keys = verifier.proving_keys().unwrap();
    eprintln!(
        "deferral keys: {} MiB, encoded in {:.1} s",
        keys.len() >> 20,
        started.elapsed().as_secs_f64()
    );
    let expected = verifier.deferral_config();
    let started = Instant::now();
    let loaded = ChildVerifier::from_proving_keys(&chunk_vk, &keys, &expected).unwrap();
    eprintln!(
        "deferral keys loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(loaded.deferral_config().circuits, expected.circuits);
    assert_eq!(loaded.def_hook_commit(), verifier.def_hook_commit());
    let app = program.app();
    let reloaded = AppProgram::from_assets(
        BATCH_GUEST,
        &app.vm_config_toml().unwrap(),
        &app.exe_bytes(),
        params,
    )
    .unwrap()
    .with_saved_children(&chunk_vk, &keys)
    .unwrap();
    let reloaded = BatchProgram::from_app(reloaded).unwrap();
    assert_eq!(
        reloaded.execute(&input).unwrap().pi_hash,
        info.pi_hash(version)
    );
    // Damaged keys, and keys that do not give the expected configuration, are refused.
    let cut = ChildVerifier::from_proving_keys(&chunk_vk, &keys[..keys.len() / 2], &expected);
    assert!(
        matches!(&cut, Err(ZkvmError::InvalidAsset { reason, .. }) if reason.contains("undecodable")),
        "{:?}",
        cut.err()
    );
    let mut another = expected.clone();
    another.circuits.clear();
    let mismatch = ChildVerifier::from_proving_keys(&chunk_vk, &keys, &another);
    assert!(
        matches!(&mismatch, Err(ZkvmError::InvalidAsset { reason, .. }) if reason.contains("another child program")),
        "{:?}",
        mismatch.err()
    );
}

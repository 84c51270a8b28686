//! The coordinator accepts a REAL chunk proof over HTTP, and then hands out the batch task built
//! from it. Proving takes 5-35 minutes of both cores (`rollproof_libzkp::testing::proven_chunk`
//! caches the proof under the target dir, so only the first run on a machine pays it). Its own
//! test binary, so the other coordinator tests run without it: `cargo test -p
//! rollproof-coordinator --test real_proof`.
//!
//! The real aggregation assets cost tens of minutes to build, so the batch part runs against
//! a copy of the chunk assets that lists the chunk key as the batch and bundle keys
//! (`testing::assets_with_chunk_key_as_aggregation_keys`): the batch task builds for real (the
//! row's blob values recomputed and compared, the chunk proof carried), and submitting the
//! chunk proof as the batch proof is refused, as any non-batch proof must be.

mod common;

use alloy_primitives::B256;
use common::{config_with, genesis, vk_base64, Prover, Server};
use rollproof_coordinator::seed;
use rollproof_db::{batch, chunk, testing::TestDb};
use rollproof_devnet::sample::sample_chain;
use rollproof_libzkp::{
    assets::AssetManifest,
    testing::{assets_with_chunk_key_as_aggregation_keys, proven_chunk, test_dir},
    witness, UniversalTask,
};
use rollproof_primitives::{
    ForkName, ProofsReadyStatus, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType,
};

/// The sample galileo block (ERC-20 deploy, ETH and ERC-20 transfers), stored with its witness
/// as chunk 0 of batch 0; the proof is made from the chunk witness assembled exactly as the
/// coordinator assembles it, so the proof's public inputs are the task's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_real_chunk_proof_is_accepted_over_http() {
    let fork = ForkName::Galileo;
    // The suite's sample chain: its chunk is the one every real-proof test shares, so the
    // proof cached by the first of them is reused here.
    let chain = sample_chain();
    let mq = B256::repeat_byte(0x42);
    let stored = seed::devnet_block_witness(&chain, fork, 1).unwrap();
    let chunk_witness = witness::chunk_witness_from_blocks([(1, stored.as_slice())], mq).unwrap();
    let proven = tokio::task::spawn_blocking(move || proven_chunk(&chunk_witness))
        .await
        .unwrap()
        .expect("a real chunk proof");
    let assets = assets_with_chunk_key_as_aggregation_keys(
        &proven.assets,
        fork,
        &test_dir().join("assets-chunk-key-as-aggregation-keys"),
    )
    .unwrap();
    let zk = AssetManifest::read(&assets.join(fork.as_str()), fork)
        .unwrap()
        .zk_version;

    for db in [TestDb::postgres().await, TestDb::sqlite().await] {
        let cfg = config_with(&db.url(), &[(assets.as_path(), fork)], &genesis(0, None));
        let server = Server::start(&db, cfg).await;
        let c = seed::store_devnet_chunk(&db, &chain, fork, 0, 1..=1, mq)
            .await
            .unwrap();
        let b = seed::store_batch(&db, 0, B256::ZERO, std::slice::from_ref(&c))
            .await
            .unwrap();
        // A second batch over no stored chunk cannot be inserted: nothing half-written.
        assert!(seed::store_batch(&db, 1, b.hash, &[]).await.is_err());

        let mut p = Prover::new(90, &server.base);
        p.vks = vec![vk_base64(&proven.assets, fork)];
        let c_token = p.challenge().await;
        let body = p.signed_login(
            &c_token,
            &format!("v4.5.0-abcdef1-{zk}"),
            &p.vks.clone(),
            &p.key.clone(),
        );
        let e = p.login_with(&c_token, &body).await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        p.token = e.data["token"].as_str().unwrap().to_string();

        let e = p.get_task().await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        let task: UniversalTask =
            serde_json::from_str(e.data["task_data"].as_str().unwrap()).unwrap();
        assert_eq!(task.vk, proven.proof.vk);
        let e = p.submit(&e.data.clone(), 0, &proven.proof_json).await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);

        // Verified: prover task valid, chunk verified with its proof, batch ready (one
        // transaction in rollproof_db::tasks::record_verified_proof).
        let row = chunk::get_by_hash(&*db, c.hash).await.unwrap().unwrap();
        assert_eq!(row.proving.proving_status, ProvingStatus::Verified);
        assert_eq!(
            row.proving.proof.as_deref(),
            Some(proven.proof_json.as_bytes())
        );
        let attempts = rollproof_db::prover_task::list_by_task(
            &*db,
            rollproof_primitives::TaskType::Chunk,
            c.hash,
        )
        .await
        .unwrap();
        assert_eq!(
            (attempts[0].proving_status, attempts[0].failure_type),
            (
                ProverTaskStatus::ProofValid,
                ProverTaskFailureType::Undefined
            )
        );
        let row = batch::get_by_hash(&*db, b.hash).await.unwrap().unwrap();
        assert_eq!(row.chunk_proofs_status, ProofsReadyStatus::Ready);
        assert_eq!(server.state.metrics.verifications_ok.get(), 1);

        // The batch task: built from the row and the verified chunk proof.
        let e = p
            .call(
                "POST",
                "get_task",
                &p.token,
                Some(br#"{"task_types":[2]}"#.to_vec()),
            )
            .await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        assert_eq!(e.data["task_type"], TaskType::Batch as u8);
        assert_eq!(e.data["task_id"], b.hash.to_string());
        let task: UniversalTask =
            serde_json::from_str(e.data["task_data"].as_str().unwrap()).unwrap();
        assert_eq!(task.identifier, b.hash.to_string());
        let input = task.batch_input().unwrap();
        assert_eq!(input.header.hash(), b.hash);
        assert_eq!(input.chunk_proofs, vec![proven.proof.clone()]);
        assert_eq!(Some(input.blob_envelope.clone()), b.blob_bytes);
        // The real chunk proof dressed as the batch proof (the task's metadata, the key the
        // task names, which here is the chunk key): the STARK verifies, but it reveals the
        // chunk's public-input hash, not the batch's, so it is refused and the attempt failed.
        let expected: rollproof_libzkp::BatchProofMetadata =
            serde_json::from_slice(&common::pt_of(&db, &e.data).await.metadata.unwrap()).unwrap();
        let forged = rollproof_libzkp::BatchProof {
            metadata: expected,
            proof: proven.proof.proof.clone(),
            vk: task.vk.clone(),
            git_version: "forged".into(),
        };
        let e2 = p
            .submit(&e.data.clone(), 0, &serde_json::to_string(&forged).unwrap())
            .await;
        assert_ne!(e2.errcode, 0);
        assert!(
            e2.errmsg.contains("public-input hash mismatch"),
            "{}",
            e2.errmsg
        );
        let attempts = rollproof_db::prover_task::list_by_task(&*db, TaskType::Batch, b.hash)
            .await
            .unwrap();
        assert_eq!(
            (attempts[0].proving_status, attempts[0].failure_type),
            (
                ProverTaskStatus::ProofInvalid,
                ProverTaskFailureType::VerificationFailed
            )
        );
        server.stop().await;
    }
}

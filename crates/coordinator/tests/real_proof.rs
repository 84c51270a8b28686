//! The coordinator accepts a REAL chunk proof over HTTP. Proving takes 5-35 minutes of both cores
//! (`rollproof_libzkp::testing::proven_chunk` caches the proof under the target dir, so only the
//! first run on a machine pays it). Its own test binary, so the other coordinator tests run
//! without it: `cargo test -p rollproof-coordinator --test real_proof`.

mod common;

use alloy_primitives::B256;
use common::{config_with, genesis, vk_base64, Prover, Server};
use rollproof_coordinator::seed;
use rollproof_db::{batch, chunk, testing::TestDb};
use rollproof_devnet::sample::sample_chain;
use rollproof_libzkp::{assets::AssetManifest, testing::proven_chunk, witness, UniversalTask};
use rollproof_primitives::{
    ForkName, ProofsReadyStatus, ProverTaskFailureType, ProverTaskStatus, ProvingStatus,
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
    let zk = AssetManifest::read(&proven.assets.join(fork.as_str()), fork)
        .unwrap()
        .zk_version;

    for db in [TestDb::postgres().await, TestDb::sqlite().await] {
        let cfg = config_with(
            &db.url(),
            &[(proven.assets.as_path(), fork)],
            &genesis(0, None),
        );
        let server = Server::start(&db, cfg).await;
        let c = seed::store_devnet_chunk(&db, &chain, fork, 0, 1..=1, mq)
            .await
            .unwrap();
        let b = rollproof_coordinator::testing::store_batch_of(&db, &c).await;

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
        let b = batch::get_by_hash(&*db, b.hash).await.unwrap().unwrap();
        assert_eq!(b.chunk_proofs_status, ProofsReadyStatus::Ready);
        assert_eq!(server.state.metrics.verifications_ok.get(), 1);
        server.stop().await;
    }
}

//! The coordinator over real HTTP (127.0.0.1:0, in-process), real signatures, real verifier
//! assets (`rollproof_libzkp::testing::chunk_assets`: a guest build and key generation the
//! first time on a machine, reused after), real devnet blocks with witnesses, and a fresh
//! PostgreSQL / SQLite database per test. No test here proves anything: the one real proof is
//! in `tests/real_proof.rs`.

mod common;

use std::time::Duration;

use alloy_primitives::B256;
use common::{
    assets, config, config_with, genesis, other_galileo_assets, pt_of, version, vk_base64, Prover,
    Server, CHAIN_ID,
};
use rollproof_coordinator::{app_state, cron, error, seed};
use rollproof_db::{chunk, l2_block, prover_task, testing::TestDb, Db};
use rollproof_devnet::{TxGenerator, TxKindGen};
use rollproof_libzkp::{ChunkProof, ChunkProofMetadata, UniversalTask};
use rollproof_primitives::{
    ForkName, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType,
};
use rollproof_stateless::NativeCrypto;
use serde_json::json;

macro_rules! backend_tests {
    ($($name:ident),+) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name(rollproof_db::testing::TestDb::postgres().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(rollproof_db::testing::TestDb::sqlite().await).await;
            }
        }
    )+};
}

/// `n` one-block galileoV2 chunks with real witnesses (indexes 0..n, blocks 1..=n).
async fn seed(db: &Db, n: u64) {
    seed::seed_devnet_chunks(db, CHAIN_ID, ForkName::GalileoV2, n)
        .await
        .unwrap();
}

backend_tests!(
    auth_negatives,
    bad_bodies,
    lifecycle,
    restart_loses_nothing,
    external_threshold,
    real_tasks_and_missing_witnesses,
    forged_proofs_are_verification_failures,
    fork_routing
);

async fn external_threshold(db: TestDb) {
    let mut cfg = config(&db.url());
    cfg.prover_manager.external_prover_threshold = 3;
    let server = Server::start(&db, cfg).await;
    seed(&db, 3).await;
    let mut ext = Prover::new(40, &server.base);
    ext.provider_type = 2;
    ext.login().await;
    let mut int = Prover::new(41, &server.base);
    int.login().await;
    // 3 unassigned: the external prover is served; then 2 left: only internal provers are.
    assert_eq!(ext.get_task().await.errcode, 0);
    let mut ext2 = Prover::new(42, &server.base);
    ext2.provider_type = 2;
    ext2.login().await;
    assert_eq!(ext2.get_task().await.errcode, error::NO_TASK);
    assert_eq!(int.get_task().await.errcode, 0);
    server.stop().await;
}

async fn auth_negatives(db: TestDb) {
    let server = Server::start(&db, config(&db.url())).await;
    let mut p = Prover::new(1, &server.base);
    let key = p.key.clone();
    let (version, vks) = (version(), p.vks.clone());

    // Forged signature: signed by another key.
    let c = p.challenge().await;
    let other = k256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let e = p
        .login_with(&c, &p.signed_login(&c, &version, &vks, &other))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    assert!(e.errmsg.contains("signature"), "{}", e.errmsg);

    // Wrong challenge: message names another challenge than the bearer.
    let c2 = p.challenge().await;
    let e = p
        .login_with(&c, &p.signed_login(&c2, &version, &vks, &key))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    // Not a token at all.
    let e = p
        .login_with("garbage", &p.signed_login("garbage", &version, &vks, &key))
        .await;
    assert_eq!(e.errcode, error::JWT_ERROR, "{}", e.errmsg);

    // Too old; another ZK version; no vk of a configured fork (a fork name is not a vk).
    let old = version.replacen("v4.5.0", "v4.3.0", 1);
    let e = p
        .login_with(&c, &p.signed_login(&c, &old, &vks, &key))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("older"), "{}", e.errmsg);
    for other_zk in ["v4.5.0-abcdef1-1234567-7654321", "v4.5.0-abcdef1"] {
        let e = p
            .login_with(&c, &p.signed_login(&c, other_zk, &vks, &key))
            .await;
        assert_eq!(e.errcode, error::BAD_PARAMETER);
        assert!(e.errmsg.contains("ZK version"), "{}", e.errmsg);
    }
    for bad_vks in [
        vec![],
        vec!["galileov2".to_string()],
        vec![vks[0][1..].to_string()],
    ] {
        let e = p
            .login_with(&c, &p.signed_login(&c, &version, &bad_vks, &key))
            .await;
        assert_eq!(e.errcode, error::BAD_PARAMETER);
        assert!(e.errmsg.contains("supports no fork"), "{}", e.errmsg);
    }

    // Replay: the first login succeeds, the same challenge again is refused.
    let body = p.signed_login(&c, &version, &vks, &key);
    assert_eq!(p.login_with(&c, &body).await.errcode, 0);
    let e = p.login_with(&c, &body).await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("replay"), "{}", e.errmsg);

    // Blocked key: refused at login and at get_task.
    p.login().await;
    rollproof_coordinator::tool::set_blocked(&db, &p.public_key(), "bad", true, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(p.get_task().await.errcode, error::GET_TASK_FAILURE);
    let c = p.challenge().await;
    let e = p
        .login_with(&c, &p.signed_login(&c, &version, &vks, &key))
        .await;
    assert!(e.errmsg.contains("blocked"), "{}", e.errmsg);

    // Expired login JWT -> 50001 (a coordinator with 1-second tokens).
    let mut cfg = config(&db.url());
    cfg.auth.login_expire_duration_sec = 1;
    let short = Server::start(&db, cfg).await;
    let mut q = Prover::new(2, &short.base);
    q.login().await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(q.get_task().await.errcode, error::JWT_EXPIRED);
    short.stop().await;
    server.stop().await;
}

async fn bad_bodies(db: TestDb) {
    let server = Server::start_with(
        app_state(config(&db.url()), (*db).clone()).unwrap(),
        256 * 1024,
    )
    .await;
    seed(&db, 1).await;
    let mut p = Prover::new(3, &server.base);
    p.login().await;
    let t = p.token.clone();
    for body in [
        &b"{not json"[..],
        br#"{"task_types":"chunk"}"#,
        br#"{"task_types":[9]}"#,
    ] {
        let e = p.call("POST", "get_task", &t, Some(body.to_vec())).await;
        assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    }
    let task = p.get_task().await.data;
    let e = p
        .call("POST", "submit_proof", &t, Some(br#"{"uuid": 5}"#.to_vec()))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    let big = json!({"uuid": task["uuid"], "task_id": task["task_id"], "task_type": 1, "status": 0,
        "proof": "x".repeat(300_000)});
    let e = p
        .call(
            "POST",
            "submit_proof",
            &t,
            Some(big.to_string().into_bytes()),
        )
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("body"), "{}", e.errmsg);
    // Nothing changed: still assigned.
    assert_eq!(
        pt_of(&db, &task).await.proving_status,
        ProverTaskStatus::Assigned
    );
    server.stop().await;
}

async fn lifecycle(db: TestDb) {
    let mut cfg = config(&db.url());
    cfg.prover_manager.chunk_collection_time_sec = 1;
    cfg.prover_manager.session_attempts = 3;
    let server = Server::start(&db, cfg.clone()).await;
    seed(&db, 2).await;
    let mut a = Prover::new(10, &server.base);
    let mut b = Prover::new(11, &server.base);
    a.login().await;
    b.login().await;

    // Re-delivery: the same prover asking again gets the same assignment.
    let t1 = a.get_task().await;
    assert_eq!(t1.errcode, 0, "{}", t1.errmsg);
    let again = a.get_task().await;
    assert_eq!(again.data, t1.data);
    // Another prover gets the other chunk, then nothing (provers_per_session 1).
    let t2 = b.get_task().await.data;
    assert_ne!(t2["task_id"], t1.data["task_id"]);

    // Not yours -> error, nothing changed.
    let e = b.submit(&t1.data, 1, "").await;
    assert_eq!(e.errcode, error::PROOF_FAILURE);
    assert_eq!(
        pt_of(&db, &t1.data).await.proving_status,
        ProverTaskStatus::Assigned
    );

    // Its own assignment under another task's id -> bad parameter, nothing changed.
    let mut other = t1.data.clone();
    other["task_id"] = t2["task_id"].clone();
    let e = a.submit(&other, 1, "").await;
    assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    assert_eq!(
        pt_of(&db, &t1.data).await.proving_status,
        ProverTaskStatus::Assigned
    );

    // A valid-status submission whose proof is not a wrapped proof: rejected and recorded as
    // verification failed.
    let e = a.submit(&t1.data, 0, "{\"proof\":1}").await;
    assert_eq!(e.errcode, error::PROOF_FAILURE);
    assert!(e.errmsg.contains("malformed proof"), "{}", e.errmsg);
    let pt = pt_of(&db, &t1.data).await;
    assert_eq!(
        (pt.proving_status, pt.failure_type),
        (
            ProverTaskStatus::ProofInvalid,
            ProverTaskFailureType::VerificationFailed
        )
    );
    // Submitting twice -> error.
    assert_eq!(
        a.submit(&t1.data, 1, "").await.errcode,
        error::PROOF_FAILURE
    );

    // Prover-reported failure recorded.
    assert_eq!(b.submit(&t2, 1, "").await.errcode, 0);
    let pt = pt_of(&db, &t2).await;
    assert_eq!(pt.failure_type, ProverTaskFailureType::SubmitStatusNotOk);

    // Never back to a prover among its last 2 failures: a and b swap.
    let t3 = a.get_task().await.data;
    assert_eq!(t3["task_id"], t2["task_id"]);
    // Timeout -> cron expires -> reassigned to b.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let report = cron::run_once(&db, &cfg).await.unwrap();
    assert!(report.timed_out >= 1, "{report:?}");
    assert_eq!(
        pt_of(&db, &t3).await.failure_type,
        ProverTaskFailureType::Timeout
    );
    // A late proof is still verified (and rejected here: garbage), without changing the
    // recorded timeout.
    let e = a.submit(&t3, 0, "{}").await;
    assert!(e.errmsg.contains("verification failed"), "{}", e.errmsg);
    // A late failure report changes nothing either.
    let e = a.submit(&t3, 1, "").await;
    assert_eq!(e.errcode, error::PROOF_FAILURE);
    assert!(e.errmsg.contains("timed out"), "{}", e.errmsg);
    assert_eq!(
        pt_of(&db, &t3).await.failure_type,
        ProverTaskFailureType::Timeout
    );
    let t4 = b.get_task().await.data;
    assert_eq!(t4["task_id"], t1.data["task_id"]);

    // Attempts exhausted -> failed: chunk 0 had t1 (a) and t4 (b); its third and last
    // assignment fails it.
    assert_eq!(b.submit(&t4, 1, "").await.errcode, 0);
    let mut c = Prover::new(12, &server.base);
    c.login().await;
    let t5 = c.get_task().await.data;
    assert_eq!(t5["task_id"], t1.data["task_id"]);
    assert_eq!(c.submit(&t5, 1, "").await.errcode, 0);
    let chunk = rollproof_db::chunk::get_by_hash(
        &*db,
        t1.data["task_id"].as_str().unwrap().parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(chunk.proving.proving_status, ProvingStatus::Failed);

    // Health and metrics agree with what happened.
    assert_eq!(c.call("GET", "health", "", None).await.errcode, 0);
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "coordinator_tasks{type=\"chunk\",status=\"failed\"} 1",
        // The db layer keeps a released task "assigned" with active_attempts 0.
        "coordinator_tasks{type=\"chunk\",status=\"assigned\"} 1",
        "coordinator_assignments_total 5",
        "coordinator_redeliveries_total 1",
        "coordinator_verifications_failed_total 2",
        "coordinator_prover_failures_total 3",
        "coordinator_task_build_failures_total 0",
        "coordinator_timeouts_total{type=\"chunk\"} 1",
        "coordinator_timeouts_total{type=\"batch\"} 0",
        "coordinator_verify_seconds_count 2",
        "coordinator_active_provers 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
    server.stop().await;
}

async fn restart_loses_nothing(db: TestDb) {
    seed(&db, 3).await;
    let server = Server::start(&db, config(&db.url())).await;
    let mut p = Prover::new(20, &server.base);
    p.login().await;
    let t = p.get_task().await.data;
    server.stop().await;
    // A new process: the same prover's token still works and its task is re-delivered.
    let server = Server::start(&db, config(&db.url())).await;
    p.base = server.base.clone();
    assert_eq!(p.get_task().await.data, t);
    assert_eq!(p.submit(&t, 1, "").await.errcode, 0);
    let t2 = p.get_task().await.data;
    assert_ne!(t2["task_id"], t["task_id"]);
    server.stop().await;
}

/// A chunk over two devnet blocks with transactions gets a real universal task; a chunk whose
/// block has no witness yet is refused with 20002 and released, and is claimable again once
/// the witness is stored; batch and bundle tasks are never handed out.
async fn real_tasks_and_missing_witnesses(db: TestDb) {
    let server = Server::start(&db, config(&db.url())).await;
    let fork = ForkName::GalileoV2;
    let mut generator = TxGenerator::new(CHAIN_ID, b"coordinator tasks", 2);
    let mut chain = seed::devnet_chain(CHAIN_ID, fork, &generator);
    let deploy = generator.deploy_erc20(alloy_primitives::U256::from(10u64.pow(18)));
    chain
        .build_block(vec![deploy, generator.next(TxKindGen::EthTransfer)])
        .unwrap();
    let erc20 = (0..2)
        .map(|_| generator.next(TxKindGen::Erc20Transfer))
        .collect();
    chain.build_block(erc20).unwrap();
    chain
        .build_block(vec![generator.next(TxKindGen::EthTransfer)])
        .unwrap();
    let mq = B256::repeat_byte(7);
    let c0 = seed::store_devnet_chunk(&db, &chain, fork, 0, 1..=2, mq)
        .await
        .unwrap();
    // Block 3 is stored without its witness.
    l2_block::insert_many(&*db, &seed::devnet_block_rows(&chain, 3..=3))
        .await
        .unwrap();
    let c1 = seed::devnet_chunk(&chain, fork, 1, 3..=3, mq);
    chunk::insert(&*db, &c1).await.unwrap();

    let mut p = Prover::new(50, &server.base);
    p.login().await;
    let e = p.get_task().await;
    assert_eq!(e.errcode, 0, "{}", e.errmsg);
    let t = e.data.clone();
    assert_eq!(t["task_id"], c0.hash.to_string());
    assert_eq!(t["hard_fork_name"], "galileov2");
    let task: UniversalTask = serde_json::from_str(t["task_data"].as_str().unwrap()).unwrap();
    assert_eq!(task.fork_name, fork);
    assert_eq!(
        task.vk,
        rollproof_libzkp::verifier::vk_id(
            &rollproof_libzkp::assets::load_chunk_vk(assets(), fork).unwrap()
        )
    );
    assert_eq!(task.identifier, "1-2");
    assert!(task.aggregated_proofs.is_empty());
    let witness = task.chunk_witness().unwrap();
    assert_eq!(witness.input.blocks.len(), 2);
    let info = witness.validate(&NativeCrypto).unwrap();
    assert_eq!(
        (info.prev_msg_queue_hash, info.post_state_root),
        (mq, c0.state_root)
    );
    // The assignment records what its proof must claim.
    let pt = pt_of(&db, &t).await;
    let expected: ChunkProofMetadata = serde_json::from_slice(&pt.metadata.unwrap()).unwrap();
    assert_eq!(expected.chunk_info, info);
    assert_eq!(expected.fork_name, fork);
    // Re-delivery builds the same task again.
    assert_eq!(p.get_task().await.data, t);

    // The next chunk's block has no witness: 20002, and the assignment is released.
    let mut q = Prover::new(51, &server.base);
    q.login().await;
    let e = q.get_task().await;
    assert_eq!(e.errcode, error::GET_TASK_FAILURE, "{}", e.errmsg);
    assert!(
        e.errmsg.contains("block 3 has no stored witness"),
        "{}",
        e.errmsg
    );
    let attempts = prover_task::list_by_task(&*db, TaskType::Chunk, c1.hash)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (attempts[0].proving_status, attempts[0].failure_type),
        (
            ProverTaskStatus::ProofInvalid,
            ProverTaskFailureType::ServerError
        )
    );
    let row = chunk::get_by_hash(&*db, c1.hash).await.unwrap().unwrap();
    assert_eq!(
        (row.proving.active_attempts, row.proving.total_attempts),
        (0, 1)
    );
    assert_eq!(server.state.metrics.task_build_failures.get(), 1);
    // Nothing is held by q: asking again does not re-deliver a dead assignment.
    assert_eq!(
        prover_task::find_assigned(&*db, &q.public_key(), &[TaskType::Chunk])
            .await
            .unwrap(),
        None
    );

    // Once the witness is stored, the chunk is handed out (to a prover that did not just
    // fail on it).
    let stored = seed::devnet_block_witness(&chain, fork, 3).unwrap();
    assert!(l2_block::set_witness(&*db, 3, &stored).await.unwrap());
    let mut r = Prover::new(52, &server.base);
    r.login().await;
    let e = r.get_task().await;
    assert_eq!(e.errcode, 0, "{}", e.errmsg);
    assert_eq!(e.data["task_id"], c1.hash.to_string());
    let task: UniversalTask = serde_json::from_str(e.data["task_data"].as_str().unwrap()).unwrap();
    assert_eq!(task.identifier, "3-3");

    // Batch and bundle tasks are not handed out: these assets hold no batch or bundle circuit.
    let e = r
        .call(
            "POST",
            "get_task",
            &r.token,
            Some(br#"{"task_types":[2,3]}"#.to_vec()),
        )
        .await;
    assert_eq!(e.errcode, error::NO_TASK, "{}", e.errmsg);
    assert!(e.errmsg.contains("aggregation assets"), "{}", e.errmsg);
    server.stop().await;
}

/// Submitted proofs that are not real proofs of the assigned chunk are rejected through the
/// HTTP API and recorded as verification failures (failure type 3), releasing the attempt.
async fn forged_proofs_are_verification_failures(db: TestDb) {
    seed(&db, 4).await;
    let server = Server::start(&db, config(&db.url())).await;
    let mut provers = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..4 {
        let mut p = Prover::new(70 + i, &server.base);
        p.login().await;
        let e = p.get_task().await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        tasks.push(e.data);
        provers.push(p);
    }
    let expected = |pt: &prover_task::ProverTask| -> ChunkProofMetadata {
        serde_json::from_slice(pt.metadata.as_ref().unwrap()).unwrap()
    };
    let task_vk = |t: &serde_json::Value| -> Vec<u8> {
        serde_json::from_str::<UniversalTask>(t["task_data"].as_str().unwrap())
            .unwrap()
            .vk
    };
    let pt0 = pt_of(&db, &tasks[0]).await;
    let forged = |metadata: ChunkProofMetadata, vk: Vec<u8>| {
        serde_json::to_string(&ChunkProof {
            metadata,
            proof: (0..4096u32).map(|i| (i * 7) as u8).collect(),
            vk,
            git_version: "forger".into(),
        })
        .unwrap()
    };
    let cases = [
        // Garbage.
        ("not json at all".to_string(), "malformed proof"),
        // The right metadata and key, but STARK bytes that are no proof.
        (
            forged(expected(&pt_of(&db, &tasks[1]).await), task_vk(&tasks[1])),
            "invalid proof",
        ),
        // Another chunk's metadata (chunk 0's, for chunk 2).
        (forged(expected(&pt0), task_vk(&tasks[2])), "another task"),
        // The right metadata, but claiming another verifying key.
        (
            forged(expected(&pt_of(&db, &tasks[3]).await), vec![1, 2, 3]),
            "another verifying key",
        ),
    ];
    for (i, (proof, reason)) in cases.into_iter().enumerate() {
        let e = provers[i].submit(&tasks[i], 0, &proof).await;
        assert_eq!(e.errcode, error::PROOF_FAILURE, "case {i}");
        assert!(e.errmsg.contains(reason), "case {i}: {}", e.errmsg);
        let pt = pt_of(&db, &tasks[i]).await;
        assert_eq!(
            (pt.proving_status, pt.failure_type),
            (
                ProverTaskStatus::ProofInvalid,
                ProverTaskFailureType::VerificationFailed
            ),
            "case {i}"
        );
        let row = chunk::get_by_hash(&*db, pt.task_id).await.unwrap().unwrap();
        assert_eq!(row.proving.active_attempts, 0, "case {i}");
        assert_ne!(row.proving.proving_status, ProvingStatus::Verified);
    }
    assert_eq!(server.state.metrics.verifications_failed.get(), 4);
    assert_eq!(server.state.metrics.verifications_ok.get(), 0);
    server.stop().await;
}

/// A task goes only to provers whose login vks include its fork's key: with distinct galileo
/// and galileoV2 keys, a galileo-only prover never gets a galileoV2 chunk.
async fn fork_routing(db: TestDb) {
    let galileo = other_galileo_assets();
    let (galileo_vk, v2_vk) = (
        vk_base64(galileo, ForkName::Galileo),
        vk_base64(assets(), ForkName::GalileoV2),
    );
    assert_ne!(
        galileo_vk, v2_vk,
        "the routing test needs two distinct keys"
    );
    let cfg = config_with(
        &db.url(),
        &[
            (galileo, ForkName::Galileo),
            (assets(), ForkName::GalileoV2),
        ],
        &genesis(0, Some(1000)),
    );
    let server = Server::start(&db, cfg).await;
    // Chunk 0: a galileo devnet block 1. Chunk 100: blocks 1001..=1010, galileoV2 by the
    // schedule (not stored: its task cannot be built, which is how we see who claimed it).
    let generator = TxGenerator::new(CHAIN_ID, b"routing", 1);
    let mut chain = seed::devnet_chain(CHAIN_ID, ForkName::Galileo, &generator);
    chain.build_block(Vec::new()).unwrap();
    let c0 = seed::store_devnet_chunk(&db, &chain, ForkName::Galileo, 0, 1..=1, B256::ZERO)
        .await
        .unwrap();
    seed::seed_synthetic_chunks(&db, 100, 1).await.unwrap();

    // Each set of assets has its own ZK version; a prover names the one of its circuits.
    let galileo_version = format!(
        "v4.5.0-abcdef1-{}",
        common::zk_version(galileo, ForkName::Galileo)
    );
    assert_ne!(galileo_version, version());
    let prover = |seed: u64, vks: Vec<String>, version: &str| {
        let mut p = Prover::new(seed, &server.base);
        p.vks = vks;
        p.version = version.to_string();
        p
    };
    let mut g1 = prover(60, vec![galileo_vk.clone()], &galileo_version);
    g1.login().await;
    let forks = server
        .state
        .tokens
        .check_login(&g1.token)
        .unwrap()
        .hard_fork_name;
    assert_eq!(forks, "galileo");
    let t = g1.get_task().await;
    assert_eq!(t.errcode, 0, "{}", t.errmsg);
    assert_eq!(t.data["task_id"], c0.hash.to_string());
    assert_eq!(t.data["hard_fork_name"], "galileo");
    let task: UniversalTask = serde_json::from_str(t.data["task_data"].as_str().unwrap()).unwrap();
    assert_eq!(
        task.vk,
        rollproof_libzkp::verifier::vk_id(
            &rollproof_libzkp::assets::load_chunk_vk(galileo, ForkName::Galileo).unwrap()
        )
    );

    // Another galileo-only prover: the galileoV2 chunk is unassigned, yet not for it.
    let mut g2 = prover(
        61,
        vec![galileo_vk.clone(), "not a key".into()],
        &galileo_version,
    );
    g2.login().await;
    let e = g2.get_task().await;
    assert_eq!(e.errcode, error::NO_TASK, "{}", e.errmsg);
    let c100 = chunk::get_by_index(&*db, 100).await.unwrap().unwrap();
    assert_eq!(c100.proving.proving_status, ProvingStatus::Unassigned);

    // A galileoV2 prover claims it (and gets 20002: its blocks are not stored).
    let mut v2 = prover(62, vec![v2_vk.clone()], &version());
    v2.login().await;
    let e = v2.get_task().await;
    assert_eq!(e.errcode, error::GET_TASK_FAILURE, "{}", e.errmsg);
    assert!(
        e.errmsg.contains("only 0 of them are stored"),
        "{}",
        e.errmsg
    );
    // A fork counts only with its own ZK version: both keys, the galileoV2 circuits' version.
    let mut both = prover(63, vec![v2_vk.clone(), galileo_vk.clone()], &version());
    both.login().await;
    let forks = server
        .state
        .tokens
        .check_login(&both.token)
        .unwrap()
        .hard_fork_name;
    assert_eq!(forks, "galileov2");
    // The galileo key under the galileoV2 circuits' version is no fork at all.
    let mut mixed = prover(64, vec![galileo_vk], &version());
    let e = mixed.try_login().await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("supports no fork"), "{}", e.errmsg);
    server.stop().await;
}

/// Startup refuses bad verifier assets and a missing genesis, naming the config field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_names_the_bad_field() {
    let db = TestDb::sqlite().await;
    let dir = std::env::temp_dir().join(format!("rollproof-bad-assets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fork = ForkName::GalileoV2;
    let genesis = genesis(0, Some(0));
    let refused = |cfg: rollproof_coordinator::Config| match app_state(cfg, (*db).clone()) {
        Ok(_) => panic!("startup accepted a bad config"),
        Err(e) => e.to_string(),
    };

    // An empty folder; the fork's own folder instead of the assets root.
    for root in [dir.clone(), assets().join(fork.as_str())] {
        let err = refused(config_with(&db.url(), &[(root.as_path(), fork)], &genesis));
        assert!(
            err.contains("prover_manager.verifier.verifiers[0].assets_path")
                && err.contains("galileov2/manifest.json"),
            "{err}"
        );
    }
    // A corrupt verifying key (second entry).
    let copy = dir.join("copy");
    let fork_dir = copy.join(fork.as_str());
    std::fs::create_dir_all(fork_dir.join("chunk")).unwrap();
    for file in ["manifest.json", "chunk/vk.bin"] {
        std::fs::copy(assets().join(fork.as_str()).join(file), fork_dir.join(file)).unwrap();
    }
    let vk = fork_dir.join("chunk/vk.bin");
    let mut bytes = std::fs::read(&vk).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&vk, bytes).unwrap();
    let err = refused(config_with(
        &db.url(),
        &[(assets(), ForkName::Galileo), (copy.as_path(), fork)],
        &genesis,
    ));
    assert!(
        err.contains("verifiers[1].assets_path") && err.contains("sha256"),
        "{err}"
    );
    // No verifier at all; no genesis.
    let err = refused(config_with(&db.url(), &[], &genesis));
    assert!(err.contains("prover_manager.verifier.verifiers"), "{err}");
    let mut cfg = config(&db.url());
    cfg.l2.genesis_path = None;
    assert!(refused(cfg).contains("l2.genesis_path"));
    let mut cfg = config(&db.url());
    cfg.l2.genesis_path = Some(dir.join("missing.json").display().to_string());
    assert!(refused(cfg).contains("l2.genesis_path"));
    // The good config starts.
    app_state(config(&db.url()), (*db).clone()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// 50 provers race for 500 tasks against two API replicas on one PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_two_replicas_postgres() {
    let db = TestDb::postgres().await;
    seed(&db, 500).await;
    let mut cfg = config(&db.url());
    cfg.prover_manager.session_attempts = 1;
    let s1 = Server::start(&db, cfg.clone()).await;
    let s2 = Server::start(&db, cfg).await;
    let mut joins = Vec::new();
    for i in 0..50u64 {
        let base = if i % 2 == 0 {
            s1.base.clone()
        } else {
            s2.base.clone()
        };
        joins.push(tokio::spawn(async move {
            let mut p = Prover::new(100 + i, &base);
            p.login().await;
            let mut done = Vec::new();
            let mut held = None;
            loop {
                let e = p.get_task().await;
                if e.errcode == error::NO_TASK {
                    break;
                }
                assert_eq!(e.errcode, 0, "{}", e.errmsg);
                // Every 7th prover holds its first task (never submits).
                if i % 7 == 0 && held.is_none() {
                    held = Some(e.data.clone());
                    break;
                }
                assert_eq!(p.submit(&e.data, 1, "").await.errcode, 0);
                done.push(e.data["task_id"].as_str().unwrap().to_string());
            }
            (done, held)
        }));
    }
    let mut seen = std::collections::HashSet::new();
    let mut held = 0;
    for j in joins {
        let (done, h) = j.await.unwrap();
        for id in done {
            assert!(seen.insert(id), "a task was assigned twice");
        }
        if let Some(h) = h {
            assert!(seen.insert(h["task_id"].as_str().unwrap().to_string()));
            held += 1;
        }
    }
    assert_eq!(seen.len(), 500, "every task assigned exactly once");
    let counts = rollproof_db::stats::task_status_counts(&*db).await.unwrap();
    let get = |s| {
        counts
            .iter()
            .filter(|c| c.task_type == TaskType::Chunk && c.status == s)
            .map(|c| c.count)
            .sum::<u64>()
    };
    assert_eq!(get(ProvingStatus::Failed), 500 - held);
    assert_eq!(get(ProvingStatus::Assigned), held);
    let m1 = s1.state.metrics.assignments.get() + s2.state.metrics.assignments.get();
    assert_eq!(m1, 500);
    s1.stop().await;
    s2.stop().await;
}

/// Two crons at once on one PostgreSQL time out each assignment exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_crons_postgres() {
    let db = TestDb::postgres().await;
    seed(&db, 40).await;
    let mut cfg = config(&db.url());
    cfg.prover_manager.chunk_collection_time_sec = 1;
    let server = Server::start(&db, cfg.clone()).await;
    for i in 0..40 {
        let mut p = Prover::new(300 + i, &server.base);
        p.login().await;
        assert_eq!(p.get_task().await.errcode, 0);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (r1, r2) = tokio::join!(cron::run_once(&db, &cfg), cron::run_once(&db, &cfg));
    assert_eq!(r1.unwrap().timed_out + r2.unwrap().timed_out, 40);
    server.stop().await;
}

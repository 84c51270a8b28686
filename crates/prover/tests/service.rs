//! The prover service against a real coordinator (in-process API over a real database):
//! - it keeps retrying while the coordinator is down, then logs in; a task for a fork it has
//!   no circuit for is handed back as a failed attempt and the prover carries on (cheap);
//! - the real `prover` binary proves a real chunk task; killed mid-proof and restarted, it
//!   resumes the task from its local store and the chunk ends verified with one attempt
//!   (one real proof: minutes of both cores).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy_primitives::B256;
use rollproof_coordinator::{
    api, app_state, seed,
    testing::{config_with, genesis, store_batch_of, Server, CHAIN_ID},
};
use rollproof_db::{chunk, prover_task, testing::TestDb, Db};
use rollproof_devnet::sample::sample_chain;
use rollproof_primitives::{
    ForkName, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType,
};
use rollproof_prover::{config::Config, tools};
use rollproof_zkvm::ProvingParams;
use serde_json::json;

/// A coordinator config over `db` verifying `forks` with `assets`, the fork schedule of
/// `genesis`, accepting this build's version.
fn coordinator_config(
    db: &TestDb,
    assets: &Path,
    forks: &[ForkName],
    genesis: &Path,
) -> rollproof_coordinator::config::Config {
    let verifiers: Vec<(&Path, ForkName)> = forks.iter().map(|fork| (assets, *fork)).collect();
    let mut config = config_with(&db.url(), &verifiers, genesis);
    config.prover_manager.verifier.min_prover_version = rollproof_prover::build_version()
        .split('-')
        .next()
        .unwrap()
        .to_string();
    config
}

/// The chunk assets of the current guest for both forks (built once per machine and cached;
/// looked up once per test process).
fn assets() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        rollproof_libzkp::testing::chunk_assets(
            &[ForkName::Galileo, ForkName::GalileoV2],
            ProvingParams::default(),
        )
        .expect("chunk assets (guest toolchain: source scripts/env.sh)")
    })
    .clone()
}

/// A prover config in `dir` for the coordinator at `base`, with circuits for `forks`.
fn prover_config(dir: &Path, base: &str, assets: &Path, forks: &[ForkName]) -> serde_json::Value {
    let circuits: serde_json::Map<String, serde_json::Value> = forks
        .iter()
        .map(|fork| (fork.as_str().to_string(), json!({"workspace_path": assets})))
        .collect();
    json!({
        "sdk_config": {
            "prover_name_prefix": "test-prover",
            "keys_dir": dir.join("keys"),
            "db_path": dir.join("db"),
            "coordinator": {"base_url": base, "retry_count": 2, "retry_wait_time_sec": 1,
                "connection_timeout_sec": 10},
            "prover": {"supported_proof_types": [1], "circuit_version": "test", "n_workers": 1},
            "health_listener_addr": "127.0.0.1:0"
        },
        "circuits": circuits
    })
}

/// Stores the sample chain's block 1 as chunk 0 (and batch 0) of `fork`.
async fn seed_sample_chunk(db: &Db, fork: ForkName) -> chunk::ChunkData {
    let chunk =
        seed::store_devnet_chunk(db, &sample_chain(), fork, 0, 1..=1, B256::repeat_byte(0x42))
            .await
            .unwrap();
    store_batch_of(db, &chunk).await;
    chunk
}

async fn attempts(db: &Db, chunk: &chunk::ChunkData) -> Vec<prover_task::ProverTask> {
    prover_task::list_by_task(db, TaskType::Chunk, chunk.hash)
        .await
        .unwrap()
}

/// Polls `condition` every 200 ms until it holds or `limit` passes.
async fn wait_for<F, Fut>(limit: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_prover_waits_for_the_coordinator_and_hands_back_a_fork_it_cannot_prove() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_test_writer()
        .try_init();
    let assets = assets();
    let db = TestDb::sqlite().await;
    // Both forks share one verifying key, so a prover with a galileo circuit is routed
    // galileoV2 tasks too: it must refuse them cleanly, not prove them with the wrong rules.
    let coordinator = coordinator_config(
        &db,
        &assets,
        &[ForkName::Galileo, ForkName::GalileoV2],
        &genesis(0, Some(0)),
    );
    let fork = ForkName::GalileoV2;
    let chain = seed::seed_devnet_chunks(&db, CHAIN_ID, fork, 1)
        .await
        .unwrap();
    let chunk = seed::devnet_chunk(&chain, fork, 0, 1..=1, B256::ZERO);

    // The coordinator's address is known before it listens: the prover starts against nothing.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config: Config = serde_json::from_value(prover_config(
        dir.path(),
        &format!("http://{addr}"),
        &assets,
        &[ForkName::Galileo],
    ))
    .unwrap();
    config.validate().unwrap();
    let prover = tokio::spawn(rollproof_prover::service::run_service(
        config,
        Duration::from_millis(500),
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(attempts(&db, &chunk).await.is_empty());
    assert!(
        !prover.is_finished(),
        "the prover gave up while the coordinator was down"
    );

    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let server = Server::start_on(
        listener,
        app_state(coordinator, (*db).clone()).unwrap(),
        api::DEFAULT_BODY_LIMIT,
    );
    wait_for(
        Duration::from_secs(120),
        "the handed-back attempt",
        || async {
            attempts(&db, &chunk)
                .await
                .iter()
                .any(|a| a.failure_type == ProverTaskFailureType::SubmitStatusNotOk)
        },
    )
    .await;
    let attempts = attempts(&db, &chunk).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        attempts[0].failure_type,
        ProverTaskFailureType::SubmitStatusNotOk
    );
    assert_eq!(attempts[0].prover_name, "test-prover-0");
    let row = chunk::get_by_hash(&*db, chunk.hash).await.unwrap().unwrap();
    assert_ne!(row.proving.proving_status, ProvingStatus::Verified);
    // The prover carries on (polling; the coordinator does not give it the task again).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !prover.is_finished(),
        "the prover stopped after refusing a task"
    );
    assert!(
        !dir.path().join("db/worker-0.json").exists(),
        "the refused task stays stored"
    );
    prover.abort();
    server.stop().await;
}

/// The `prover` binary as a child process, its log in `log`.
fn spawn_prover(config: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_prover"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--poll-interval-sec",
            "1",
        ])
        .env("RUST_LOG", "warn,rollproof_prover=info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the prover binary starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_real_chunk_task_is_proven_resumed_after_a_kill_and_verified_once() {
    let assets = assets();
    let db = TestDb::sqlite().await;
    let fork = ForkName::Galileo;
    let server = Server::start(
        &db,
        coordinator_config(&db, &assets, &[fork], &genesis(0, None)),
    )
    .await;
    let chunk = seed_sample_chunk(&db, fork).await;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        prover_config(dir.path(), &server.base, &assets, &[fork]).to_string(),
    )
    .unwrap();
    let log = dir.path().join("prover.log");
    let stored = dir.path().join("db/worker-0.json");

    // First run: killed (SIGKILL, no clean-up) once it has taken the task and started.
    let mut first = spawn_prover(&config, &log);
    wait_for(
        Duration::from_secs(300),
        "the task in the local store",
        || async { stored.exists() },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    first.kill().unwrap();
    first.wait().unwrap();
    let row = chunk::get_by_hash(&*db, chunk.hash).await.unwrap().unwrap();
    assert_ne!(row.proving.proving_status, ProvingStatus::Verified);
    assert!(stored.exists(), "the in-flight task survives the kill");

    // Second run: resumes the stored task, proves, submits, forgets it.
    let mut second = spawn_prover(&config, &log);
    let limit = Duration::from_secs(90 * 60);
    wait_for(limit, "the verified chunk", || async {
        let row = chunk::get_by_hash(&*db, chunk.hash).await.unwrap().unwrap();
        row.proving.proving_status == ProvingStatus::Verified
    })
    .await;
    wait_for(Duration::from_secs(30), "the cleared store", || async {
        !stored.exists()
    })
    .await;
    second.kill().unwrap();
    second.wait().unwrap();

    let attempts = attempts(&db, &chunk).await;
    assert_eq!(attempts.len(), 1, "one assignment, proven once");
    assert_eq!(attempts[0].proving_status, ProverTaskStatus::ProofValid);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("resuming the stored task"), "{log}");
    assert_eq!(server.state.metrics.verifications_ok.get(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dump_writes_tasks_that_read_back_and_the_tools_refuse_bad_input() {
    let assets = assets();
    let db = TestDb::sqlite().await;
    let forks = [ForkName::Galileo, ForkName::GalileoV2];
    let coordinator = coordinator_config(&db, &assets, &forks, &genesis(0, Some(0)));
    let fork = ForkName::GalileoV2;
    let chain = seed::seed_devnet_chunks(&db, CHAIN_ID, fork, 2)
        .await
        .unwrap();
    let chunks: Vec<_> = (0..2)
        .map(|i| seed::devnet_chunk(&chain, fork, i, i + 1..=i + 1, B256::ZERO))
        .collect();
    let server = Server::start(&db, coordinator).await;
    let dir = tempfile::tempdir().unwrap();
    let config: Config =
        serde_json::from_value(prover_config(dir.path(), &server.base, &assets, &[fork])).unwrap();
    let out = dir.path().join("dumps");
    let vk_id = rollproof_libzkp::verifier::vk_id(
        &rollproof_libzkp::assets::load_chunk_vk(&assets, fork).unwrap(),
    );

    // Chunk 0 in binary, chunk 1 in JSON: both read back into their block's task.
    for (i, json) in [(0usize, false), (1, true)] {
        let id = chunks[i].hash.to_string();
        let folder = tools::dump(&config, TaskType::Chunk, &id, &out, json)
            .await
            .unwrap();
        assert!(folder
            .join(if json { "witness.json" } else { "witness.bin" })
            .exists());
        let dump = tools::read_dump(&folder).unwrap();
        assert_eq!(dump.task_type, TaskType::Chunk);
        let task = dump.task;
        assert_eq!(task.fork_name, fork);
        assert_eq!(task.vk, vk_id);
        let witness = task.chunk_witness().unwrap();
        assert_eq!(witness.chain_id, CHAIN_ID);
        assert_eq!(witness.input.blocks.len(), 1);
        assert_eq!(witness.input.blocks[0].header.number, i as u64 + 1);
        // Handed back at once as a failed attempt of the tool's own identity.
        let tried = attempts(&db, &chunks[i]).await;
        assert_eq!(tried.len(), 1);
        assert_eq!(tried[0].prover_name, "test-prover-tool");
        assert_eq!(
            tried[0].failure_type,
            ProverTaskFailureType::SubmitStatusNotOk
        );
    }
    // The tool just failed chunk 0: the coordinator does not hand it to the tool again.
    let again = tools::dump(
        &config,
        TaskType::Chunk,
        &chunks[0].hash.to_string(),
        &out,
        false,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(again.contains("no claimable chunk task"), "{again}");
    let unknown = tools::dump(
        &config,
        TaskType::Chunk,
        &B256::repeat_byte(7).to_string(),
        &out,
        false,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(unknown.contains("no claimable chunk task"), "{unknown}");
    let malformed = tools::dump(&config, TaskType::Chunk, "0x1234", &out, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(malformed.contains("not a 32-byte hex hash"), "{malformed}");
    // These assets hold no batch circuit: the coordinator hands out no batch task.
    let batch = tools::dump(
        &config,
        TaskType::Batch,
        &B256::repeat_byte(8).to_string(),
        &out,
        false,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(batch.contains("no claimable batch task"), "{batch}");

    // prove-file refuses a damaged dump before any proving.
    let folder = out.join(format!("chunk-{}", chunks[0].hash));
    let bin = folder.join("witness.bin");
    let bytes = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = tools::prove_file(&config, &folder)
        .await
        .unwrap_err()
        .to_string();
    assert!(damaged.contains("the chunk task"), "{damaged}");
    std::fs::write(&bin, &bytes).unwrap();
    let meta = folder.join("task.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(&meta, text.replace("galileov2", "galileo")).unwrap();
    let mismatch = tools::read_dump(&folder).unwrap_err().to_string();
    assert!(
        mismatch.contains("the witness is for fork galileov2"),
        "{mismatch}"
    );
    assert!(!folder.join("proof.json").exists());

    // handle: an empty set, and a task the coordinator cannot hand out.
    let empty = tools::handle(&config, &tools::TestSet::default())
        .await
        .unwrap_err();
    assert!(empty.to_string().contains("names no task"), "{empty}");
    let set = tools::TestSet {
        chunks: vec![B256::repeat_byte(9).to_string()],
        ..tools::TestSet::default()
    };
    let missing = tools::handle(&config, &set).await.unwrap_err().to_string();
    assert!(missing.contains("no claimable chunk task"), "{missing}");
    server.stop().await;
}

//! The coordinator over real HTTP (127.0.0.1:0, in-process), real signatures and a fresh
//! PostgreSQL / SQLite database per test.

use std::{sync::Arc, time::Duration};

use k256::ecdsa::SigningKey;
use rollproof_coordinator::{
    api::{self, AppState},
    app_state,
    auth::LoginMessage,
    config::Config,
    cron,
    error::{self, Envelope},
    tool,
};
use rollproof_db::{prover_task, testing::TestDb, Db, Uuid};
use rollproof_primitives::{ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType};
use serde_json::{json, Value};

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

fn config(dsn: &str) -> Config {
    let json = json!({
        "prover_manager": {"provers_per_session": 1, "session_attempts": 3,
            "chunk_collection_time_sec": 3600, "batch_collection_time_sec": 3600,
            "bundle_collection_time_sec": 3600,
            "verifier": {"min_prover_version": "v4.4.0", "verifiers": []}},
        "db": {"driver_name": "postgres", "dsn": dsn, "maxOpenNum": 20, "maxIdleNum": 2},
        "l2": {"chain_id": 534352},
        "auth": {"secret": "test-secret-0123456789", "challenge_expire_duration_sec": 10,
            "login_expire_duration_sec": 3600}
    });
    Config::from_json_with_env(&json.to_string(), []).unwrap()
}

struct Server {
    base: String,
    state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start_with(state: Arc<AppState>, body_limit: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = api::router(state.clone(), body_limit);
        let handle = tokio::spawn(async move {
            api::serve(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            state,
            stop: Some(tx),
            handle,
        }
    }

    async fn start(db: &Db, config: Config) -> Self {
        Self::start_with(app_state(config, db.clone()), api::DEFAULT_BODY_LIMIT).await
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.handle.await.unwrap();
    }
}

struct Prover {
    key: SigningKey,
    http: reqwest::Client,
    base: String,
    token: String,
    name: String,
    provider_type: u8,
}

const VERSION: &str = "v4.5.0-abcdef1-1234567-7654321";

impl Prover {
    fn new(seed: u64, base: &str) -> Self {
        let mut bytes = [0u8; 32];
        bytes[0] = 1;
        bytes[24..].copy_from_slice(&seed.to_be_bytes());
        Self {
            key: SigningKey::from_slice(&bytes).unwrap(),
            http: reqwest::Client::new(),
            base: base.into(),
            token: String::new(),
            name: format!("prover-{seed}"),
            provider_type: 1,
        }
    }

    fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_sec1_bytes())
    }

    async fn call(&self, method: &str, path: &str, token: &str, body: Option<Vec<u8>>) -> Envelope {
        let url = format!("{}/coordinator/v1/{path}", self.base);
        let mut req = if method == "GET" {
            self.http.get(url)
        } else {
            self.http.post(url)
        };
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn challenge(&self) -> String {
        let e = self.call("GET", "challenge", "", None).await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        e.data["token"].as_str().unwrap().to_string()
    }

    fn signed_login(
        &self,
        challenge: &str,
        version: &str,
        vks: &[&str],
        signer: &SigningKey,
    ) -> Value {
        let message = LoginMessage {
            challenge: challenge.into(),
            prover_version: version.into(),
            prover_name: self.name.clone(),
            prover_provider_type: self.provider_type,
            prover_types: vec![1],
            vks: vks.iter().map(|v| v.to_string()).collect(),
        };
        let (sig, recid) = signer.sign_prehash_recoverable(&message.hash()).unwrap();
        let mut sig = sig.to_bytes().to_vec();
        sig.push(recid.to_byte());
        json!({"message": message, "public_key": self.public_key(), "signature": hex::encode(sig)})
    }

    async fn login_with(&self, bearer: &str, body: &Value) -> Envelope {
        self.call("POST", "login", bearer, Some(body.to_string().into_bytes()))
            .await
    }

    async fn login(&mut self) {
        let c = self.challenge().await;
        let body = self.signed_login(&c, VERSION, &["galileoV2"], &self.key.clone());
        let e = self.login_with(&c, &body).await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        self.token = e.data["token"].as_str().unwrap().to_string();
    }

    async fn get_task(&self) -> Envelope {
        self.call(
            "POST",
            "get_task",
            &self.token,
            Some(br#"{"task_types":[1]}"#.to_vec()),
        )
        .await
    }

    async fn submit(&self, task: &Value, status: u8, proof: &str) -> Envelope {
        let body = json!({"uuid": task["uuid"], "task_id": task["task_id"], "task_type": task["task_type"],
            "status": status, "proof": proof, "failure_type": 2, "failure_msg": "out of memory"});
        self.call(
            "POST",
            "submit_proof",
            &self.token,
            Some(body.to_string().into_bytes()),
        )
        .await
    }
}

async fn pt_of(db: &Db, task: &Value) -> prover_task::ProverTask {
    let uuid: Uuid = task["uuid"].as_str().unwrap().parse().unwrap();
    prover_task::get_by_uuid(db, uuid).await.unwrap().unwrap()
}

backend_tests!(
    auth_negatives,
    bad_bodies,
    lifecycle,
    restart_loses_nothing,
    external_threshold
);

async fn external_threshold(db: TestDb) {
    let mut cfg = config(&db.url());
    cfg.prover_manager.external_prover_threshold = 3;
    let server = Server::start(&db, cfg).await;
    tool::seed_chunks(&db, 0, 3).await.unwrap();
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

    // Forged signature: signed by another key.
    let c = p.challenge().await;
    let other = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let e = p
        .login_with(&c, &p.signed_login(&c, VERSION, &["galileov2"], &other))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    assert!(e.errmsg.contains("signature"), "{}", e.errmsg);

    // Wrong challenge: message names another challenge than the bearer.
    let c2 = p.challenge().await;
    let e = p
        .login_with(&c, &p.signed_login(&c2, VERSION, &["galileov2"], &key))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER, "{}", e.errmsg);
    // Not a token at all.
    let e = p
        .login_with(
            "garbage",
            &p.signed_login("garbage", VERSION, &["galileov2"], &key),
        )
        .await;
    assert_eq!(e.errcode, error::JWT_ERROR, "{}", e.errmsg);

    // Too old, unknown fork.
    let e = p
        .login_with(
            &c,
            &p.signed_login(&c, "v4.3.0-abcdef1-1234567-7654321", &["galileov2"], &key),
        )
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("older"), "{}", e.errmsg);
    let e = p
        .login_with(&c, &p.signed_login(&c, VERSION, &["cancun"], &key))
        .await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("unknown fork"), "{}", e.errmsg);

    // Replay: the first login succeeds, the same challenge again is refused.
    let body = p.signed_login(&c, VERSION, &["galileov2"], &key);
    assert_eq!(p.login_with(&c, &body).await.errcode, 0);
    let e = p.login_with(&c, &body).await;
    assert_eq!(e.errcode, error::BAD_PARAMETER);
    assert!(e.errmsg.contains("replay"), "{}", e.errmsg);

    // Blocked key: refused at login and at get_task.
    p.login().await;
    tool::set_blocked(&db, &p.public_key(), "bad", true, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(p.get_task().await.errcode, error::GET_TASK_FAILURE);
    let c = p.challenge().await;
    let e = p
        .login_with(&c, &p.signed_login(&c, VERSION, &["galileov2"], &key))
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
    let server = Server::start_with(app_state(config(&db.url()), (*db).clone()), 4096).await;
    tool::seed_chunks(&db, 0, 1).await.unwrap();
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
        "proof": "x".repeat(10_000)});
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
    tool::seed_chunks(&db, 0, 2).await.unwrap();
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

    // A valid-status proof with no verifier: rejected and recorded as verification failed.
    let e = a.submit(&t1.data, 0, "{\"proof\":1}").await;
    assert_eq!(e.errcode, error::PROOF_FAILURE);
    assert!(
        e.errmsg
            .contains("no verifier configured for fork galileov2"),
        "{}",
        e.errmsg
    );
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
    // A late proof is still verified (and rejected here, there is no verifier), without
    // changing the recorded timeout.
    let e = a.submit(&t3, 0, "{}").await;
    assert!(e.errmsg.contains("no verifier"), "{}", e.errmsg);
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
    tool::seed_chunks(&db, 0, 3).await.unwrap();
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

/// 50 provers race for 500 tasks against two API replicas on one PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_two_replicas_postgres() {
    let db = TestDb::postgres().await;
    tool::seed_chunks(&db, 0, 500).await.unwrap();
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
    tool::seed_chunks(&db, 0, 40).await.unwrap();
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

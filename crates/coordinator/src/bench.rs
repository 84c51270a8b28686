//! `coordinator_tool bench`: seeds real one-block devnet chunks (blocks and compressed witnesses,
//! of the fork the configured genesis schedule gives block 1), runs simulated provers doing
//! get_task -> submit(status=error) over HTTP against an in-process API (or a separate
//! `coordinator_api` on the same config, so that the provers' CPU shows apart from the
//! server's), prints throughput and get_task latency percentiles. A task is built (witness
//! decode, native validation of the block, JSON) the first time it is assigned; its later
//! assignments take it from the server's task cache (`prover_manager.task_cache_mb`). Two
//! seconds into the run the bench refreshes the planner statistics (`ANALYZE`), which
//! autovacuum would do within a minute, so that it measures the steady state rather than the
//! plans of a brand-new, empty prover_task table.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use k256::ecdsa::SigningKey;
use serde_json::{json, Value};

use rollproof_coordinator_wire::{sign_login, Envelope, LoginMessage};

use crate::{api, app_state, verifier::ForkKeys, Config};

/// When, after the provers start, the bench refreshes the planner statistics.
const ANALYZE_AFTER: Duration = Duration::from_secs(2);

/// What a run measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Time spent building and storing the devnet chunks.
    pub seeding: Duration,
    /// New assignments made.
    pub assignments: u64,
    /// Wall time of the proving phase.
    pub elapsed: Duration,
    /// get_task latency percentiles.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Mean size of a get_task response body (the task travels in it).
    pub mean_task_bytes: u64,
}

/// How a run is set up.
#[derive(Debug, Clone, Default)]
pub struct BenchOptions {
    /// Pending chunk tasks to seed.
    pub tasks: u64,
    /// Concurrent simulated provers.
    pub provers: u64,
    /// Offered load, get_task calls per second over all provers (`None`: a closed loop).
    pub rate: Option<f64>,
    /// The `/coordinator/v1` base URL of a running `coordinator_api` over the same config
    /// (`None`: serve the API in this process).
    pub server: Option<String>,
}

/// Seeds `tasks` one-block chunks into the configured database (which should be empty), serves
/// the API on 127.0.0.1 unless `server` names one, and runs `provers` simulated provers until
/// no task is left. With `rate` (get_task calls per second over all provers) each prover starts
/// a cycle every `provers / rate` seconds (staggered), else as soon as the previous one ended.
pub async fn run(config: Config, options: BenchOptions) -> anyhow::Result<BenchReport> {
    let BenchOptions {
        tasks,
        provers,
        rate,
        server,
    } = options;
    let db = crate::connect(&config).await?;
    let chain_id = config.l2.chain_id;
    let state = app_state(config, db.clone())?;
    let settings = rollproof_devnet::BlockSettings::default();
    let fork = state
        .schedule
        .fork_at(1, settings.genesis_timestamp + settings.block_time)?;
    let keys = state
        .verifiers
        .get(fork)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the genesis schedule puts block 1 in {fork}, which has no configured verifier"
            )
        })?
        .clone();
    let seeding = Instant::now();
    crate::seed::seed_devnet_chunks(&db, chain_id, fork, tasks).await?;
    let seeding = seeding.elapsed();
    let base = match server {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => serve_in_process(state).await?,
    };
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..provers {
        tokens.push(login(&http, &base, i, &keys).await?);
    }
    let started = Instant::now();
    // Plan on statistics of a table with assignments in it, as autovacuum would give within a
    // minute: a fresh database's prover_task is otherwise planned as empty.
    let analyze = tokio::spawn(async move {
        tokio::time::sleep(ANALYZE_AFTER).await;
        rollproof_db::stats::analyze(&db).await
    });
    let period = rate.map(|r| Duration::from_secs_f64(provers as f64 / r.max(1e-3)));
    let mut joins = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (http, base) = (http.clone(), base.clone());
        let start = period.map(|p| started + p.mul_f64(i as f64 / provers as f64));
        joins.push(tokio::spawn(async move {
            prove_loop(http, base, token, start, period).await
        }));
    }
    let (mut latencies, mut task_bytes) = (Vec::new(), 0u64);
    for j in joins {
        let (l, bytes) = j.await??;
        latencies.extend(l);
        task_bytes += bytes;
    }
    let elapsed = started.elapsed();
    if analyze.is_finished() {
        analyze.await??;
    } else {
        analyze.abort();
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(BenchReport {
        seeding,
        assignments: latencies.len() as u64,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        mean_task_bytes: task_bytes / (latencies.len() as u64).max(1),
    })
}

/// Serves the API on 127.0.0.1 in this process; returns its `/coordinator/v1` base URL.
async fn serve_in_process(state: Arc<crate::api::AppState>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/coordinator/v1", listener.local_addr()?);
    let app = api::router(state, api::DEFAULT_BODY_LIMIT);
    tokio::spawn(api::serve(listener, app, std::future::pending()));
    Ok(base)
}

async fn call(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> anyhow::Result<Envelope> {
    let req = http.post(url).bearer_auth(token).json(&body);
    Ok(req.send().await?.json().await?)
}

async fn login(
    http: &reqwest::Client,
    base: &str,
    i: u64,
    keys: &ForkKeys,
) -> anyhow::Result<String> {
    let mut seed = [0u8; 32];
    seed[0] = 2;
    seed[24..].copy_from_slice(&i.to_be_bytes());
    let key = SigningKey::from_slice(&seed)?;
    let challenge: Envelope = http
        .get(format!("{base}/challenge"))
        .send()
        .await?
        .json()
        .await?;
    let challenge = challenge.data["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let message = LoginMessage {
        challenge: challenge.clone(),
        prover_version: format!("v99.0.0-bench00-{}", keys.zk_version),
        prover_name: format!("bench-{i}"),
        prover_provider_type: 1,
        prover_types: vec![1],
        vks: vec![keys.chunk_vk_base64().to_string()],
    };
    let body = serde_json::to_value(sign_login(message, &key))?;
    let e = call(http, format!("{base}/login"), &challenge, body).await?;
    anyhow::ensure!(e.errcode == 0, "login failed: {}", e.errmsg);
    Ok(e.data["token"].as_str().unwrap_or_default().to_string())
}

/// What a simulated prover reads of a get_task answer (the task itself is skipped: the bench
/// measures the coordinator, not a prover's parsing).
#[derive(serde::Deserialize)]
struct Assigned {
    errcode: i32,
    errmsg: String,
    data: Option<AssignedTask>,
}

#[derive(serde::Deserialize)]
struct AssignedTask {
    uuid: String,
    task_id: String,
    task_type: u8,
}

/// One simulated prover: get_task -> submit(error) until no task is left; paced from `start`
/// every `period` when given. Returns the get_task latencies and response bytes.
async fn prove_loop(
    http: reqwest::Client,
    base: String,
    token: String,
    start: Option<Instant>,
    period: Option<Duration>,
) -> anyhow::Result<(Vec<Duration>, u64)> {
    let (get_task, submit) = (format!("{base}/get_task"), format!("{base}/submit_proof"));
    let (mut latencies, mut bytes) = (Vec::new(), 0);
    let mut next = start;
    loop {
        if let (Some(at), Some(period)) = (next, period) {
            tokio::time::sleep_until(at.into()).await;
            next = Some(at + period);
        }
        let t = Instant::now();
        let body = http
            .post(&get_task)
            .bearer_auth(&token)
            .json(&json!({"task_types": [1]}))
            .send()
            .await?
            .bytes()
            .await?;
        let e: Assigned = serde_json::from_slice(&body)?;
        if e.errcode == crate::error::NO_TASK {
            return Ok((latencies, bytes));
        }
        anyhow::ensure!(e.errcode == 0, "get_task failed: {}", e.errmsg);
        latencies.push(t.elapsed());
        bytes += body.len() as u64;
        let d = e
            .data
            .ok_or_else(|| anyhow::anyhow!("get_task answered no task"))?;
        let body = json!({"uuid": d.uuid, "task_id": d.task_id, "task_type": d.task_type,
            "status": 1, "failure_type": 2, "failure_msg": "bench"});
        let s = call(&http, submit.clone(), &token, body).await?;
        anyhow::ensure!(s.errcode == 0, "submit failed: {}", s.errmsg);
    }
}

//! Service mode: log in, then per worker: resume the task kept in the local store or ask for a
//! new one, prove it off the async runtime, submit the result, forget the task.
//!
//! - No task available: wait `poll_interval` and ask again (an idle prover does nothing else).
//! - An ordinary proving error: submit status 1 (failure type 2, no panic) with the message and
//!   go on with the next task.
//! - A panic while proving: submit status 1 with failure type 1 (panic), then stop the service
//!   with an error so the process exits non-zero and its supervisor restarts it.
//! - The coordinator unreachable: the client retries with backoff; a worker whose call still
//!   fails waits and tries again, keeping its stored task.

use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use rollproof_coordinator_wire::{SubmitProofRequest, TaskData};
use rollproof_primitives::{SubmitFailureType, SubmitProofStatus};

use crate::{
    circuits::{Circuits, ProveError, ProvenTask},
    client::{CoordinatorClient, Identity},
    config::Config,
    metrics::{self, Metrics},
    store::TaskStore,
};

/// What the workers share.
pub struct Service {
    /// One coordinator connection (and prover identity) per worker.
    pub clients: Vec<CoordinatorClient>,
    /// The circuits.
    pub circuits: Arc<Circuits>,
    /// In-flight tasks.
    pub store: TaskStore,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Task types to ask for.
    pub task_types: Vec<u8>,
    /// The version string put into proofs.
    pub git_version: String,
    /// Wait between get_task calls when there is nothing to do.
    pub poll_interval: Duration,
}

/// How one proving attempt ended.
pub enum Outcome {
    /// The proof (it verified).
    Proven(ProvenTask),
    /// An ordinary error.
    Failed(ProveError),
    /// Proving panicked, with this message.
    Panicked(String),
}

impl Outcome {
    /// The `submit_proof` body reporting this outcome of `task`.
    pub fn submission(&self, task: &TaskData) -> SubmitProofRequest {
        match self {
            Outcome::Proven(proven) => SubmitProofRequest {
                uuid: task.uuid.clone(),
                task_id: task.task_id.clone(),
                task_type: task.task_type,
                status: SubmitProofStatus::Ok.as_u8(),
                proof: proven.proof_json.clone(),
                failure_type: SubmitFailureType::Undefined.as_u8(),
                failure_msg: String::new(),
            },
            Outcome::Failed(e) => {
                failure_submission(task, SubmitFailureType::NoPanic, e.to_string())
            }
            Outcome::Panicked(message) => {
                failure_submission(task, SubmitFailureType::Panic, message.clone())
            }
        }
    }
}

/// The `submit_proof` body reporting that `task` failed (status 1) with `failure` and `message`.
pub fn failure_submission(
    task: &TaskData,
    failure: SubmitFailureType,
    message: String,
) -> SubmitProofRequest {
    SubmitProofRequest {
        uuid: task.uuid.clone(),
        task_id: task.task_id.clone(),
        task_type: task.task_type,
        status: SubmitProofStatus::Error.as_u8(),
        proof: String::new(),
        failure_type: failure.as_u8(),
        failure_msg: message,
    }
}

/// Proves `task` with `circuits` on a blocking thread (off the async runtime), catching a
/// panic.
pub async fn prove_off_runtime(
    circuits: Arc<Circuits>,
    task: &TaskData,
    git_version: &str,
) -> Outcome {
    let (task, version) = (task.clone(), git_version.to_string());
    let joined = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(AssertUnwindSafe(|| circuits.prove(&task, &version)))
    })
    .await;
    match joined {
        Ok(Ok(Ok(proof))) => Outcome::Proven(proof),
        Ok(Ok(Err(e))) => Outcome::Failed(e),
        Ok(Err(payload)) => Outcome::Panicked(panic_message(payload.as_ref())),
        Err(e) => Outcome::Panicked(e.to_string()),
    }
}

impl Service {
    /// Runs one worker per client until one of them stops on a panic (returned as the error).
    pub async fn run(self: Arc<Self>) -> anyhow::Result<()> {
        let mut joins = tokio::task::JoinSet::new();
        for worker in 0..self.clients.len() {
            let service = self.clone();
            joins.spawn(async move { service.worker(worker).await });
        }
        while let Some(joined) = joins.join_next().await {
            joined??;
        }
        Ok(())
    }

    /// One worker's loop; returns only on a proving panic.
    async fn worker(self: Arc<Self>, worker: usize) -> anyhow::Result<()> {
        loop {
            let task = match self.store.get(worker) {
                Some(task) => {
                    tracing::info!(worker, task_id = %task.task_id, uuid = %task.uuid, "resuming the stored task");
                    task
                }
                None => match self.clients[worker].get_task(&self.task_types).await {
                    Ok(Some(task)) => {
                        self.store.put(worker, &task)?;
                        task
                    }
                    Ok(None) => {
                        tokio::time::sleep(self.poll_interval).await;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(worker, "get_task: {e}");
                        tokio::time::sleep(self.poll_interval).await;
                        continue;
                    }
                },
            };
            tracing::info!(worker, task_id = %task.task_id, task_type = task.task_type, fork = %task.hard_fork_name, "proving");
            let started = Instant::now();
            let outcome = prove_off_runtime(self.circuits.clone(), &task, &self.git_version).await;
            let elapsed = started.elapsed();
            match &outcome {
                Outcome::Proven(proven) => {
                    let mhz = proven.cycles as f64 / elapsed.as_secs_f64() / 1e6;
                    tracing::info!(worker, task_id = %task.task_id, secs = elapsed.as_secs_f64(), cycles = proven.cycles, gas = proven.gas, mhz, "proven");
                    self.metrics
                        .proven(task.task_type, elapsed, proven.cycles, proven.gas);
                }
                Outcome::Failed(e) => {
                    tracing::warn!(worker, task_id = %task.task_id, "proving failed: {e}");
                    self.metrics.failed(task.task_type);
                }
                Outcome::Panicked(message) => {
                    tracing::error!(worker, task_id = %task.task_id, "proving panicked: {message}");
                    self.metrics.failed(task.task_type);
                }
            }
            let request = outcome.submission(&task);
            self.submit(worker, &request).await;
            if let Outcome::Panicked(message) = outcome {
                anyhow::bail!(
                    "worker {worker}: proving task {} panicked: {message}",
                    task.task_id
                );
            }
        }
    }

    /// Submits until the coordinator has the result, then forgets the stored task. A result
    /// the coordinator refuses (e.g. the assignment timed out and went to another prover) is
    /// logged and dropped: retrying would not change the answer.
    async fn submit(&self, worker: usize, request: &SubmitProofRequest) {
        loop {
            match self.clients[worker].submit_proof(request).await {
                Ok(()) => {
                    tracing::info!(worker, task_id = %request.task_id, status = request.status, "submitted");
                    break;
                }
                Err(e @ crate::client::ClientError::Refused { .. }) => {
                    tracing::warn!(worker, task_id = %request.task_id, "submission refused: {e}");
                    break;
                }
                Err(e) => {
                    tracing::warn!(worker, task_id = %request.task_id, "submission failed, retrying: {e}");
                    tokio::time::sleep(self.poll_interval).await;
                }
            }
        }
        if let Err(e) = self.store.remove(worker) {
            tracing::error!(worker, "cannot clear the stored task: {e}");
        }
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without a message".to_string())
}

/// Fetches the assets of forks with a `base_url` ([`crate::download`]) and loads every
/// configured fork's circuit (each asset file checked), off the async runtime.
pub async fn load_circuits(config: &Config) -> anyhow::Result<Circuits> {
    let connect_timeout = Duration::from_secs(config.sdk_config.coordinator.connection_timeout_sec);
    crate::download::sync_all(config, connect_timeout).await?;
    let params = rollproof_zkvm::ProvingParams::default();
    let config = config.clone();
    tokio::task::spawn_blocking(move || Circuits::load(&config, params)).await?
}

/// The login identity `name` proving with `circuits`: this build's version with the assets' ZK
/// version, the configured proof types, the circuits' verifying keys.
pub fn identity(config: &Config, circuits: &Circuits, name: String) -> Identity {
    Identity {
        prover_name: name,
        prover_version: crate::prover_version(circuits.zk_version()),
        prover_types: config.sdk_config.prover.supported_proof_types.clone(),
        vks: circuits.vks_base64(),
    }
}

/// Default wait between get_task calls when the coordinator has nothing.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Starts the prover described by `config`: fetches the assets of forks with a `base_url`
/// ([`crate::download`]), loads the circuits (checking every asset file),
/// the workers' keys and the local store, serves `/health` and `/metrics` when
/// `health_listener_addr` is set, and runs the workers. Returns only on a proving panic or a
/// start-up failure.
pub async fn run_service(config: Config, poll_interval: Duration) -> anyhow::Result<()> {
    let circuits = load_circuits(&config).await?;
    let sdk = &config.sdk_config;
    let store = TaskStore::open(&sdk.db_path)
        .map_err(|e| anyhow::anyhow!("sdk_config.db_path {}: {e}", sdk.db_path.display()))?;
    let version = crate::prover_version(circuits.zk_version());
    let mut clients = Vec::new();
    for worker in 0..sdk.prover.n_workers {
        let key = crate::key::load_or_create(&sdk.keys_dir, worker)?;
        let identity = identity(&config, &circuits, config.prover_name(worker));
        clients.push(CoordinatorClient::new(&sdk.coordinator, key, identity));
    }
    let metrics = Arc::new(Metrics::default());
    if let Some(addr) = &sdk.health_listener_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("sdk_config.health_listener_addr {addr}: {e}"))?;
        tracing::info!(addr = %listener.local_addr()?, "serving /health and /metrics");
        let app = metrics::router(metrics.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    tracing::info!(
        version = %version,
        workers = clients.len(),
        forks = ?circuits.forks().collect::<Vec<_>>(),
        coordinator = %sdk.coordinator.base_url,
        "prover started"
    );
    let service = Arc::new(Service {
        clients,
        circuits: Arc::new(circuits),
        store,
        metrics,
        task_types: sdk.prover.supported_proof_types.clone(),
        git_version: version,
        poll_interval,
    });
    service.run().await
}

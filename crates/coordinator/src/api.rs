//! `coordinator_api`: the `/coordinator/v1` routes, their handlers and `/metrics`.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use alloy_primitives::B256;
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, DefaultBodyLimit, State},
    http::HeaderMap,
    response::Response,
    routing::{get, post},
    serve::ListenerExt,
    Router,
};
pub use rollproof_coordinator_wire::{
    GetTaskRequest, LoginRequest, SubmitProofRequest, TaskData, TokenData,
};
use rollproof_db::{block_list, challenge, prover_task::ProverIdentity, tasks, Db, Uuid};
use rollproof_primitives::{
    ForkName, ForkSchedule, ProverTaskFailureType, ProverTaskStatus, SubmitProofStatus, TaskType,
};

use crate::{
    auth::{self, LoginClaims, LoginMessage, Tokens},
    batched,
    claim_queue::ClaimQueue,
    config::{Config, ConfigError},
    error::{ok, ApiError, BAD_PARAMETER, GET_TASK_FAILURE, JWT_ERROR, NO_TASK, PROOF_FAILURE},
    metrics::Metrics,
    task::{build_task, BuiltTask},
    task_cache::TaskCache,
    verifier::Verifiers,
};

/// Request bodies above this many bytes are refused (a proof is at most a few MB).
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The forks of `forks` (a login token's) whose `task_type` tasks this coordinator can verify,
/// hence may hand out: every one for chunks (each configured fork has a chunk key), those whose
/// assets hold the batch or bundle circuit for the others. The claim filters tasks by these
/// forks in SQL (a batch's fork is its first chunk's), so no task goes to a prover, or stays
/// with a coordinator, that cannot prove or verify it.
fn forks_for_type(verifiers: &Verifiers, task_type: TaskType, forks: &[ForkName]) -> Vec<ForkName> {
    let verified = verifiers.forks_with(task_type);
    forks
        .iter()
        .copied()
        .filter(|fork| verified.contains(fork))
        .collect()
}

/// What every handler shares.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub config: Config,
    /// Token issuer and checker.
    pub tokens: Tokens,
    /// The configured forks' verifying keys; proof verification.
    pub verifiers: Arc<Verifiers>,
    /// The chain's fork schedule (`l2.genesis_path`): a task's fork is its first block's.
    pub schedule: ForkSchedule,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Tasks built for earlier assignments (`prover_manager.task_cache_mb`).
    pub task_cache: Arc<TaskCache>,
    /// get_task's claims, batched.
    pub claims: ClaimQueue,
    /// get_task's first read, batched.
    pub outstanding: batched::Outstanding,
    /// Task metadata writes, batched.
    pub metadata: batched::Metadata,
    /// submit_proof's reported failures, batched.
    pub failures: batched::Failures,
}

impl AppState {
    /// The state for `config` over `db`: loads every configured fork's verifier assets and the
    /// genesis fork schedule. Fails, naming the config field, when one is missing or invalid.
    pub fn new(config: Config, db: Db) -> Result<Arc<Self>, ConfigError> {
        let verifiers = Verifiers::load(&config.prover_manager.verifier)?;
        let schedule = config.fork_schedule()?;
        for f in verifiers.forks() {
            if !schedule.activation(f.fork).is_scheduled() {
                tracing::warn!(fork = %f.fork, "a verifier is configured for a fork the genesis schedule never activates: no task of it will exist");
            }
            let circuits: Vec<String> = f.vks.keys().map(ToString::to_string).collect();
            tracing::info!(fork = %f.fork, circuits = %circuits.join(","), zk_version = %f.zk_version, assets = %f.assets_path.display(), "verifiers loaded");
            if !f.vks.contains_key(&TaskType::Batch) {
                tracing::info!(fork = %f.fork, "no batch or bundle circuit in these assets: only chunk tasks of this fork are handed out");
            }
        }
        let tokens = Tokens::new(
            &config.auth.secret,
            config.auth.challenge_expire_duration_sec,
            config.auth.login_expire_duration_sec,
        );
        let task_cache = Arc::new(TaskCache::new(config.prover_manager.task_cache_bytes()));
        let claims = ClaimQueue::new(db.clone(), Arc::clone(&task_cache));
        let failures = batched::Failures::new(db.clone(), config.prover_manager.session_attempts);
        Ok(Arc::new(Self {
            claims,
            outstanding: batched::Outstanding::new(db.clone()),
            metadata: batched::Metadata::new(db.clone()),
            failures,
            db,
            config,
            tokens,
            verifiers: Arc::new(verifiers),
            schedule,
            metrics: Metrics::default(),
            task_cache,
        }))
    }
}

/// The router over `state`, refusing bodies over `body_limit` bytes.
pub fn router(state: Arc<AppState>, body_limit: usize) -> Router {
    Router::new()
        .route("/coordinator/v1/health", get(health))
        .route("/coordinator/v1/challenge", get(get_challenge))
        .route("/coordinator/v1/login", post(login))
        .route("/coordinator/v1/get_task", post(get_task))
        .route("/coordinator/v1/submit_proof", post(submit_proof))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// Serves `router` on `listener` until the future `shutdown` completes. Connections are
/// `TCP_NODELAY`: a response goes out when written, not after the client's delayed ACK.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY on a connection: {e}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

type Shared = State<Arc<AppState>>;

async fn health() -> Response {
    ok(serde_json::Value::Null)
}

fn token_data(token: String, exp: u64) -> TokenData {
    let time = chrono::DateTime::from_timestamp(exp as i64, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    TokenData { time, token }
}

async fn get_challenge(State(s): Shared) -> Response {
    let (token, exp) = s.tokens.challenge();
    ok(token_data(token, exp))
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::new(JWT_ERROR, "missing Authorization: Bearer token"))
}

fn parse_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|e| {
        ApiError::new(
            BAD_PARAMETER,
            format!("cannot read request body: {}", e.body_text()),
        )
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(BAD_PARAMETER, format!("parameter invalid: {e}")))
}

async fn login(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let token = bearer(&headers)?.to_string();
    s.tokens.check_challenge(&token)?;
    let req: LoginRequest = parse_body(body)?;
    let m = &req.message;
    if m.challenge != token {
        return Err(ApiError::new(
            BAD_PARAMETER,
            "message.challenge is not the bearer challenge",
        ));
    }
    auth::verify_signature(&req)?;
    let min = &s.config.prover_manager.verifier.min_prover_version;
    if !auth::version_at_least(&m.prover_version, min) {
        return Err(ApiError::new(
            BAD_PARAMETER,
            format!(
                "prover version {} is older than the minimum {min}",
                m.prover_version
            ),
        ));
    }
    let forks = prover_forks(&s.verifiers, m)?;
    if block_list::is_blocked(&s.db, &req.public_key).await? {
        return Err(ApiError::new(BAD_PARAMETER, "public key is blocked"));
    }
    match challenge::insert(&s.db, &token).await {
        Ok(()) => {}
        Err(e) if e.is_duplicate() => {
            return Err(ApiError::new(
                BAD_PARAMETER,
                "challenge already used (replay)",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let (token, exp) = s.tokens.login(LoginClaims {
        public_key: req.public_key.to_lowercase(),
        prover_name: m.prover_name.clone(),
        prover_version: m.prover_version.clone(),
        hard_fork_name: forks
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(","),
        prover_provider_type: m.prover_provider_type,
        exp: 0,
    });
    Ok(ok(token_data(token, exp)))
}

/// The forks a prover may prove: its ZK version (the part of `prover_version` after the second
/// dash) must be one of our assets', and its fork set is the configured forks of that ZK version
/// whose chunk verifying key (base64) it lists in `vks`. Either check failing refuses the login.
fn prover_forks(verifiers: &Verifiers, m: &LoginMessage) -> Result<Vec<ForkName>, ApiError> {
    let ours = verifiers.zk_versions().join(" or ");
    let zk = match auth::zk_version(&m.prover_version) {
        Some(zk) if verifiers.knows_zk_version(zk) => zk,
        found => {
            return Err(ApiError::new(
                BAD_PARAMETER,
                format!(
                    "prover ZK version {:?} (from prover_version {:?}) is not this \
                     coordinator's {ours}: the prover's circuits differ",
                    found.unwrap_or(""),
                    m.prover_version
                ),
            ))
        }
    };
    let forks = verifiers.forks_of_vks(&m.vks, zk);
    if forks.is_empty() {
        let configured: Vec<&str> = verifiers.forks().iter().map(|f| f.fork.as_str()).collect();
        return Err(ApiError::new(
            BAD_PARAMETER,
            format!(
                "none of the prover's {} vks is the chunk verifying key of a fork this \
                 coordinator verifies ({}): the prover supports no fork here",
                m.vks.len(),
                configured.join(", ")
            ),
        ));
    }
    Ok(forks)
}

fn login_claims(s: &AppState, headers: &HeaderMap) -> Result<LoginClaims, ApiError> {
    s.tokens.check_login(bearer(headers)?)
}

fn task_types(raw: &[u8]) -> Result<Vec<TaskType>, ApiError> {
    if raw.is_empty() {
        return Ok(vec![TaskType::Chunk, TaskType::Batch, TaskType::Bundle]);
    }
    raw.iter()
        .map(|t| match TaskType::try_from(*t as i64) {
            Ok(tt) if tt != TaskType::Undefined => Ok(tt),
            _ => Err(ApiError::new(
                BAD_PARAMETER,
                format!("unknown task type {t}"),
            )),
        })
        .collect()
}

/// The forks of a login token that this coordinator (still) verifies.
fn token_forks(s: &AppState, claims: &LoginClaims) -> Vec<ForkName> {
    claims
        .hard_fork_name
        .split(',')
        .filter_map(|f| f.parse::<ForkName>().ok())
        .filter(|f| s.verifiers.chunk_vk(*f).is_some())
        .collect()
}

async fn get_task(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let claims = login_claims(&s, &headers)?;
    let req: GetTaskRequest = parse_body(body)?;
    let asked = task_types(&req.task_types)?;
    let only_task_id = req.task_id.as_deref().map(|id| {
        id.parse::<B256>().map_err(|_| {
            ApiError::new(
                BAD_PARAMETER,
                format!("task_id {id:?} is not a 32-byte hex hash"),
            )
        })
    });
    let forks = token_forks(&s, &claims);
    let types: Vec<(TaskType, Vec<ForkName>)> = asked
        .into_iter()
        .map(|t| (t, forks_for_type(&s.verifiers, t, &forks)))
        .filter(|(_, forks)| !forks.is_empty())
        .collect();
    let type_list: Vec<TaskType> = types.iter().map(|(t, _)| *t).collect();
    // The block list and the prover's outstanding task in one statement; the checks below
    // answer in the order they always did (blocked first).
    let outstanding = s
        .outstanding
        .read(claims.public_key.clone(), type_list)
        .await?;
    if outstanding.blocked {
        return Err(ApiError::new(GET_TASK_FAILURE, "public key is blocked"));
    }
    let only_task_id = only_task_id.transpose()?;
    if forks.is_empty() {
        return Err(ApiError::new(
            GET_TASK_FAILURE,
            format!(
                "the login token's forks ({}) are not verified by this coordinator: log in again",
                claims.hard_fork_name
            ),
        ));
    }
    if types.is_empty() {
        return Err(ApiError::new(
            NO_TASK,
            "no task available: this coordinator verifies none of the asked task types for \
             the login's forks (batch and bundle tasks need a fork's aggregation assets)",
        ));
    }
    // One outstanding task per prover: hand the same one out again.
    if let Some(pt) = outstanding.assigned {
        s.metrics.redeliveries.inc();
        let built =
            deliverable(&s, pt.uuid, pt.task_type, pt.task_id, pt.metadata.is_none()).await?;
        return Ok(ok(task_data(pt.uuid, pt.task_id, pt.task_type, &built)));
    }
    let prover = ProverIdentity {
        public_key: claims.public_key.clone(),
        name: claims.prover_name.clone(),
        version: claims.prover_version.clone(),
    };
    let pm = &s.config.prover_manager;
    let started = Instant::now();
    for (task_type, forks) in types {
        if !serves_external(&s, &claims, task_type).await? {
            continue;
        }
        let request = tasks::ClaimRequest {
            task_type,
            prover: prover.clone(),
            provers_per_session: pm.provers_per_session,
            session_attempts: pm.session_attempts,
            max_end_block_number: req.prover_height,
            exclude_task_ids: vec![],
            only_task_id,
            exclude_recent_failures: 2,
            forks: Some(tasks::ForkFilter {
                schedule: s.schedule.clone(),
                forks,
            }),
        };
        if let Some(a) = s.claims.claim(request).await? {
            let uuid = a.prover_task.uuid;
            let record = a.prover_task.metadata.is_none();
            let built = deliverable(&s, uuid, task_type, a.task_id, record).await?;
            s.metrics.assignments.inc();
            s.metrics.get_task_latency.observe(started.elapsed());
            return Ok(ok(task_data(uuid, a.task_id, task_type, &built)));
        }
    }
    Err(ApiError::new(NO_TASK, "no task available"))
}

/// Builds the task of assignment `uuid` (`task_type` `task_id`) and, when `record` is set, stores what
/// its proof must claim on the assignment. When the task cannot be built (missing or invalid
/// witness, ...) the assignment is released at once (prover task invalid with failure type
/// "server error", the attempt freed), so nothing stays stuck on a prover that never got a
/// task, and the prover receives 20002 saying why.
async fn deliverable(
    s: &AppState,
    uuid: Uuid,
    task_type: TaskType,
    task_id: B256,
    record: bool,
) -> Result<Arc<BuiltTask>, ApiError> {
    let failure = match cached_build(s, task_type, task_id).await {
        Ok(built) => {
            if !record {
                return Ok(built);
            }
            match s.metadata.store(uuid, built.metadata_json.clone()).await {
                Ok(_) => return Ok(built),
                Err(e) => format!("cannot record the task metadata: {}", e.message),
            }
        }
        Err(e) => e.to_string(),
    };
    s.metrics.task_build_failures.inc();
    tracing::error!(%uuid, %task_type, %task_id, reason = %failure, "cannot build the task: assignment released");
    let attempts = s.config.prover_manager.session_attempts;
    if let Err(e) =
        tasks::record_failure(&s.db, uuid, ProverTaskFailureType::ServerError, attempts).await
    {
        tracing::error!(%uuid, "cannot release the assignment: {e}");
    }
    Err(ApiError::new(
        GET_TASK_FAILURE,
        format!("cannot build the task of {task_type} {task_id}: {failure}"),
    ))
}

/// The task of `task_type` `task_id` from the cache, else built (and cached when it builds).
async fn cached_build(
    s: &AppState,
    task_type: TaskType,
    task_id: B256,
) -> Result<Arc<BuiltTask>, crate::task::TaskError> {
    if let Some(built) = s.task_cache.get(task_type, task_id) {
        return Ok(built);
    }
    let built = Arc::new(
        build_task(
            &s.db,
            &s.verifiers,
            &s.schedule,
            s.config.l2.chain_id,
            task_type,
            task_id,
        )
        .await?,
    );
    s.task_cache.insert(task_type, task_id, Arc::clone(&built));
    Ok(built)
}

/// External provers (type 2) are served a task type only while at least
/// `external_prover_threshold` of its tasks are unassigned (0: always).
async fn serves_external(
    s: &AppState,
    claims: &LoginClaims,
    task_type: TaskType,
) -> Result<bool, ApiError> {
    let threshold = s.config.prover_manager.external_prover_threshold;
    if claims.prover_provider_type != 2 || threshold == 0 {
        return Ok(true);
    }
    let unassigned = rollproof_db::stats::count_tasks(
        &s.db,
        task_type,
        rollproof_primitives::ProvingStatus::Unassigned,
    )
    .await?;
    Ok(unassigned >= threshold)
}

fn task_data(uuid: Uuid, task_id: B256, task_type: TaskType, built: &BuiltTask) -> TaskData {
    TaskData {
        uuid: uuid.to_string(),
        task_id: task_id.to_string(),
        task_type: task_type as u8,
        task_data: built.task_json.clone(),
        hard_fork_name: built.fork.as_str().to_string(),
    }
}

async fn submit_proof(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let claims = login_claims(&s, &headers)?;
    let mut req: SubmitProofRequest = parse_body(body)?;
    let uuid: Uuid = req
        .uuid
        .parse()
        .map_err(|_| ApiError::new(BAD_PARAMETER, "uuid is not a UUID"))?;
    let status = SubmitProofStatus::try_from(req.status as i64)
        .map_err(|_| ApiError::new(BAD_PARAMETER, format!("unknown status {}", req.status)))?;
    if status == SubmitProofStatus::Error {
        return record_reported_failure(&s, &claims, uuid, &req).await;
    }
    let pt = rollproof_db::prover_task::get_by_uuid(&s.db, uuid)
        .await?
        .ok_or_else(unknown_assignment)?;
    tasks::check_proof_submission(&pt, &claims.public_key, named_task(&req)).map_err(refused)?;
    // Past the checks, a prover task that is not assigned any more timed out.
    let late = pt.proving_status != ProverTaskStatus::Assigned;
    let attempts = s.config.prover_manager.session_attempts;
    let started = Instant::now();
    let verifiers = Arc::clone(&s.verifiers);
    let (task_type, metadata) = (pt.task_type, pt.metadata.clone());
    let proof = std::mem::take(&mut req.proof);
    // Verification is CPU-heavy (a STARK verifier): off the async workers.
    let (verdict, proof) = tokio::task::spawn_blocking(move || {
        let verdict = verifiers.verify(task_type, proof.as_bytes(), metadata.as_deref());
        (verdict, proof)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            crate::error::INTERNAL,
            format!("verification did not finish: {e}"),
        )
    })?;
    s.metrics.verify_latency.observe(started.elapsed());
    if let Err(reason) = verdict {
        s.metrics.verifications_failed.inc();
        tracing::info!(%uuid, task_id = %pt.task_id, prover = %pt.prover_name, %reason, late, "proof rejected");
        if !late {
            tasks::record_failure(
                &s.db,
                uuid,
                ProverTaskFailureType::VerificationFailed,
                attempts,
            )
            .await?;
        }
        return Err(ApiError::new(
            PROOF_FAILURE,
            format!("verification failed: {reason}"),
        ));
    }
    s.metrics.verifications_ok.inc();
    let secs = (rollproof_db::now() - pt.assigned_at).num_seconds().max(0) as u32;
    let outcome = tasks::record_verified_proof(&s.db, uuid, proof.as_bytes(), secs).await?;
    tracing::info!(%uuid, task_id = %pt.task_id, prover = %pt.prover_name, ?outcome, "proof verified");
    Ok(ok(serde_json::Value::Null))
}

/// submit_proof with status error: the prover gave up on its assignment. Checked (the
/// assignment is this prover's, of the named task, still assigned) and recorded in one batched
/// transaction, answering as the proof path does.
async fn record_reported_failure(
    s: &AppState,
    claims: &LoginClaims,
    uuid: Uuid,
    req: &SubmitProofRequest,
) -> Result<Response, ApiError> {
    let failure = tasks::FailureRequest {
        uuid,
        failure: ProverTaskFailureType::SubmitStatusNotOk,
        prover_public_key: Some(claims.public_key.clone()),
        task: Some(named_task(req)),
    };
    s.failures.record(failure).await?.map_err(refused)?;
    s.metrics.prover_failures.inc();
    tracing::info!(%uuid, failure_type = req.failure_type, msg = %req.failure_msg, "prover reported failure");
    Ok(ok(serde_json::Value::Null))
}

/// The task a submission names. A task id or type that cannot be the assignment's names no
/// task: refused as another task's, after the ownership check, like a well-formed mismatch.
fn named_task(req: &SubmitProofRequest) -> (TaskType, B256) {
    let task_type = TaskType::try_from(req.task_type as i64).unwrap_or(TaskType::Undefined);
    (task_type, req.task_id.parse::<B256>().unwrap_or_default())
}

/// The answer to a submission the checks refused (`tasks::check_proof_submission`,
/// `tasks::record_failures`).
fn refused(refused: tasks::FailureRefused) -> ApiError {
    match refused {
        tasks::FailureRefused::UnknownAssignment => unknown_assignment(),
        tasks::FailureRefused::OtherTask => ApiError::new(
            BAD_PARAMETER,
            "task_id/task_type do not match the assignment",
        ),
        tasks::FailureRefused::NotAssigned {
            status: ProverTaskStatus::ProofInvalid,
            failure_type: ProverTaskFailureType::Timeout,
        } => ApiError::new(PROOF_FAILURE, "task already timed out"),
        tasks::FailureRefused::NotAssigned { .. } => {
            ApiError::new(PROOF_FAILURE, "proof already submitted for this task")
        }
        gone @ tasks::FailureRefused::TaskGone { .. } => {
            ApiError::new(PROOF_FAILURE, format!("cannot record the failure: {gone}"))
        }
    }
}

fn unknown_assignment() -> ApiError {
    ApiError::new(PROOF_FAILURE, "no such task assigned to this prover")
}

async fn metrics(State(s): Shared) -> Result<String, ApiError> {
    s.metrics.render(&s.db).await.map_err(Into::into)
}

//! The operator commands beside the service:
//!
//! - [`handle`] (`prover handle <testset.json>`): proves the tasks a test set names
//!   (`{"chunks": [hash, …], "batches": […], "bundles": […]}`, in that order) straight from the
//!   coordinator: each is asked for by id, proven, checked, submitted, and must be accepted
//!   (the coordinator verifies it); the first failure stops the run with its reason.
//! - [`dump`] (`prover dump [--json] <chunk|batch|bundle> <id>`): fetches one task's input the
//!   same way and writes it to a folder, proving nothing: `task.json` (task id, type, fork,
//!   verifying-key id, identifier) and the witness, `witness.bin` (the binary encoding the task
//!   carries) or `witness.json`. The assignment is handed back at once as a failed attempt
//!   ("dumped, not proven"), so dumping a task costs it one of its `session_attempts`.
//! - [`prove_file`] (`prover prove-file <dump folder>`): proves such a dump offline with the
//!   configured circuits, checks the proof and writes it to `proof.json` in the folder.
//!
//! `handle` and `dump` log in with an identity of their own ([`TOOL_KEY_FILE`]), never a
//! service worker's.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_coordinator_wire::TaskData;
use rollproof_libzkp::{
    witness::{witness_from_json, witness_to_json},
    UniversalTask,
};
use rollproof_primitives::{ForkName, SubmitFailureType, TaskType};
use serde::{Deserialize, Serialize};

use crate::{
    circuits::Circuits,
    client::CoordinatorClient,
    config::Config,
    key::{load_or_create_file, TOOL_KEY_FILE},
    service::{failure_submission, identity, load_circuits, prove_off_runtime, Outcome},
};

/// A test set: task hashes per type, proven chunks first, then batches, then bundles.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestSet {
    /// Chunk hashes.
    #[serde(default)]
    pub chunks: Vec<String>,
    /// Batch hashes.
    #[serde(default)]
    pub batches: Vec<String>,
    /// Bundle hashes.
    #[serde(default)]
    pub bundles: Vec<String>,
}

impl TestSet {
    /// Reads a test set file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a test set: {e}", path.display()))
    }

    /// `(type, hash)` in proving order.
    pub fn tasks(&self) -> Vec<(TaskType, String)> {
        [
            (TaskType::Chunk, &self.chunks),
            (TaskType::Batch, &self.batches),
            (TaskType::Bundle, &self.bundles),
        ]
        .into_iter()
        .flat_map(|(t, ids)| ids.iter().map(move |id| (t, id.clone())))
        .collect()
    }
}

/// What [`handle`] proved.
#[derive(Debug, Clone)]
pub struct HandledTask {
    /// The task's type.
    pub task_type: TaskType,
    /// Its hash.
    pub task_id: String,
    /// Proving time.
    pub proving: Duration,
    /// Guest cycles of the proof.
    pub cycles: u64,
}

/// `0x`-prefixed lower-case hex, for comparing hashes however they were typed.
fn normalized(id: &str) -> String {
    let id = id.trim().to_ascii_lowercase();
    match id.strip_prefix("0x") {
        Some(_) => id,
        None => format!("0x{id}"),
    }
}

/// The coordinator client of `handle` and `dump`.
fn tool_client(config: &Config, circuits: &Circuits) -> anyhow::Result<CoordinatorClient> {
    let sdk = &config.sdk_config;
    let key = load_or_create_file(&sdk.keys_dir, TOOL_KEY_FILE)?;
    let name = format!("{}-tool", sdk.prover_name_prefix);
    Ok(CoordinatorClient::new(
        &sdk.coordinator,
        key,
        identity(config, circuits, name),
    ))
}

/// Gets task `id` of `task_type` assigned to `client`: an error when the coordinator has no
/// such claimable task or hands out another one (which is handed back).
async fn fetch_task(
    client: &CoordinatorClient,
    task_type: TaskType,
    id: &str,
) -> anyhow::Result<TaskData> {
    let wanted = normalized(id);
    let task = client
        .get_task_by_id(&[task_type as u8], Some(&wanted))
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the coordinator has no claimable {task_type} task {wanted} (unknown, already \
                 proven, failed, or assigned to another prover)"
            )
        })?;
    if normalized(&task.task_id) != wanted {
        hand_back(client, &task, "handed out instead of the task asked for").await;
        anyhow::bail!(
            "asked for {task_type} task {wanted}, the coordinator handed out {} (a coordinator \
             without task-by-id support? it was handed back)",
            task.task_id
        );
    }
    Ok(task)
}

/// Gives an assignment back as a failed attempt with `reason` (best effort: logged).
async fn hand_back(client: &CoordinatorClient, task: &TaskData, reason: &str) {
    let request = failure_submission(task, SubmitFailureType::NoPanic, reason.to_string());
    if let Err(e) = client.submit_proof(&request).await {
        tracing::warn!(task_id = %task.task_id, "cannot hand the task back: {e}");
    }
}

/// A spinner with the elapsed time on a terminal (nothing otherwise).
fn spinner(message: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
            .expect("a valid template"),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// `prover handle`: proves every task of `testset` in order, each through the coordinator
/// (asked for by id, proven, submitted, accepted). Stops at the first failure.
pub async fn handle(config: &Config, testset: &TestSet) -> anyhow::Result<Vec<HandledTask>> {
    let tasks = testset.tasks();
    anyhow::ensure!(!tasks.is_empty(), "the test set names no task");
    let circuits = Arc::new(load_circuits(config).await?);
    let client = tool_client(config, &circuits)?;
    let version = crate::prover_version(circuits.zk_version());
    let mut handled = Vec::new();
    for (n, (task_type, id)) in tasks.iter().enumerate() {
        let task = fetch_task(&client, *task_type, id).await?;
        let bar = spinner(format!(
            "[{}/{}] proving {task_type} {}",
            n + 1,
            tasks.len(),
            task.task_id
        ));
        let started = Instant::now();
        let outcome = prove_off_runtime(circuits.clone(), &task, &version).await;
        let proving = started.elapsed();
        bar.finish_and_clear();
        // Every outcome is reported; a failure stops the run whether or not its report got
        // through.
        let submitted = client.submit_proof(&outcome.submission(&task)).await;
        let cycles = match &outcome {
            Outcome::Proven(proven) => proven.cycles,
            Outcome::Failed(e) => {
                anyhow::bail!("{task_type} {}: proving failed: {e}", task.task_id)
            }
            Outcome::Panicked(message) => {
                anyhow::bail!("{task_type} {}: proving panicked: {message}", task.task_id)
            }
        };
        submitted.map_err(|e| {
            anyhow::anyhow!("{task_type} {}: proof not accepted: {e}", task.task_id)
        })?;
        tracing::info!(%task_type, task_id = %task.task_id, secs = proving.as_secs_f64(), cycles, "proven and accepted by the coordinator");
        handled.push(HandledTask {
            task_type: *task_type,
            task_id: task.task_id,
            proving,
            cycles,
        });
    }
    Ok(handled)
}

/// `task.json` of a dump.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DumpedTask {
    /// The task's hash.
    pub task_id: String,
    /// 1 chunk, 2 batch, 3 bundle.
    pub task_type: u8,
    /// The fork whose circuit proves it.
    pub fork_name: ForkName,
    /// The verifying-key id the proof must be for (base64).
    pub vk: String,
    /// The task's human-readable identifier.
    pub identifier: String,
}

/// The dump's metadata file.
pub const DUMP_TASK_FILE: &str = "task.json";
/// The binary witness of a dump.
pub const DUMP_WITNESS_BIN: &str = "witness.bin";
/// The JSON witness of a dump.
pub const DUMP_WITNESS_JSON: &str = "witness.json";
/// The proof `prove-file` writes.
pub const DUMP_PROOF_FILE: &str = "proof.json";

/// Writes `universal` (a chunk task) into `dir` as a dump (see the module documentation).
pub fn write_dump(
    dir: &Path,
    task_id: &str,
    universal: &UniversalTask,
    json: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let witness = universal.chunk_witness()?;
    let meta = DumpedTask {
        task_id: task_id.to_string(),
        task_type: TaskType::Chunk as u8,
        fork_name: universal.fork_name,
        vk: STANDARD.encode(&universal.vk),
        identifier: universal.identifier.clone(),
    };
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    write(
        DUMP_TASK_FILE,
        &serde_json::to_vec_pretty(&meta).expect("serializes"),
    )?;
    if json {
        write(DUMP_WITNESS_JSON, witness_to_json(&witness).as_bytes())
    } else {
        write(DUMP_WITNESS_BIN, &witness.encode())
    }
}

/// Reads a dump written by [`write_dump`] back into the universal task it came from.
pub fn read_dump(dir: &Path) -> anyhow::Result<UniversalTask> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let meta: DumpedTask = serde_json::from_slice(&read(DUMP_TASK_FILE)?)
        .map_err(|e| anyhow::anyhow!("{}/{DUMP_TASK_FILE}: {e}", dir.display()))?;
    anyhow::ensure!(
        meta.task_type == TaskType::Chunk as u8,
        "{}: only chunk dumps can be proven (task type {})",
        dir.display(),
        meta.task_type
    );
    let witness_bytes = if dir.join(DUMP_WITNESS_BIN).exists() {
        read(DUMP_WITNESS_BIN)?
    } else {
        let text = String::from_utf8(read(DUMP_WITNESS_JSON)?)
            .map_err(|_| anyhow::anyhow!("{DUMP_WITNESS_JSON} is not UTF-8"))?;
        witness_from_json(&text)
            .map_err(|e| anyhow::anyhow!("{DUMP_WITNESS_JSON}: {e}"))?
            .encode()
    };
    let universal = UniversalTask {
        serialized_witness: vec![witness_bytes],
        aggregated_proofs: Vec::new(),
        fork_name: meta.fork_name,
        vk: STANDARD
            .decode(meta.vk.trim())
            .map_err(|e| anyhow::anyhow!("{DUMP_TASK_FILE} vk: {e}"))?,
        identifier: meta.identifier,
    };
    // Decodes the witness and checks it is for the fork task.json names.
    universal
        .chunk_witness()
        .map_err(|e| anyhow::anyhow!("{}: the witness: {e}", dir.display()))?;
    Ok(universal)
}

/// `prover dump`: fetches task `id` of `task_type` from the coordinator, writes it into
/// `<out>/<type>-<id>/` and hands the assignment back. Returns the folder.
pub async fn dump(
    config: &Config,
    task_type: TaskType,
    id: &str,
    out: &Path,
    json: bool,
) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(
        task_type == TaskType::Chunk,
        "only chunk tasks can be dumped so far (batch and bundle dumps are not written yet)"
    );
    let circuits = load_circuits(config).await?;
    let client = tool_client(config, &circuits)?;
    let task = fetch_task(&client, task_type, id).await?;
    let dir = out.join(format!("{task_type}-{}", task.task_id));
    let written = serde_json::from_str::<UniversalTask>(&task.task_data)
        .map_err(anyhow::Error::from)
        .and_then(|universal| write_dump(&dir, &task.task_id, &universal, json));
    hand_back(&client, &task, "dumped by `prover dump`, not proven").await;
    written?;
    Ok(dir)
}

/// `prover prove-file`: proves the dump in `dir` and writes `proof.json` there. Returns the
/// proof's path.
pub async fn prove_file(config: &Config, dir: &Path) -> anyhow::Result<PathBuf> {
    let universal = read_dump(dir)?;
    let circuits = Arc::new(load_circuits(config).await?);
    let version = crate::prover_version(circuits.zk_version());
    let bar = spinner(format!("proving {}", dir.display()));
    let proof =
        tokio::task::spawn_blocking(move || circuits.prove_chunk(&universal, &version)).await?;
    bar.finish_and_clear();
    let path = dir.join(DUMP_PROOF_FILE);
    std::fs::write(&path, proof?.proof_json)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(path)
}

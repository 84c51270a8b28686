//! The operator commands beside the service:
//!
//! - [`handle`] (`prover handle <testset.json>`): proves the tasks a test set names
//!   (`{"chunks": [hash, …], "batches": […], "bundles": […]}`, in that order) straight from the
//!   coordinator: each is asked for by id, proven, checked, submitted, and must be accepted
//!   (the coordinator verifies it); the first failure stops the run with its reason.
//! - [`dump`] (`prover dump [--json] <chunk|batch|bundle> <id>`): fetches one task's input the
//!   same way and writes it to a folder, proving nothing: `task.json` (task id, type, fork,
//!   verifying-key id, identifier) and the input: a chunk's witness, `witness.bin` (the binary
//!   encoding the task carries) or `witness.json`; a batch's data (header, blob, KZG values) as
//!   `witness.json` and its chunk proofs as `child_proofs.json`; a bundle's batch proofs as
//!   `child_proofs.json`. The assignment is handed back at once as a failed attempt
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
pub fn spinner(message: String) -> indicatif::ProgressBar {
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
/// The binary witness of a chunk dump.
pub const DUMP_WITNESS_BIN: &str = "witness.bin";
/// The JSON witness of a chunk dump, or the batch data (header, blob, KZG values) of a batch
/// dump.
pub const DUMP_WITNESS_JSON: &str = "witness.json";
/// The child proofs (wrapped-proof JSON, in order) of a batch or bundle dump.
pub const DUMP_CHILD_PROOFS: &str = "child_proofs.json";
/// The proof `prove-file` writes.
pub const DUMP_PROOF_FILE: &str = "proof.json";

/// A dump read back by [`read_dump`].
#[derive(Debug, Clone)]
pub struct Dump {
    /// The kind of task.
    pub task_type: TaskType,
    /// The task as the coordinator handed it out.
    pub task: UniversalTask,
}

/// Writes `universal`, a task of `task_type`, into `dir` as a dump (see the module
/// documentation). `json` writes a chunk's witness as JSON (batch data is always JSON).
pub fn write_dump(
    dir: &Path,
    task_id: &str,
    task_type: TaskType,
    universal: &UniversalTask,
    json: bool,
) -> anyhow::Result<()> {
    // Check the task reads as its type before writing anything.
    check_dumped(task_type, universal)?;
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let meta = DumpedTask {
        task_id: task_id.to_string(),
        task_type: task_type as u8,
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
    match task_type {
        TaskType::Chunk => {
            let witness = universal.chunk_witness()?;
            if json {
                write(DUMP_WITNESS_JSON, witness_to_json(&witness).as_bytes())
            } else {
                write(DUMP_WITNESS_BIN, &witness.encode())
            }
        }
        _ => {
            if let [data] = universal.serialized_witness.as_slice() {
                write(DUMP_WITNESS_JSON, data)?;
            }
            write(
                DUMP_CHILD_PROOFS,
                &serde_json::to_vec(&universal.aggregated_proofs).expect("serializes"),
            )
        }
    }
}

/// Checks that `universal` reads as a task of `task_type` (its witness decodes for its fork;
/// a batch's data and chunk proofs, a bundle's chained batch proofs parse).
fn check_dumped(task_type: TaskType, universal: &UniversalTask) -> anyhow::Result<()> {
    match task_type {
        TaskType::Chunk => universal.chunk_witness().map(drop),
        TaskType::Batch => universal.batch_input().map(drop),
        TaskType::Bundle => universal.bundle_batches().map(drop),
        TaskType::Undefined => anyhow::bail!("task type undefined has no dump"),
    }
    .map_err(|e| anyhow::anyhow!("the {task_type} task: {e}"))
}

/// Reads a dump written by [`write_dump`] back into the task it came from, checking that it
/// reads as its type.
pub fn read_dump(dir: &Path) -> anyhow::Result<Dump> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    let meta: DumpedTask = serde_json::from_slice(&read(DUMP_TASK_FILE)?)
        .map_err(|e| anyhow::anyhow!("{}/{DUMP_TASK_FILE}: {e}", dir.display()))?;
    let task_type = TaskType::try_from(i64::from(meta.task_type))
        .ok()
        .filter(|t| *t != TaskType::Undefined)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}/{DUMP_TASK_FILE}: unknown task type {}",
                dir.display(),
                meta.task_type
            )
        })?;
    let (serialized_witness, aggregated_proofs) = match task_type {
        TaskType::Chunk => {
            let witness_bytes = if dir.join(DUMP_WITNESS_BIN).exists() {
                read(DUMP_WITNESS_BIN)?
            } else {
                let text = String::from_utf8(read(DUMP_WITNESS_JSON)?)
                    .map_err(|_| anyhow::anyhow!("{DUMP_WITNESS_JSON} is not UTF-8"))?;
                witness_from_json(&text)
                    .map_err(|e| anyhow::anyhow!("{DUMP_WITNESS_JSON}: {e}"))?
                    .encode()
            };
            (vec![witness_bytes], Vec::new())
        }
        _ => {
            let witness = if task_type == TaskType::Batch {
                vec![read(DUMP_WITNESS_JSON)?]
            } else {
                Vec::new()
            };
            let proofs: Vec<serde_json::Value> = serde_json::from_slice(&read(DUMP_CHILD_PROOFS)?)
                .map_err(|e| anyhow::anyhow!("{}/{DUMP_CHILD_PROOFS}: {e}", dir.display()))?;
            (witness, proofs)
        }
    };
    let task = UniversalTask {
        serialized_witness,
        aggregated_proofs,
        fork_name: meta.fork_name,
        vk: STANDARD
            .decode(meta.vk.trim())
            .map_err(|e| anyhow::anyhow!("{DUMP_TASK_FILE} vk: {e}"))?,
        identifier: meta.identifier,
    };
    check_dumped(task_type, &task).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    Ok(Dump { task_type, task })
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
    let circuits = load_circuits(config).await?;
    let client = tool_client(config, &circuits)?;
    let task = fetch_task(&client, task_type, id).await?;
    let dir = out.join(format!("{task_type}-{}", task.task_id));
    let written = serde_json::from_str::<UniversalTask>(&task.task_data)
        .map_err(anyhow::Error::from)
        .and_then(|universal| write_dump(&dir, &task.task_id, task_type, &universal, json));
    hand_back(&client, &task, "dumped by `prover dump`, not proven").await;
    written?;
    Ok(dir)
}

/// `prover prove-file`: proves the dump in `dir` and writes `proof.json` there. Returns the
/// proof's path.
pub async fn prove_file(config: &Config, dir: &Path) -> anyhow::Result<PathBuf> {
    let Dump { task_type, task } = read_dump(dir)?;
    let circuits = Arc::new(load_circuits(config).await?);
    let version = crate::prover_version(circuits.zk_version());
    let bar = spinner(format!("proving the {task_type} task in {}", dir.display()));
    let proof = tokio::task::spawn_blocking(move || match task_type {
        TaskType::Batch => circuits.prove_batch(&task, &version),
        TaskType::Bundle => circuits.prove_bundle(&task, &version),
        _ => circuits.prove_chunk(&task, &version),
    })
    .await?;
    bar.finish_and_clear();
    let path = dir.join(DUMP_PROOF_FILE);
    std::fs::write(&path, proof?.proof_json)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use rollproof_libzkp::{
        BatchInput, BatchProof, BatchProofMetadata, BatchTaskInput, BundleTaskInput, ChunkProof,
        ChunkProofMetadata, WrappedProof,
    };
    use rollproof_primitives::BatchInfo;
    use rollproof_stateless::NativeCrypto;

    use super::*;

    /// A batch task over the devnet sample chunk, its chunk "proof" a placeholder (dumps read
    /// and write tasks; they verify no proof).
    fn batch_task() -> UniversalTask {
        let witness = rollproof_devnet::sample::sample_chunk();
        let chunk_proof = ChunkProof {
            metadata: ChunkProofMetadata {
                chunk_info: witness.validate(&NativeCrypto).unwrap(),
                chunk_total_gas: 21_000,
                fork_name: witness.fork,
            },
            proof: vec![1, 2, 3],
            vk: b"chunk-vk".to_vec(),
            git_version: "test".into(),
        };
        let tx_data = witness.input.tx_data();
        let (input, _) = BatchInput::assemble(
            witness.fork,
            1,
            B256::repeat_byte(0x11),
            vec![chunk_proof],
            &[&tx_data],
            true,
        )
        .unwrap();
        BatchTaskInput::from_input(&input)
            .to_task(witness.fork, b"batch-vk")
            .unwrap()
            .task
    }

    /// A bundle task over two chained batches with placeholder proofs.
    fn bundle_task() -> UniversalTask {
        let fork = ForkName::Galileo;
        let info = |i: u8| BatchInfo {
            parent_state_root: B256::repeat_byte(i),
            parent_batch_hash: B256::repeat_byte(0x80 + i),
            state_root: B256::repeat_byte(i + 1),
            batch_hash: B256::repeat_byte(0x80 + i + 1),
            chain_id: 7,
            withdraw_root: B256::repeat_byte(0x40 + i),
            prev_msg_queue_hash: B256::repeat_byte(0x20 + i),
            post_msg_queue_hash: B256::repeat_byte(0x20 + i + 1),
        };
        let proof = |i: u8| -> BatchProof {
            WrappedProof {
                metadata: BatchProofMetadata::new(info(i), fork),
                proof: vec![i; 4],
                vk: b"batch-vk".to_vec(),
                git_version: "test".into(),
            }
        };
        BundleTaskInput {
            batch_proofs: vec![proof(1), proof(2)],
            bundle_info: None,
        }
        .to_task(fork, b"bundle-vk")
        .unwrap()
        .task
    }

    fn same(a: &UniversalTask, b: &UniversalTask) {
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap()
        );
    }

    #[test]
    fn batch_and_bundle_dumps_read_back_as_the_task() {
        let dir = tempfile::tempdir().unwrap();
        for (task_type, task, files) in [
            (
                TaskType::Batch,
                batch_task(),
                &[DUMP_WITNESS_JSON, DUMP_CHILD_PROOFS][..],
            ),
            (TaskType::Bundle, bundle_task(), &[DUMP_CHILD_PROOFS][..]),
        ] {
            let folder = dir.path().join(task_type.to_string());
            write_dump(&folder, "0xabc", task_type, &task, false).unwrap();
            for file in files {
                assert!(folder.join(file).exists(), "{task_type}: {file}");
            }
            let read = read_dump(&folder).unwrap();
            assert_eq!(read.task_type, task_type);
            same(&read.task, &task);
        }
    }

    #[test]
    fn damaged_batch_and_bundle_dumps_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("batch");
        let task = batch_task();
        // A batch task is not a bundle task: nothing is written.
        let wrong = write_dump(&batch, "0xabc", TaskType::Bundle, &task, false).unwrap_err();
        assert!(wrong.to_string().contains("the bundle task"), "{wrong}");
        assert!(!batch.exists());

        write_dump(&batch, "0xabc", TaskType::Batch, &task, false).unwrap();
        let proofs = batch.join(DUMP_CHILD_PROOFS);
        let bytes = std::fs::read(&proofs).unwrap();
        std::fs::write(&proofs, &bytes[..bytes.len() / 2]).unwrap();
        let cut = read_dump(&batch).unwrap_err().to_string();
        assert!(cut.contains(DUMP_CHILD_PROOFS), "{cut}");
        std::fs::write(&proofs, &bytes).unwrap();

        // Batch data that no longer decodes names the batch task.
        let data = batch.join(DUMP_WITNESS_JSON);
        let text = std::fs::read_to_string(&data).unwrap();
        std::fs::write(
            &data,
            text.replacen("\"batch_header\":\"", "\"batch_header\":\"AA", 1),
        )
        .unwrap();
        let header = read_dump(&batch).unwrap_err().to_string();
        assert!(header.contains("the batch task"), "{header}");
        std::fs::remove_file(&data).unwrap();
        let missing = read_dump(&batch).unwrap_err().to_string();
        assert!(missing.contains(DUMP_WITNESS_JSON), "{missing}");

        // An unknown type in task.json.
        let meta = batch.join(DUMP_TASK_FILE);
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(&meta, text.replace("\"task_type\": 2", "\"task_type\": 9")).unwrap();
        let unknown = read_dump(&batch).unwrap_err().to_string();
        assert!(unknown.contains("unknown task type 9"), "{unknown}");
    }
}

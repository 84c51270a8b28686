//! Building the universal task a prover receives for an assignment ([`build_task`]):
//!
//! - a chunk ([`build_chunk_task`]): the chunk row, its blocks' stored witnesses, the fork of
//!   its first block under the genesis schedule, and libzkp's [`chunk_task`] (native validation
//!   included) with the fork's verifying key;
//! - a batch ([`build_batch_task`]): the batch row (header, blob data, KZG commitment and proof
//!   from `blob_data_proof`) and its chunks' verified proofs; libzkp recomputes the blob values,
//!   refuses the task when they differ from the row's, and checks the batch natively;
//! - a bundle ([`build_bundle_task`]): its batches' verified proofs, which must chain.
//!
//! The fork of a batch or bundle is that of its first chunk. Decoding and checking costs real
//! CPU time, so that part runs on tokio's blocking pool, never on the async workers.

use std::sync::Arc;

use alloy_primitives::B256;
use rollproof_db::{batch, bundle, chunk, l2_block, Db};
use rollproof_libzkp::{
    chunk_task,
    witness::{chunk_witness_from_blocks, WitnessError},
    BatchProof, BatchTaskInput, BundleTaskInput, ChunkProof, ProvingTask,
};
use rollproof_primitives::{BlobDataProof, ForkName, ForkSchedule, NoActiveFork, TaskType};
use serde::Serialize;

use crate::verifier::Verifiers;

/// A task ready to send.
#[derive(Debug, Clone)]
pub struct BuiltTask {
    /// The fork whose circuit proves it.
    pub fork: ForkName,
    /// The universal task as JSON (the `task_data` string of get_task).
    pub task_json: String,
    /// What a valid proof of it claims, as JSON of the task type's proof metadata (recorded on
    /// the assignment, checked at submit).
    pub metadata_json: Vec<u8>,
}

impl BuiltTask {
    fn of<M: Serialize>(fork: ForkName, built: &ProvingTask<M>) -> Self {
        Self {
            fork,
            task_json: built.task_json(),
            metadata_json: built.metadata_json().into_bytes(),
        }
    }
}

/// Why a task cannot be built. Each is a server-side problem (the data is missing or
/// inconsistent), never the prover's.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The chunk row is gone.
    #[error("chunk {0} is not stored")]
    NoChunk(B256),
    /// The schedule gives the chunk's first block no fork.
    #[error("chunk {chunk}: {source}")]
    NoFork {
        /// The chunk.
        chunk: B256,
        /// The schedule's answer.
        source: NoActiveFork,
    },
    /// The chunk's fork has no configured verifier.
    #[error("chunk {chunk} is a {fork} chunk, and this coordinator has no {fork} verifier")]
    ForkNotConfigured {
        /// The chunk.
        chunk: B256,
        /// Its fork.
        fork: ForkName,
    },
    /// Blocks of the chunk are not stored.
    #[error("chunk {chunk} covers blocks {start}..={end}, but only {found} of them are stored")]
    MissingBlocks {
        /// The chunk.
        chunk: B256,
        /// First block.
        start: u64,
        /// Last block.
        end: u64,
        /// How many are stored.
        found: usize,
    },
    /// A block has no stored witness.
    #[error("chunk {chunk}: block {block} has no stored witness")]
    MissingWitness {
        /// The chunk.
        chunk: B256,
        /// The block.
        block: u64,
    },
    /// The stored witnesses do not make a chunk witness.
    #[error("chunk {chunk}: {source}")]
    Witness {
        /// The chunk.
        chunk: B256,
        /// Why.
        source: WitnessError,
    },
    /// The witness contradicts the chain's configuration or the chunk row.
    #[error("chunk {chunk}: {reason}")]
    Mismatch {
        /// The chunk.
        chunk: B256,
        /// What differs.
        reason: String,
    },
    /// libzkp refused the chunk (it does not validate).
    #[error("chunk {chunk}: {source}")]
    Build {
        /// The chunk.
        chunk: B256,
        /// libzkp's error.
        source: rollproof_libzkp::Error,
    },
    /// A batch or bundle row is gone.
    #[error("{task_type} {id} is not stored")]
    NoObject {
        /// Batch or bundle.
        task_type: TaskType,
        /// Its hash.
        id: B256,
    },
    /// A batch's or bundle's data or child proofs are missing or do not make a task.
    #[error("{task_type} {id}: {reason}")]
    Aggregation {
        /// Batch or bundle.
        task_type: TaskType,
        /// Its hash.
        id: B256,
        /// Why.
        reason: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] rollproof_db::Error),
    /// The blocking task panicked or was cancelled.
    #[error("task building did not finish: {0}")]
    Join(String),
}

/// Builds the universal task of chunk `task_id`: loads the chunk and its blocks' witnesses,
/// takes the fork of its first block from `schedule`, checks the witness against the chain id,
/// that fork and the chunk row's state roots, and builds the task with the fork's verifying key
/// (validating the chunk natively) on the blocking pool.
pub async fn build_chunk_task(
    db: &Db,
    verifiers: &Arc<Verifiers>,
    schedule: &ForkSchedule,
    chain_id: u64,
    task_id: B256,
) -> Result<BuiltTask, TaskError> {
    let row = chunk::get_by_hash(db, task_id)
        .await?
        .ok_or(TaskError::NoChunk(task_id))?;
    let c = row.data;
    let fork = schedule
        .fork_at(c.start_block_number, c.start_block_time)
        .map_err(|source| TaskError::NoFork {
            chunk: task_id,
            source,
        })?;
    if verifiers.chunk_vk(fork).is_none() {
        return Err(TaskError::ForkNotConfigured {
            chunk: task_id,
            fork,
        });
    }
    let stored = l2_block::witnesses_in_range(db, c.start_block_number, c.end_block_number).await?;
    let expected = (c.end_block_number - c.start_block_number + 1) as usize;
    if stored.len() != expected {
        return Err(TaskError::MissingBlocks {
            chunk: task_id,
            start: c.start_block_number,
            end: c.end_block_number,
            found: stored.len(),
        });
    }
    let mut parts = Vec::with_capacity(stored.len());
    for b in stored {
        let witness = b.witness.ok_or(TaskError::MissingWitness {
            chunk: task_id,
            block: b.number,
        })?;
        parts.push((b.number, witness));
    }

    let verifiers = Arc::clone(verifiers);
    tokio::task::spawn_blocking(move || {
        let mismatch = |reason: String| TaskError::Mismatch {
            chunk: task_id,
            reason,
        };
        let witness = chunk_witness_from_blocks(
            parts.iter().map(|(n, w)| (*n, w.as_slice())),
            c.prev_l1_message_queue_hash,
        )
        .map_err(|source| TaskError::Witness {
            chunk: task_id,
            source,
        })?;
        if witness.chain_id != chain_id {
            return Err(mismatch(format!(
                "the witness is for chain {}, this coordinator's l2.chain_id is {chain_id}",
                witness.chain_id
            )));
        }
        if witness.fork != fork {
            return Err(mismatch(format!(
                "the witness is for fork {}, the genesis schedule puts block {} in {fork}",
                witness.fork, c.start_block_number
            )));
        }
        let vk = verifiers.chunk_vk(fork).expect("checked above");
        let built = chunk_task(&witness, vk).map_err(|source| TaskError::Build {
            chunk: task_id,
            source,
        })?;
        let info = &built.metadata.chunk_info;
        if info.prev_state_root != c.parent_chunk_state_root || info.post_state_root != c.state_root
        {
            return Err(mismatch(format!(
                "the witness goes from state root {} to {}, the chunk row from {} to {}",
                info.prev_state_root, info.post_state_root, c.parent_chunk_state_root, c.state_root
            )));
        }
        Ok(BuiltTask::of(fork, &built))
    })
    .await
    .map_err(|e| TaskError::Join(e.to_string()))?
}

/// Builds the universal task of a `task_type` assignment on object `task_id`.
pub async fn build_task(
    db: &Db,
    verifiers: &Arc<Verifiers>,
    schedule: &ForkSchedule,
    chain_id: u64,
    task_type: TaskType,
    task_id: B256,
) -> Result<BuiltTask, TaskError> {
    match task_type {
        TaskType::Chunk => build_chunk_task(db, verifiers, schedule, chain_id, task_id).await,
        TaskType::Batch => build_batch_task(db, verifiers, schedule, task_id).await,
        TaskType::Bundle => build_bundle_task(db, verifiers, schedule, task_id).await,
        TaskType::Undefined => Err(TaskError::NoObject {
            task_type,
            id: task_id,
        }),
    }
}

/// The fork of a batch or bundle: that of its first chunk's first block, which must have a
/// configured `circuit` verifier. Returns it with the verifying key id.
fn aggregation_fork(
    verifiers: &Verifiers,
    schedule: &ForkSchedule,
    circuit: TaskType,
    id: B256,
    first_chunk: &chunk::Chunk,
) -> Result<(ForkName, Vec<u8>), TaskError> {
    let c = &first_chunk.data;
    let fork = schedule
        .fork_at(c.start_block_number, c.start_block_time)
        .map_err(|source| TaskError::NoFork {
            chunk: c.hash,
            source,
        })?;
    let vk = verifiers
        .vk(fork, circuit)
        .ok_or_else(|| TaskError::Aggregation {
            task_type: circuit,
            id,
            reason: format!(
                "it is a {fork} {circuit}, and this coordinator has no {fork} {circuit} verifier"
            ),
        })?;
    Ok((fork, vk.to_vec()))
}

/// The stored wrapped proof of a child (chunk of a batch, batch of a bundle), parsed.
fn child_proof<P: serde::de::DeserializeOwned>(
    task_type: TaskType,
    id: B256,
    child: &str,
    child_id: B256,
    proof: Option<&[u8]>,
) -> Result<P, TaskError> {
    let failed = move |reason: String| TaskError::Aggregation {
        task_type,
        id,
        reason,
    };
    let bytes = proof.ok_or_else(|| failed(format!("{child} {child_id} has no stored proof")))?;
    serde_json::from_slice(bytes).map_err(|e| {
        failed(format!(
            "{child} {child_id}'s stored proof is unreadable: {e}"
        ))
    })
}

/// Builds the universal task of batch `task_id` from its row and its chunks' proofs.
pub async fn build_batch_task(
    db: &Db,
    verifiers: &Arc<Verifiers>,
    schedule: &ForkSchedule,
    task_id: B256,
) -> Result<BuiltTask, TaskError> {
    let task_type = TaskType::Batch;
    let failed = move |reason: String| TaskError::Aggregation {
        task_type,
        id: task_id,
        reason,
    };
    let row = batch::get_by_hash(db, task_id)
        .await?
        .ok_or(TaskError::NoObject {
            task_type,
            id: task_id,
        })?;
    let chunks = chunk::list_by_batch(db, task_id).await?;
    let first = chunks
        .first()
        .ok_or_else(|| failed("it has no chunks".to_string()))?;
    let (fork, vk) = aggregation_fork(verifiers, schedule, task_type, task_id, first)?;
    let chunk_proofs = chunks
        .iter()
        .map(|c| {
            child_proof::<ChunkProof>(
                task_type,
                task_id,
                "chunk",
                c.data.hash,
                c.proving.proof.as_deref(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let b = row.data;
    let blob_bytes = b
        .blob_bytes
        .ok_or_else(|| failed("the row has no blob_bytes".to_string()))?;
    let opening = b
        .blob_data_proof
        .as_deref()
        .and_then(|bytes| BlobDataProof::from_bytes(bytes).ok())
        .ok_or_else(|| {
            failed("the row's blob_data_proof is missing or not 160 bytes".to_string())
        })?;
    let input = BatchTaskInput {
        chunk_proofs,
        chunk_infos: None,
        batch_header: b.batch_header,
        blob_bytes,
        kzg_commitment: opening.commitment,
        kzg_proof: opening.proof,
        challenge_digest: Some(b.challenge_digest),
    };
    tokio::task::spawn_blocking(move || {
        let built = input
            .to_task(fork, &vk)
            .map_err(|e| failed(e.to_string()))?;
        if built.metadata.batch_hash != task_id {
            return Err(failed(format!(
                "its header hashes to {}, not to the row's hash",
                built.metadata.batch_hash
            )));
        }
        Ok(BuiltTask::of(fork, &built))
    })
    .await
    .map_err(|e| TaskError::Join(e.to_string()))?
}

/// Builds the universal task of bundle `task_id` from its batches' proofs.
pub async fn build_bundle_task(
    db: &Db,
    verifiers: &Arc<Verifiers>,
    schedule: &ForkSchedule,
    task_id: B256,
) -> Result<BuiltTask, TaskError> {
    let task_type = TaskType::Bundle;
    let failed = move |reason: String| TaskError::Aggregation {
        task_type,
        id: task_id,
        reason,
    };
    bundle::get_by_hash(db, task_id)
        .await?
        .ok_or(TaskError::NoObject {
            task_type,
            id: task_id,
        })?;
    let batches = batch::list_by_bundle(db, task_id).await?;
    let first = batches
        .first()
        .ok_or_else(|| failed("it has no batches".to_string()))?;
    let first_chunk = chunk::list_by_batch(db, first.data.hash)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| failed(format!("its first batch {} has no chunks", first.data.hash)))?;
    let (fork, vk) = aggregation_fork(verifiers, schedule, task_type, task_id, &first_chunk)?;
    let batch_proofs = batches
        .iter()
        .map(|b| {
            child_proof::<BatchProof>(
                task_type,
                task_id,
                "batch",
                b.data.hash,
                b.proving.proof.as_deref(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let input = BundleTaskInput {
        batch_proofs,
        bundle_info: None,
    };
    tokio::task::spawn_blocking(move || {
        let built = input
            .to_task(fork, &vk)
            .map_err(|e| failed(e.to_string()))?;
        Ok(BuiltTask::of(fork, &built))
    })
    .await
    .map_err(|e| TaskError::Join(e.to_string()))?
}

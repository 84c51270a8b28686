//! Building the universal task a prover receives for an assigned chunk: the chunk row, its
//! blocks' stored witnesses, the fork of its first block under the genesis schedule, and
//! libzkp's [`chunk_task`] (native validation included) with the fork's verifying key.
//!
//! Decoding and validating a chunk costs real CPU time, so [`build_chunk_task`] runs that part
//! on tokio's blocking pool, never on the async workers.

use std::sync::Arc;

use alloy_primitives::B256;
use rollproof_db::{chunk, l2_block, Db};
use rollproof_libzkp::{
    chunk_task,
    witness::{chunk_witness_from_blocks, WitnessError},
    ChunkProofMetadata,
};
use rollproof_primitives::{ForkName, ForkSchedule, NoActiveFork};

use crate::verifier::Verifiers;

/// A chunk task ready to send.
#[derive(Debug, Clone)]
pub struct BuiltTask {
    /// The fork whose circuit proves it.
    pub fork: ForkName,
    /// The universal task as JSON (the `task_data` string of get_task).
    pub task_json: String,
    /// What a valid proof of it claims (recorded on the assignment, checked at submit).
    pub metadata: ChunkProofMetadata,
}

/// Why a chunk task cannot be built. Each is a server-side problem (the data is missing or
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
        let task_json = serde_json::to_string(&built.task).expect("a task always serializes");
        Ok(BuiltTask {
            fork,
            task_json,
            metadata: built.metadata,
        })
    })
    .await
    .map_err(|e| TaskError::Join(e.to_string()))?
}

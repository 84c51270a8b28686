//! The operator commands of `coordinator_tool`, printing to a writer.

use std::io::Write;

use alloy_primitives::B256;
use rollproof_db::{block_list, stats, tasks, Db};
use rollproof_primitives::{ProvingStatus, TaskType};

/// Prints counts per type and status, the oldest unassigned task per type and active provers.
pub async fn status(db: &Db, out: &mut impl Write) -> anyhow::Result<()> {
    for c in stats::task_status_counts(db).await? {
        writeln!(out, "{:<7} {:<11} {}", c.task_type, c.status, c.count)?;
    }
    for t in [TaskType::Chunk, TaskType::Batch, TaskType::Bundle] {
        if let Some(index) = stats::oldest_unassigned(db, t).await? {
            writeln!(out, "oldest unassigned {t}: index {index}")?;
        }
    }
    writeln!(out, "active provers: {}", stats::active_provers(db).await?)?;
    Ok(())
}

/// Lists tasks, optionally of one type and status.
pub async fn list_tasks(
    db: &Db,
    task_type: Option<TaskType>,
    status: Option<ProvingStatus>,
    limit: u32,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let filter = tasks::TaskFilter {
        task_type,
        proving_status: status,
        limit,
    };
    for t in tasks::list(db, &filter).await? {
        writeln!(
            out,
            "{} {} {} {} attempts {}/{}",
            t.task_type, t.index, t.hash, t.proving_status, t.active_attempts, t.total_attempts
        )?;
    }
    Ok(())
}

/// Requeues a failed or stuck task.
pub async fn requeue(
    db: &Db,
    task_type: TaskType,
    hash: B256,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let closed = tasks::requeue(db, task_type, hash).await?;
    writeln!(
        out,
        "requeued {task_type} {hash}; closed {closed} assignment(s)"
    )?;
    Ok(())
}

/// Blocks or unblocks a prover key.
pub async fn set_blocked(
    db: &Db,
    public_key: &str,
    name: &str,
    blocked: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let key = public_key.to_lowercase();
    let changed = if blocked {
        block_list::add(db, &key, name).await?
    } else {
        block_list::remove(db, &key).await?
    };
    let what = if blocked { "blocked" } else { "unblocked" };
    let note = if changed { "" } else { " (no change)" };
    writeln!(out, "{what} {key}{note}")?;
    Ok(())
}

/// Inserts `n` pending chunk tasks with indexes `start..start+n` (synthetic rows for tests and
/// the benchmark; the rollup's proposer writes real ones). Each chunk covers 10 blocks.
pub async fn seed_chunks(db: &Db, start: u64, n: u64) -> anyhow::Result<()> {
    for index in start..start + n {
        rollproof_db::chunk::insert(db, &synthetic_chunk(index)).await?;
    }
    Ok(())
}

fn synthetic_hash(tag: u8, n: u64) -> B256 {
    let mut b = [0u8; 32];
    b[0] = tag;
    b[24..].copy_from_slice(&n.to_be_bytes());
    B256::from(b)
}

fn synthetic_chunk(index: u64) -> rollproof_db::chunk::ChunkData {
    let first = 10 * index + 1;
    rollproof_db::chunk::ChunkData {
        index,
        hash: synthetic_hash(10, index),
        start_block_number: first,
        start_block_hash: synthetic_hash(1, first),
        end_block_number: first + 9,
        end_block_hash: synthetic_hash(1, first + 9),
        start_block_time: 1_700_000_000 + first,
        total_l1_messages_popped_before: 0,
        total_l1_messages_popped_in_chunk: 0,
        parent_chunk_hash: synthetic_hash(10, index.wrapping_sub(1)),
        state_root: synthetic_hash(3, first + 9),
        parent_chunk_state_root: synthetic_hash(3, first.saturating_sub(1)),
        withdraw_root: synthetic_hash(2, first + 9),
        prev_l1_message_queue_hash: B256::ZERO,
        post_l1_message_queue_hash: B256::ZERO,
        codec_version: 10,
        total_l2_tx_gas: 0,
        total_l2_tx_num: 0,
    }
}

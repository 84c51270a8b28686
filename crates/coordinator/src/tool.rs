//! The operator commands of `coordinator_tool`, printing to a writer.

use std::io::Write;

use alloy_primitives::B256;
use rollproof_db::{block_list, stats, tasks, Db};
use rollproof_libzkp::ProofMetadata;
use rollproof_primitives::ForkName;
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

/// `coordinator_tool verify`: checks a proof file (wrapped-proof JSON) of `circuit` offline
/// against the configured verifier of `fork`, and prints what it proves.
pub fn verify_proof_file(
    verifiers: &crate::verifier::Verifiers,
    circuit: TaskType,
    fork: ForkName,
    path: &std::path::Path,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        verifiers.vk(fork, circuit).is_some(),
        "no {circuit} verifier configured for fork {fork} (prover_manager.verifier.verifiers; \
         batch and bundle verifiers need assets built with the aggregation circuits)"
    );
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read proof file {}: {e}", path.display()))?;
    verifiers
        .verify_offline(circuit, fork, &bytes)
        .map_err(|e| anyhow::anyhow!("{}: the proof does not verify: {e}", path.display()))?;
    let (what, pi_hash) = match circuit {
        TaskType::Chunk => {
            let proof: rollproof_libzkp::ChunkProof = serde_json::from_slice(&bytes)?;
            let info = &proof.metadata.chunk_info;
            let what = format!(
                " of blocks {}..={} (chain {}), state root {} -> {},",
                info.initial_block_number,
                info.initial_block_number + info.block_ctxs.len() as u64 - 1,
                info.chain_id,
                info.prev_state_root,
                info.post_state_root,
            );
            (what, proof.metadata.pi_hash())
        }
        TaskType::Batch => {
            let proof: rollproof_libzkp::BatchProof = serde_json::from_slice(&bytes)?;
            let info = &proof.metadata.batch_info;
            let what = format!(
                " of batch {} (chain {}), state root {} -> {},",
                info.batch_hash, info.chain_id, info.parent_state_root, info.state_root
            );
            (what, proof.metadata.pi_hash())
        }
        TaskType::Bundle => {
            let proof: rollproof_libzkp::BundleProof = serde_json::from_slice(&bytes)?;
            let info = &proof.metadata.bundle_info;
            let what = format!(
                " of {} batch(es) up to {} (chain {}), state root {} -> {},",
                info.num_batches,
                info.batch_hash,
                info.chain_id,
                info.prev_state_root,
                info.post_state_root
            );
            (what, proof.metadata.pi_hash())
        }
        TaskType::Undefined => unreachable!("verify_offline refuses task type undefined"),
    };
    writeln!(
        out,
        "{}: valid {fork} {circuit} proof{what} public-input hash {pi_hash}",
        path.display(),
    )?;
    Ok(())
}

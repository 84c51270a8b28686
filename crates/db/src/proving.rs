//! What chunk, batch and bundle rows share: the proving columns ([`ProvingState`]) and the
//! description of each task table (name, readiness column, parent link) that the generic task
//! operations in [`crate::tasks`] are written against.

use chrono::NaiveDateTime;
use rollproof_primitives::{ProofsReadyStatus, ProvingStatus, TaskType, B256};

use crate::{
    conn::{args, Conn, DbRow},
    error::{Error, Result},
};

/// The proving columns of a chunk, batch or bundle row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvingState {
    /// Where the row is in its proving life (`proving_status`, default unassigned).
    pub proving_status: ProvingStatus,
    /// The verified proof (the prover's JSON, as bytes), once verified.
    pub proof: Option<Vec<u8>>,
    /// When a prover was last assigned the task (UTC).
    pub prover_assigned_at: Option<NaiveDateTime>,
    /// When the proof was verified (UTC).
    pub proved_at: Option<NaiveDateTime>,
    /// How long the prover took, as it reported.
    pub proof_time_sec: Option<u32>,
    /// How many times the task was assigned (counts against `session_attempts`).
    pub total_attempts: u16,
    /// How many provers hold the task right now (counts against `provers_per_session`).
    pub active_attempts: u16,
}

/// The proving columns, in [`ProvingState`]'s order.
pub(crate) const PROVING_COLUMNS: &str =
    "proving_status, proof, prover_assigned_at, proved_at, proof_time_sec, total_attempts, \
     active_attempts";

impl ProvingState {
    pub(crate) fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            proving_status: row.status("proving_status")?,
            proof: row.opt_bytes("proof")?,
            prover_assigned_at: row.opt_time("prover_assigned_at")?,
            proved_at: row.opt_time("proved_at")?,
            proof_time_sec: row.opt_u32("proof_time_sec")?,
            total_attempts: row.u16("total_attempts")?,
            active_attempts: row.u16("active_attempts")?,
        })
    }
}

/// A task table and how it relates to its parent.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) task_type: TaskType,
    /// The table's name.
    pub(crate) name: &'static str,
    /// The column saying whether every child proof is verified (batches, bundles).
    pub(crate) ready_column: Option<&'static str>,
    /// The table whose rows this table's rows aggregate into.
    pub(crate) parent: Option<Parent>,
}

/// A child table's link to its parent table.
#[derive(Debug)]
pub(crate) struct Parent {
    /// The parent's table.
    pub(crate) table: &'static Table,
    /// The child's column holding the parent's hash (`chunk.batch_hash`, `batch.bundle_hash`).
    pub(crate) link_column: &'static str,
}

pub(crate) static BUNDLE: Table = Table {
    task_type: TaskType::Bundle,
    name: "bundle",
    ready_column: Some("batch_proofs_status"),
    parent: None,
};

pub(crate) static BATCH: Table = Table {
    task_type: TaskType::Batch,
    name: "batch",
    ready_column: Some("chunk_proofs_status"),
    parent: Some(Parent {
        table: &BUNDLE,
        link_column: "bundle_hash",
    }),
};

pub(crate) static CHUNK: Table = Table {
    task_type: TaskType::Chunk,
    name: "chunk",
    ready_column: None,
    parent: Some(Parent {
        table: &BATCH,
        link_column: "batch_hash",
    }),
};

/// The table of a task type.
pub(crate) fn table(task_type: TaskType) -> Result<&'static Table> {
    match task_type {
        TaskType::Chunk => Ok(&CHUNK),
        TaskType::Batch => Ok(&BATCH),
        TaskType::Bundle => Ok(&BUNDLE),
        TaskType::Undefined => Err(Error::UnsupportedTaskType(task_type)),
    }
}

/// Every task table, children first.
pub(crate) const TABLES: [&Table; 3] = [&CHUNK, &BATCH, &BUNDLE];

/// Sets the readiness of the parent rows of `child` whose live children are all verified (and
/// that have at least one child). `parent_hash` limits it to one parent; `None` checks every
/// parent that is not ready yet. Returns how many parents became ready.
///
/// On PostgreSQL the caller must hold the parent row's lock when it just verified a child (see
/// [`lock_row`]): that serializes siblings verified at the same time, so the last one to commit
/// sees every other child verified.
pub(crate) async fn mark_parents_ready(
    conn: &mut Conn<'_>,
    child: &'static Table,
    parent_hash: Option<B256>,
    at: NaiveDateTime,
) -> Result<u64> {
    let Some(parent) = &child.parent else {
        return Ok(0);
    };
    let p = parent.table.name;
    let ready = parent
        .table
        .ready_column
        .expect("every parent table has a readiness column");
    let (c, link) = (child.name, parent.link_column);
    let (key, only_one) = match parent_hash {
        Some(_) => ("$3", "hash = $3 AND "),
        None => ("p.hash", ""),
    };
    let sql = format!(
        "UPDATE {p} AS p SET {ready} = $1, updated_at = $2 \
         WHERE {only_one}p.deleted_at IS NULL AND p.{ready} <> $1 \
         AND EXISTS (SELECT 1 FROM {c} WHERE {c}.{link} = {key} AND {c}.deleted_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM {c} WHERE {c}.{link} = {key} AND {c}.deleted_at IS NULL \
                         AND {c}.proving_status <> $4)"
    );
    let mut args = args![ProofsReadyStatus::Ready, at];
    args.extend(args![parent_hash, ProvingStatus::Verified]);
    conn.execute(&sql, args).await
}

/// Locks one live row of `table` by hash until the transaction ends (PostgreSQL; a no-op on
/// SQLite, whose write transaction already excludes other writers). Returns whether it exists.
pub(crate) async fn lock_row(conn: &mut Conn<'_>, table: &Table, hash: B256) -> Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {} WHERE hash = $1 AND deleted_at IS NULL{}) AS l",
        table.name,
        conn.for_update()
    );
    let n: i64 = conn.fetch_one(&sql, args![hash]).await?;
    Ok(n > 0)
}

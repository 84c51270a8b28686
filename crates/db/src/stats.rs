//! Counts for monitoring and `coordinator_tool status`: tasks per type and status, prover tasks
//! per type and status, prover-task failures per type and failure type, active provers, oldest
//! waiting task.

use rollproof_primitives::{ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType};

use crate::{
    conn::{args, DbRow, FromDbRow},
    db::Executor,
    error::Result,
    proving::{table, TABLES},
};

/// How many live tasks of one type have one proving status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskStatusCount {
    /// The kind of task.
    pub task_type: TaskType,
    /// The proving status.
    pub status: ProvingStatus,
    /// How many.
    pub count: u64,
}

/// How many prover tasks of one type have one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProverTaskStatusCount {
    /// The kind of task.
    pub task_type: TaskType,
    /// The attempt's status.
    pub status: ProverTaskStatus,
    /// How many.
    pub count: u64,
}

struct Grouped {
    task_type: i64,
    status: i64,
    count: u64,
}

impl FromDbRow for Grouped {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            task_type: row.int("task_type")?,
            status: row.int("status")?,
            count: row.u64("count")?,
        })
    }
}

fn enum_value<E>(column: &'static str, v: i64) -> Result<E>
where
    E: TryFrom<i64, Error = rollproof_primitives::InvalidEnumValue>,
{
    E::try_from(v).map_err(|source| crate::Error::InvalidEnum { column, source })
}

/// Live chunks, batches and bundles per proving status (statuses with no task are absent), by
/// type then status.
pub async fn task_status_counts<'c>(ex: impl Executor<'c>) -> Result<Vec<TaskStatusCount>> {
    let mut h = ex.acquire().await?;
    let mut conn = h.conn();
    let mut out = Vec::new();
    for t in TABLES {
        let rows: Vec<Grouped> = conn
            .fetch_all(
                &format!(
                    "SELECT $1 AS task_type, proving_status AS status, COUNT(*) AS count FROM {} \
                     WHERE deleted_at IS NULL GROUP BY proving_status ORDER BY proving_status",
                    t.name
                ),
                args![t.task_type],
            )
            .await?;
        for r in rows {
            out.push(TaskStatusCount {
                task_type: enum_value("task_type", r.task_type)?,
                status: enum_value("proving_status", r.status)?,
                count: r.count,
            });
        }
    }
    Ok(out)
}

/// Live tasks of one type with one proving status (e.g. unassigned chunks, for the external
/// prover threshold).
pub async fn count_tasks<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    status: ProvingStatus,
) -> Result<u64> {
    let t = table(task_type)?;
    let mut h = ex.acquire().await?;
    let n: i64 = h
        .conn()
        .fetch_one(
            &format!(
                "SELECT COUNT(*) AS n FROM {} WHERE proving_status = $1 AND deleted_at IS NULL",
                t.name
            ),
            args![status],
        )
        .await?;
    Ok(n.unsigned_abs())
}

/// Live prover tasks per type and status, by type then status.
pub async fn prover_task_status_counts<'c>(
    ex: impl Executor<'c>,
) -> Result<Vec<ProverTaskStatusCount>> {
    let mut h = ex.acquire().await?;
    let rows: Vec<Grouped> = h
        .conn()
        .fetch_all(
            "SELECT task_type, proving_status AS status, COUNT(*) AS count FROM prover_task \
             WHERE deleted_at IS NULL GROUP BY task_type, proving_status \
             ORDER BY task_type, proving_status",
            args![],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ProverTaskStatusCount {
                task_type: enum_value("task_type", r.task_type)?,
                status: enum_value("proving_status", r.status)?,
                count: r.count,
            })
        })
        .collect()
}

/// How many live prover tasks of one type failed with one failure type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProverTaskFailureCount {
    /// The kind of task.
    pub task_type: TaskType,
    /// Why the attempts failed.
    pub failure_type: ProverTaskFailureType,
    /// How many.
    pub count: u64,
}

/// Live prover tasks per type and failure type (failures only: failure type undefined is
/// left out), by type then failure type. Timeouts are recorded by `coordinator_cron`, so this
/// (shared) count is how every API replica reports them.
pub async fn prover_task_failure_counts<'c>(
    ex: impl Executor<'c>,
) -> Result<Vec<ProverTaskFailureCount>> {
    let mut h = ex.acquire().await?;
    let rows: Vec<Grouped> = h
        .conn()
        .fetch_all(
            "SELECT task_type, failure_type AS status, COUNT(*) AS count FROM prover_task \
             WHERE deleted_at IS NULL AND failure_type <> $1 GROUP BY task_type, failure_type \
             ORDER BY task_type, failure_type",
            args![ProverTaskFailureType::Undefined],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ProverTaskFailureCount {
                task_type: enum_value("task_type", r.task_type)?,
                failure_type: enum_value("failure_type", r.status)?,
                count: r.count,
            })
        })
        .collect()
}

/// How many distinct provers hold an assigned prover task.
pub async fn active_provers<'c>(ex: impl Executor<'c>) -> Result<u64> {
    let mut h = ex.acquire().await?;
    let n: i64 = h
        .conn()
        .fetch_one(
            "SELECT COUNT(DISTINCT prover_public_key) AS n FROM prover_task \
             WHERE proving_status = $1 AND deleted_at IS NULL",
            args![ProverTaskStatus::Assigned],
        )
        .await?;
    Ok(n.unsigned_abs())
}

/// The lowest index among live unassigned tasks of one type (the oldest waiting task).
pub async fn oldest_unassigned<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
) -> Result<Option<u64>> {
    let t = table(task_type)?;
    let mut h = ex.acquire().await?;
    let n: Option<i64> = h
        .conn()
        .fetch_one(
            &format!(
                "SELECT MIN(\"index\") AS n FROM {} WHERE proving_status = $1 AND deleted_at IS NULL",
                t.name
            ),
            args![ProvingStatus::Unassigned],
        )
        .await?;
    Ok(n.map(i64::unsigned_abs))
}

/// Refreshes the query planner's statistics of our tables (`ANALYZE`). The database does this
/// by itself (autovacuum) within a minute or so of a table changing much; until then a table
/// that grew from empty is planned as if it were tiny, which can pick slow plans. The benchmark
/// calls it once under load, so that it measures the steady state.
pub async fn analyze<'c>(ex: impl Executor<'c>) -> Result<()> {
    let mut h = ex.acquire().await?;
    let mut conn = h.conn();
    // Our tables only: a bare ANALYZE also visits the system catalogs, and warns about each
    // one a non-superuser may not analyze.
    for name in ["l2_block", "prover_task", "challenge", "prover_block_list"]
        .into_iter()
        .chain(TABLES.iter().map(|t| t.name))
    {
        conn.execute(&format!("ANALYZE {name}"), Vec::new()).await?;
    }
    Ok(())
}

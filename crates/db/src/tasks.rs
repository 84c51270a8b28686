//! The proving-task life cycle over the three task tables (chunk, batch, bundle), each operation
//! one transaction:
//!
//! - [`claim`]: pick the next task a prover may take, count the attempt, record the assignment
//!   ([`claim_many`]: the same for several provers at once);
//! - [`record_verified_proof`]: prover task valid + object verified with its proof + parent
//!   readiness;
//! - [`record_failure`] ([`record_failures`]: several at once): prover task invalid with a failure
//!   type, attempt released;
//! - [`expire_assigned`], [`fail_exhausted`], [`refresh_readiness`]: the cron's timeouts,
//!   exhausted tasks and readiness re-check;
//! - [`requeue`], [`set_proving_status`], [`soft_delete`], [`list`]: administration.
//!
//! Counters: `total_attempts` counts assignments; `active_attempts` counts the prover tasks of
//! the object that are still assigned (each outcome of an assigned prover task releases one).

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use rollproof_primitives::{
    ForkActivation, ForkName, ForkSchedule, ProofsReadyStatus, ProverTaskFailureType,
    ProverTaskStatus, ProvingStatus, TaskType, B256,
};
use uuid::Uuid;

use crate::{
    conn::{args, to_i64, Conn, DbRow, FromDbRow, IntoArg, List},
    db::{now, Executor},
    error::{Error, Result},
    prover_task::{
        insert_row, insert_values, lock_by_uuid, newest_task_ids_subquery, NewProverTask,
        ProverIdentity, ProverTask, COLUMNS as PROVER_TASK_COLUMNS, INSERT_COLUMNS,
    },
    proving::{lock_row, mark_parents_ready, table, Table, TABLES},
    Backend,
};

mod failures;
mod many;
pub use failures::{
    check_proof_submission, record_failures, FailureRefused, FailureRequest, FailureResult,
};
pub use many::claim_many;

/// What a prover asks for, and the limits that apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    /// The kind of task wanted.
    pub task_type: TaskType,
    /// The prover.
    pub prover: ProverIdentity,
    /// At most this many provers work on one task at once (`active_attempts` below it).
    pub provers_per_session: u8,
    /// At most this many assignments per task in all (`total_attempts` below it).
    pub session_attempts: u8,
    /// Chunks only: the prover's L2 height; chunks ending above it are skipped.
    pub max_end_block_number: Option<u64>,
    /// Tasks not to hand to this prover (hashes).
    pub exclude_task_ids: Vec<B256>,
    /// Only this task (hash), when it is claimable under every other rule (`prover handle`
    /// asks for the tasks of a test set by id).
    pub only_task_id: Option<B256>,
    /// Also skip the tasks of the prover's last `n` failed attempts of this type (the reference
    /// never hands a task back to a prover among its last 2 failures).
    pub exclude_recent_failures: u32,
    /// Hand out only tasks of these forks (`None`: any fork). A batch's fork is its first
    /// chunk's, a bundle's its first batch's.
    pub forks: Option<ForkFilter>,
}

impl ClaimRequest {
    /// The prover's own assignments whose tasks it must not get, as (status, how many of the
    /// newest): its recent failures, and the tasks it holds already (a prover never holds two
    /// slots of one task).
    fn excluded_assignments(&self) -> Vec<(ProverTaskStatus, u32)> {
        let mut out = Vec::with_capacity(2);
        if self.exclude_recent_failures > 0 {
            out.push((ProverTaskStatus::ProofInvalid, self.exclude_recent_failures));
        }
        out.push((ProverTaskStatus::Assigned, MAX_HELD));
        out
    }
}

/// Which forks' tasks a claim may take. A chunk's fork is the fork of its first block under the
/// chain's schedule: the latest fork active at (`start_block_number`, `start_block_time`), as
/// [`ForkSchedule::fork_at`] computes it; a batch's fork is its first chunk's and a bundle's its
/// first batch's. The filter is evaluated in SQL on those two columns of the (first) chunk row
/// (no fork is stored on any row), so a schedule change applies to every task at once; a chunk
/// before every scheduled fork matches no filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkFilter {
    /// The chain's fork schedule (from `genesis.json`).
    pub schedule: ForkSchedule,
    /// The forks whose chunks may be handed out (empty: none).
    pub forks: Vec<ForkName>,
}

impl ForkFilter {
    /// The SQL condition on a row of `task_type`'s table, with its parameters numbered from
    /// `$first`: on the chunk's own columns, or through the first chunk (batches) or the first
    /// batch's first chunk (bundles), joined by hash.
    fn condition_on(
        &self,
        task_type: TaskType,
        first: usize,
    ) -> Result<(String, Vec<crate::conn::Arg>)> {
        let (on_chunk, args) = self.condition(first)?;
        let sql = match task_type {
            TaskType::Chunk => on_chunk,
            TaskType::Batch => format!(
                "EXISTS (SELECT 1 FROM chunk WHERE chunk.hash = batch.start_chunk_hash \
                 AND chunk.deleted_at IS NULL AND {on_chunk})"
            ),
            TaskType::Bundle => format!(
                "EXISTS (SELECT 1 FROM batch JOIN chunk ON chunk.hash = batch.start_chunk_hash \
                 AND chunk.deleted_at IS NULL WHERE batch.hash = bundle.start_batch_hash \
                 AND batch.deleted_at IS NULL AND {on_chunk})"
            ),
            TaskType::Undefined => {
                return Err(Error::InvalidValue {
                    column: "ClaimRequest.task_type",
                    reason: "no task table for task type undefined".into(),
                })
            }
        };
        Ok((sql, args))
    }

    /// The SQL condition on `chunk.start_block_number` / `chunk.start_block_time`, with its
    /// parameters numbered from `$first`.
    fn condition(&self, first: usize) -> Result<(String, Vec<crate::conn::Arg>)> {
        let mut args = Vec::new();
        let active = |a: ForkActivation, args: &mut Vec<crate::conn::Arg>| -> Result<String> {
            let mut parts = Vec::new();
            if let Some(block) = a.block {
                args.push(to_i64(block, "fork activation block")?.into_arg());
                parts.push(format!(
                    "chunk.start_block_number >= ${}",
                    first + args.len() - 1
                ));
            }
            if let Some(time) = a.time {
                args.push(to_i64(time, "fork activation time")?.into_arg());
                parts.push(format!(
                    "chunk.start_block_time >= ${}",
                    first + args.len() - 1
                ));
            }
            Ok(if parts.is_empty() {
                "1 = 0".to_string()
            } else {
                format!("({})", parts.join(" OR "))
            })
        };
        let mut alternatives = Vec::new();
        for &fork in &self.forks {
            let activation = self.schedule.activation(fork);
            if !activation.is_scheduled() {
                continue;
            }
            let mut terms = vec![active(activation, &mut args)?];
            // The latest active fork wins: no later scheduled fork may be active.
            for later in ForkName::ALL.into_iter().filter(|&f| f > fork) {
                let later = self.schedule.activation(later);
                if later.is_scheduled() {
                    terms.push(format!("NOT {}", active(later, &mut args)?));
                }
            }
            alternatives.push(format!("({})", terms.join(" AND ")));
        }
        let sql = if alternatives.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("({})", alternatives.join(" OR "))
        };
        Ok((sql, args))
    }
}

/// At most this many of a prover's assigned tasks are excluded from its claims (a prover holds
/// one task at a time; the bound keeps the query small if a client misbehaves).
const MAX_HELD: u32 = 16;

/// A task handed to a prover by [`claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The kind of task.
    pub task_type: TaskType,
    /// The task's hash.
    pub task_id: B256,
    /// The task's index.
    pub index: u64,
    /// Assignments of the task so far, this one included.
    pub total_attempts: u16,
    /// Provers on the task now, this one included.
    pub active_attempts: u16,
    /// The new prover task (status assigned).
    pub prover_task: ProverTask,
}

struct Claimed {
    hash: B256,
    index: u64,
    total_attempts: u16,
    active_attempts: u16,
}

impl FromDbRow for Claimed {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            hash: row.hash("hash")?,
            index: row.u64("index")?,
            total_attempts: row.u16("total_attempts")?,
            active_attempts: row.u16("active_attempts")?,
        })
    }
}

/// A claimed row with its new prover task (the PostgreSQL claim's one result row).
struct ClaimedRow(Claimed, ProverTask);

impl FromDbRow for ClaimedRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self(Claimed::from_row(row)?, ProverTask::from_row(row)?))
    }
}

/// Claims the next task for a prover, atomically: the lowest-index live task of the type that
/// is already assigned to other provers and still has room (`active_attempts <
/// provers_per_session`), else the lowest-index unassigned one; in both cases with
/// `total_attempts < session_attempts`, its children's proofs ready (batches, bundles), within
/// the prover's height (chunks) and of its forks, not held by this prover already and not
/// excluded. The task becomes assigned with both counters +1 and a prover task (status
/// assigned) is inserted. `None`: nothing to hand out.
///
/// On PostgreSQL the claim is ONE statement (both passes and the insert of the prover task),
/// the candidate row taken with `FOR UPDATE SKIP LOCKED`, so concurrent claimers (several
/// coordinator replicas) never wait for each other nor take the same slot; on SQLite it runs
/// in a `BEGIN IMMEDIATE` transaction (one writer at a time), one statement per pass.
pub async fn claim<'c>(ex: impl Executor<'c>, req: &ClaimRequest) -> Result<Option<Assignment>> {
    let t = table(req.task_type)?;
    let at = now();
    let (conditions, args) = claim_conditions(req, t, at, true, ex.backend())?;
    let claimed = match ex.backend() {
        Backend::Postgres => {
            let mut h = ex.acquire().await?;
            claim_in_one_statement(&mut h.conn(), req, t, &conditions, args, at).await?
        }
        Backend::Sqlite => {
            let mut tx = ex.begin().await?;
            let claimed = claim_in_steps(&mut tx.conn(), req, t, &conditions, args, at).await?;
            tx.commit().await?;
            claimed
        }
    };
    Ok(claimed.map(|(c, prover_task)| Assignment {
        task_type: req.task_type,
        task_id: c.hash,
        index: c.index,
        total_attempts: c.total_attempts,
        active_attempts: c.active_attempts,
        prover_task,
    }))
}

/// The WHERE clause of a claim's candidate search (with `<status>` where the pass's status
/// literal goes) and its arguments; `$1` is `at`. With `per_prover` unset the prover's own
/// exclusions (its request's list, its recent failures, what it holds) are left out: a
/// batched claim applies them itself.
fn claim_conditions(
    req: &ClaimRequest,
    t: &Table,
    at: NaiveDateTime,
    per_prover: bool,
    backend: Backend,
) -> Result<(String, Vec<crate::conn::Arg>)> {
    // The status is a literal (`<status>`, filled in per pass), so that the planner uses the
    // partial indexes of assigned and unassigned tasks even in a generic prepared plan
    // (migration 0003). With one prover per session (the usual setting) "room" is the literal
    // `active_attempts = 0`: an equality on the leading column of `<table>_assigned_room_index`
    // lets the assigned pass read only the tasks with room, in index order, where
    // `active_attempts < $n` made it walk every task in flight.
    let mut conditions =
        String::from("deleted_at IS NULL AND proving_status = <status> AND total_attempts < $2");
    let mut args = args![at, req.session_attempts];
    if req.provers_per_session == 1 {
        conditions.push_str(" AND active_attempts = 0");
    } else {
        conditions.push_str(&format!(" AND active_attempts < ${}", args.len() + 1));
        args.push(req.provers_per_session.into_arg());
    }
    if let Some(ready) = t.ready_column {
        conditions.push_str(&format!(" AND {ready} = ${}", args.len() + 1));
        args.push(ProofsReadyStatus::Ready.into_arg());
    }
    if let (TaskType::Chunk, Some(height)) = (req.task_type, req.max_end_block_number) {
        conditions.push_str(&format!(" AND end_block_number <= ${}", args.len() + 1));
        args.push(to_i64(height, "chunk.end_block_number")?.into_arg());
    }
    if let Some(filter) = &req.forks {
        let (sql, fork_args) = filter.condition_on(req.task_type, args.len() + 1)?;
        conditions.push_str(&format!(" AND {sql}"));
        args.extend(fork_args);
    }
    if let Some(id) = req.only_task_id {
        conditions.push_str(&format!(" AND hash = ${}", args.len() + 1));
        args.push(id.into_arg());
    }
    if !per_prover {
        return Ok((conditions, args));
    }
    if !req.exclude_task_ids.is_empty() {
        let (listed, list_args) =
            backend.any_of("hash", args.len() + 1, List::hashes(&req.exclude_task_ids));
        conditions.push_str(&format!(" AND NOT ({listed})"));
        args.extend(list_args);
    }
    for (status, limit) in req.excluded_assignments() {
        let (sql, sub_args) = newest_task_ids_subquery(
            args.len() + 1,
            &req.prover.public_key,
            req.task_type,
            status,
            limit,
        );
        conditions.push_str(&format!(" AND hash NOT IN ({sql})"));
        args.extend(sub_args);
    }
    Ok((conditions, args))
}

/// The claim's UPDATE of the row whose index `candidate` (an SQL expression) gives.
fn claim_update(t: &Table, candidate: &str) -> String {
    format!(
        "UPDATE {name} SET proving_status = {assigned}, total_attempts = total_attempts + 1, \
         active_attempts = active_attempts + 1, prover_assigned_at = $1, updated_at = $1 \
         WHERE deleted_at IS NULL AND \"index\" = {candidate} \
         RETURNING hash, \"index\", total_attempts, active_attempts",
        name = t.name,
        assigned = ProvingStatus::Assigned.as_i16(),
    )
}

/// The lowest-index row of one pass (`status`: assigned with room, or unassigned), as a scalar
/// subquery; `lock` is the backend's row-locking suffix.
fn claim_candidate(t: &Table, conditions: &str, status: ProvingStatus, lock: &str) -> String {
    format!(
        "(SELECT \"index\" FROM {name} WHERE {conditions} ORDER BY \"index\" LIMIT 1{lock})",
        name = t.name,
        conditions = conditions.replace("<status>", &status.as_i16().to_string()),
    )
}

/// The new prover task of a claim.
fn new_assignment(req: &ClaimRequest, task_id: B256) -> NewProverTask {
    NewProverTask {
        prover: req.prover.clone(),
        task_id,
        task_type: req.task_type,
        proving_status: ProverTaskStatus::Assigned,
        failure_type: ProverTaskFailureType::Undefined,
    }
}

/// PostgreSQL: both passes, the counters and the prover task in one statement. `COALESCE`
/// evaluates the unassigned pass's subquery (and takes its row lock) only when the assigned
/// pass found nothing.
async fn claim_in_one_statement(
    conn: &mut Conn<'_>,
    req: &ClaimRequest,
    t: &Table,
    conditions: &str,
    mut args: Vec<crate::conn::Arg>,
    at: NaiveDateTime,
) -> Result<Option<(Claimed, ProverTask)>> {
    let lock = conn.skip_locked();
    let candidate = format!(
        "COALESCE({}, {})",
        claim_candidate(t, conditions, ProvingStatus::Assigned, lock),
        claim_candidate(t, conditions, ProvingStatus::Unassigned, lock)
    );
    let (values, insert_args) = insert_values(args.len() + 1, &req.prover, req.task_type, at);
    args.extend(insert_args);
    let (status, failure) = (args.len() + 1, args.len() + 2);
    args.extend(args![
        ProverTaskStatus::Assigned,
        ProverTaskFailureType::Undefined
    ]);
    let sql = format!(
        "WITH picked AS ({update}), assignment AS (INSERT INTO prover_task ({INSERT_COLUMNS}) \
         SELECT {values}, ${status}, ${failure}, hash FROM picked \
         RETURNING {PROVER_TASK_COLUMNS}) \
         SELECT picked.hash, picked.\"index\", picked.total_attempts, picked.active_attempts, \
         assignment.* FROM picked, assignment",
        update = claim_update(t, &candidate),
    );
    let row: Option<ClaimedRow> = conn.fetch_optional(&sql, args).await?;
    Ok(row.map(|r| (r.0, r.1)))
}

/// SQLite (inside the caller's write transaction): the assigned pass, then the unassigned
/// pass, then the insert of the prover task.
async fn claim_in_steps(
    conn: &mut Conn<'_>,
    req: &ClaimRequest,
    t: &Table,
    conditions: &str,
    args: Vec<crate::conn::Arg>,
    at: NaiveDateTime,
) -> Result<Option<(Claimed, ProverTask)>> {
    let lock = conn.skip_locked();
    let mut claimed = None;
    for status in [ProvingStatus::Assigned, ProvingStatus::Unassigned] {
        let sql = claim_update(t, &claim_candidate(t, conditions, status, lock));
        claimed = conn.fetch_optional::<Claimed>(&sql, args.clone()).await?;
        if claimed.is_some() {
            break;
        }
    }
    let Some(c) = claimed else {
        return Ok(None);
    };
    let prover_task = insert_row(conn, &new_assignment(req, c.hash), at).await?;
    Ok(Some((c, prover_task)))
}

/// What [`record_verified_proof`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofOutcome {
    /// The proof is stored: prover task valid, object verified.
    Accepted {
        /// The prover task had timed out already (a late proof, still accepted).
        late: bool,
        /// This proof was the parent's last missing child proof: the parent batch (bundle) is
        /// now ready to be proved.
        parent_ready: bool,
    },
    /// Another proof of the object was verified first: the prover task is now invalid with
    /// failure type "object already verified"; nothing else changed.
    ObjectAlreadyVerified,
}

/// Records a proof that verified, for the assignment `uuid`, in ONE transaction: the prover task
/// becomes proof-valid (with the proof); the chunk/batch/bundle becomes verified with `proof`,
/// `proved_at` and `proof_time_sec`, and releases the attempt; when every live chunk of its batch
/// (batch of its bundle) is now verified, the parent's `chunk_proofs_status`
/// (`batch_proofs_status`) becomes ready.
///
/// Accepts a prover task that is assigned, or that timed out (late proofs count). Fails with
/// [`Error::NotFound`] for an unknown uuid and [`Error::InvalidState`] (nothing changed) when the
/// prover task already has a final outcome.
pub async fn record_verified_proof<'c>(
    ex: impl Executor<'c>,
    uuid: Uuid,
    proof: &[u8],
    proof_time_sec: u32,
) -> Result<ProofOutcome> {
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let pt = lock_by_uuid(&mut conn, uuid).await?;
    let was_assigned = match (pt.proving_status, pt.failure_type) {
        (ProverTaskStatus::Assigned, _) => true,
        (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::Timeout) => false,
        (status, failure) => {
            return Err(Error::InvalidState {
                what: "prover_task",
                key: uuid.to_string(),
                reason: format!("already final: {status} (failure type {failure})"),
            })
        }
    };
    let t = table(pt.task_type)?;
    let object = lock_object(&mut conn, t, pt.task_id).await?;

    if object.proving_status == ProvingStatus::Verified {
        close_prover_task(
            &mut conn,
            uuid,
            ProverTaskFailureType::ObjectAlreadyVerified,
            at,
        )
        .await?;
        if was_assigned {
            release_attempt(&mut conn, t, pt.task_id, at).await?;
        }
        tx.commit().await?;
        return Ok(ProofOutcome::ObjectAlreadyVerified);
    }

    conn.execute(
        "UPDATE prover_task SET proving_status = $2, failure_type = $3, proof = $4, \
         updated_at = $5 WHERE uuid = $1",
        args![
            uuid,
            ProverTaskStatus::ProofValid,
            ProverTaskFailureType::Undefined,
            proof,
            at
        ],
    )
    .await?;
    conn.execute(
        &format!(
            "UPDATE {} SET proving_status = $2, proof = $3, proved_at = $4, proof_time_sec = $5, \
             updated_at = $4, active_attempts = CASE WHEN active_attempts >= $6 \
             THEN active_attempts - $6 ELSE 0 END WHERE hash = $1 AND deleted_at IS NULL",
            t.name
        ),
        args![
            pt.task_id,
            ProvingStatus::Verified,
            proof,
            at,
            proof_time_sec,
            i64::from(was_assigned)
        ],
    )
    .await?;

    let mut parent_ready = false;
    if let (Some(parent), Some(parent_hash)) = (&t.parent, object.parent_hash) {
        // Serialize with siblings verified concurrently: whoever commits last sees all proofs.
        if lock_row(&mut conn, parent.table, parent_hash).await? {
            parent_ready = mark_parents_ready(&mut conn, t, Some(parent_hash), at).await? > 0;
        }
    }
    tx.commit().await?;
    Ok(ProofOutcome::Accepted {
        late: !was_assigned,
        parent_ready,
    })
}

/// What [`record_failure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    /// The task ran out of attempts with this failure: it is now failed.
    pub object_failed: bool,
}

/// Records that an assignment failed, atomically: the prover task becomes proof-invalid with
/// `failure` (e.g. submitted status not ok, verification failed, server error), the task
/// releases the attempt (`active_attempts` - 1), and a task that has used up `session_attempts`
/// with no prover left on it becomes failed ([`record_failures`] of one request).
///
/// Fails with [`Error::NotFound`] for an unknown uuid (or a task row that is gone) and
/// [`Error::InvalidState`] (nothing changed) when the prover task is not assigned any more
/// (already valid, failed or timed out).
pub async fn record_failure<'c>(
    ex: impl Executor<'c>,
    uuid: Uuid,
    failure: ProverTaskFailureType,
    session_attempts: u8,
) -> Result<FailureOutcome> {
    let req = FailureRequest::of(uuid, failure);
    let result = record_failures(ex, &[req], session_attempts).await?.pop();
    match result.unwrap_or(Err(FailureRefused::UnknownAssignment)) {
        Ok(outcome) => Ok(outcome),
        Err(FailureRefused::UnknownAssignment | FailureRefused::OtherTask) => {
            Err(Error::NotFound {
                what: "prover_task",
                key: uuid.to_string(),
            })
        }
        Err(refused @ FailureRefused::NotAssigned { .. }) => Err(Error::InvalidState {
            what: "prover_task",
            key: uuid.to_string(),
            reason: refused.to_string(),
        }),
        Err(FailureRefused::TaskGone { table, task_id }) => Err(Error::NotFound {
            what: table,
            key: task_id.to_string(),
        }),
    }
}

/// An assignment that [`expire_assigned`] timed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredTask {
    /// The assignment.
    pub uuid: Uuid,
    /// The task's hash.
    pub task_id: B256,
    /// The prover that held it.
    pub prover_public_key: String,
    /// The prover's name.
    pub prover_name: String,
    /// The task ran out of attempts with this timeout: it is now failed.
    pub object_failed: bool,
}

/// Times out, in one transaction, up to `limit` prover tasks of `task_type` assigned at least
/// `timeout` ago (the collection time): each becomes proof-invalid with failure type timeout, its
/// task releases the attempt, and a task that has used up `session_attempts` with no prover left
/// on it becomes failed. On PostgreSQL the expired rows are taken with `FOR UPDATE SKIP LOCKED`,
/// so several crons may run at once without handling a row twice.
pub async fn expire_assigned<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    timeout: Duration,
    session_attempts: u8,
    limit: u32,
) -> Result<Vec<ExpiredTask>> {
    table(task_type)?;
    let cutoff = cutoff(timeout)?;
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let lock = conn.skip_locked();
    let expired: Vec<ProverTask> = conn
        .fetch_all(
            &format!(
                "SELECT {PROVER_TASK_COLUMNS} FROM prover_task WHERE task_type = $1 \
                 AND proving_status = $2 AND assigned_at <= $3 AND deleted_at IS NULL \
                 ORDER BY id LIMIT $4{lock}"
            ),
            args![task_type, ProverTaskStatus::Assigned, cutoff, limit],
        )
        .await?;
    let reqs: Vec<FailureRequest> = expired
        .iter()
        .map(|pt| FailureRequest::of(pt.uuid, ProverTaskFailureType::Timeout))
        .collect();
    let results = failures::fail_assignments(&mut conn, &reqs, session_attempts, at).await?;
    let mut out = Vec::with_capacity(expired.len());
    for (pt, result) in expired.into_iter().zip(results) {
        let object_failed = match result {
            Ok(outcome) => outcome.object_failed,
            // The task row is gone: the assignment still times out, there is nothing to release.
            Err(FailureRefused::TaskGone { .. }) => {
                close_prover_task(&mut conn, pt.uuid, ProverTaskFailureType::Timeout, at).await?;
                false
            }
            Err(refused) => {
                return Err(Error::InvalidState {
                    what: "prover_task",
                    key: pt.uuid.to_string(),
                    reason: format!("cannot time out a locked assignment: {refused}"),
                })
            }
        };
        out.push(ExpiredTask {
            uuid: pt.uuid,
            task_id: pt.task_id,
            prover_public_key: pt.prover_public_key,
            prover_name: pt.prover_name,
            object_failed,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Marks failed every live task of `task_type` that has used up `session_attempts`
/// (`total_attempts >= session_attempts`), has no prover on it and is neither verified nor
/// failed. Returns how many became failed.
pub async fn fail_exhausted<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    session_attempts: u8,
) -> Result<u64> {
    let t = table(task_type)?;
    let mut h = ex.acquire().await?;
    fail_if_exhausted(&mut h.conn(), t, None, session_attempts, now()).await
}

/// Re-checks readiness everywhere (the cron's backstop): every batch whose live chunks are all
/// verified gets `chunk_proofs_status` ready, every bundle whose live batches are all verified
/// gets `batch_proofs_status` ready. One transaction; returns (batches, bundles) made ready.
pub async fn refresh_readiness<'c>(ex: impl Executor<'c>) -> Result<(u64, u64)> {
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let batches = mark_parents_ready(&mut conn, table(TaskType::Chunk)?, None, at).await?;
    let bundles = mark_parents_ready(&mut conn, table(TaskType::Batch)?, None, at).await?;
    tx.commit().await?;
    Ok((batches, bundles))
}

/// Puts a task back in the queue (an operator's requeue of a failed or stuck task), in one
/// transaction: its still-assigned prover tasks become proof-invalid with failure type
/// "reassigned by admin", and the task becomes unassigned with both counters at 0. Returns how
/// many prover tasks were closed. Fails with [`Error::NotFound`] for an unknown task and
/// [`Error::InvalidState`] for a verified one.
pub async fn requeue<'c>(ex: impl Executor<'c>, task_type: TaskType, hash: B256) -> Result<u64> {
    let t = table(task_type)?;
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let object = lock_object(&mut conn, t, hash).await?;
    if object.proving_status == ProvingStatus::Verified {
        return Err(Error::InvalidState {
            what: t.name,
            key: hash.to_string(),
            reason: "already verified".into(),
        });
    }
    let closed = conn
        .execute(
            "UPDATE prover_task SET proving_status = $3, failure_type = $4, updated_at = $5 \
             WHERE task_type = $1 AND task_id = $2 AND proving_status = $6 AND deleted_at IS NULL",
            args![
                task_type,
                hash,
                ProverTaskStatus::ProofInvalid,
                ProverTaskFailureType::ReassignedByAdmin,
                at,
                ProverTaskStatus::Assigned
            ],
        )
        .await?;
    conn.execute(
        &format!(
            "UPDATE {} SET proving_status = $2, total_attempts = 0, active_attempts = 0, \
             prover_assigned_at = NULL, updated_at = $3 WHERE hash = $1 AND deleted_at IS NULL",
            t.name
        ),
        args![hash, ProvingStatus::Unassigned, at],
    )
    .await?;
    tx.commit().await?;
    Ok(closed)
}

/// Sets a live task's proving status directly (tools; the life cycle functions above keep the
/// counters consistent, this does not). Returns whether the task exists.
pub async fn set_proving_status<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    hash: B256,
    status: ProvingStatus,
) -> Result<bool> {
    let t = table(task_type)?;
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            &format!(
                "UPDATE {} SET proving_status = $2, updated_at = $3 \
                 WHERE hash = $1 AND deleted_at IS NULL",
                t.name
            ),
            args![hash, status, now()],
        )
        .await?;
    Ok(n > 0)
}

/// Soft-deletes a live task (sets `deleted_at`): it disappears from every query and its index
/// and hash may be used again. Returns whether it existed.
pub async fn soft_delete<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    hash: B256,
) -> Result<bool> {
    let t = table(task_type)?;
    let mut h = ex.acquire().await?;
    let at = now();
    let n = h
        .conn()
        .execute(
            &format!(
                "UPDATE {} SET deleted_at = $2, updated_at = $2 WHERE hash = $1 AND deleted_at IS NULL",
                t.name
            ),
            args![hash, at],
        )
        .await?;
    Ok(n > 0)
}

/// One task in a [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummary {
    /// The kind of task.
    pub task_type: TaskType,
    /// The task's index.
    pub index: u64,
    /// The task's hash.
    pub hash: B256,
    /// Its proving status.
    pub proving_status: ProvingStatus,
    /// Assignments so far.
    pub total_attempts: u16,
    /// Provers on it now.
    pub active_attempts: u16,
    /// Last assignment (UTC).
    pub prover_assigned_at: Option<NaiveDateTime>,
    /// Verification time (UTC).
    pub proved_at: Option<NaiveDateTime>,
}

struct SummaryRow(TaskSummary);

impl FromDbRow for SummaryRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self(TaskSummary {
            task_type: row.status("task_type")?,
            index: row.u64("index")?,
            hash: row.hash("hash")?,
            proving_status: row.status("proving_status")?,
            total_attempts: row.u16("total_attempts")?,
            active_attempts: row.u16("active_attempts")?,
            prover_assigned_at: row.opt_time("prover_assigned_at")?,
            proved_at: row.opt_time("proved_at")?,
        }))
    }
}

/// Which tasks [`list`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only this kind (all kinds when `None`).
    pub task_type: Option<TaskType>,
    /// Only this proving status.
    pub proving_status: Option<ProvingStatus>,
    /// At most this many per kind (100 when 0).
    pub limit: u32,
}

/// Lists live tasks by kind, then index.
pub async fn list<'c>(ex: impl Executor<'c>, filter: &TaskFilter) -> Result<Vec<TaskSummary>> {
    let mut h = ex.acquire().await?;
    let mut conn = h.conn();
    let limit = if filter.limit == 0 { 100 } else { filter.limit };
    let mut out = Vec::new();
    for t in TABLES {
        if filter.task_type.is_some_and(|wanted| wanted != t.task_type) {
            continue;
        }
        let status_filter = if filter.proving_status.is_some() {
            " AND proving_status = $3"
        } else {
            ""
        };
        let rows: Vec<SummaryRow> = conn
            .fetch_all(
                &format!(
                    "SELECT $1 AS task_type, \"index\", hash, proving_status, total_attempts, \
                     active_attempts, prover_assigned_at, proved_at FROM {} \
                     WHERE deleted_at IS NULL{status_filter} ORDER BY \"index\" LIMIT $2",
                    t.name
                ),
                args![
                    t.task_type,
                    limit,
                    filter.proving_status.map(|s| i64::from(s.as_i16()))
                ],
            )
            .await?;
        out.extend(rows.into_iter().map(|r| r.0));
    }
    Ok(out)
}

/// The columns of a locked task row that the life cycle needs.
struct ObjectState {
    proving_status: ProvingStatus,
    parent_hash: Option<B256>,
}

/// Locks a live task row (PostgreSQL) and reads its status and parent link.
async fn lock_object(conn: &mut Conn<'_>, t: &Table, hash: B256) -> Result<ObjectState> {
    let link = t.parent.as_ref().map(|p| p.link_column);
    let sql = format!(
        "SELECT proving_status{} FROM {} WHERE hash = $1 AND deleted_at IS NULL{}",
        link.map(|l| format!(", {l} AS parent_hash"))
            .unwrap_or_default(),
        t.name,
        conn.for_update()
    );
    let row: Option<ObjectRow> = conn.fetch_optional(&sql, args![hash]).await?;
    row.map(|r| r.0).ok_or_else(|| Error::NotFound {
        what: t.name,
        key: hash.to_string(),
    })
}

struct ObjectRow(ObjectState);

impl FromDbRow for ObjectRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        let has_parent = match row {
            DbRow::Pg(r) => sqlx::Row::try_column(*r, "parent_hash").is_ok(),
            DbRow::Sqlite(r) => sqlx::Row::try_column(*r, "parent_hash").is_ok(),
        };
        Ok(Self(ObjectState {
            proving_status: row.status("proving_status")?,
            parent_hash: if has_parent {
                row.opt_hash("parent_hash")?
            } else {
                None
            },
        }))
    }
}

/// Prover task -> proof invalid with `failure`.
async fn close_prover_task(
    conn: &mut Conn<'_>,
    uuid: Uuid,
    failure: ProverTaskFailureType,
    at: NaiveDateTime,
) -> Result<()> {
    conn.execute(
        "UPDATE prover_task SET proving_status = $2, failure_type = $3, updated_at = $4 \
         WHERE uuid = $1",
        args![uuid, ProverTaskStatus::ProofInvalid, failure, at],
    )
    .await?;
    Ok(())
}

/// `active_attempts - 1` (not below 0) on a live task.
async fn release_attempt(
    conn: &mut Conn<'_>,
    t: &Table,
    hash: B256,
    at: NaiveDateTime,
) -> Result<()> {
    conn.execute(
        &format!(
            "UPDATE {} SET active_attempts = CASE WHEN active_attempts > 0 \
             THEN active_attempts - 1 ELSE 0 END, updated_at = $2 \
             WHERE hash = $1 AND deleted_at IS NULL",
            t.name
        ),
        args![hash, at],
    )
    .await?;
    Ok(())
}

/// Marks failed the live tasks (one when `hash` is given) that used up their attempts, have no
/// prover on them and are neither verified nor failed.
async fn fail_if_exhausted(
    conn: &mut Conn<'_>,
    t: &Table,
    hash: Option<B256>,
    session_attempts: u8,
    at: NaiveDateTime,
) -> Result<u64> {
    let only = if hash.is_some() { " AND hash = $5" } else { "" };
    conn.execute(
        &format!(
            "UPDATE {} SET proving_status = $1, updated_at = $2 WHERE deleted_at IS NULL \
             AND total_attempts >= $3 AND active_attempts = 0 \
             AND proving_status NOT IN ($1, $4){only}",
            t.name
        ),
        args![
            ProvingStatus::Failed,
            at,
            session_attempts,
            ProvingStatus::Verified,
            hash
        ],
    )
    .await
}

/// `now - age`, for "at least `age` old" comparisons (not truncated: a row written this second
/// is at least 0 s old).
pub(crate) fn cutoff(age: Duration) -> Result<NaiveDateTime> {
    let age = chrono::Duration::from_std(age).map_err(|e| Error::InvalidValue {
        column: "(duration)",
        reason: e.to_string(),
    })?;
    Ok(Utc::now().naive_utc() - age)
}

//! [`record_failures`]: the failures of several assignments in one transaction (the coordinator
//! batches the failed submissions that arrive together, as it batches claims), each checked
//! against what its submitter says it holds.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use rollproof_primitives::{
    ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType, B256,
};
use uuid::Uuid;

use super::FailureOutcome;
use crate::{
    conn::{args, hash_to_text, Arg, Conn, DbRow, FromDbRow, List},
    db::{now, Executor},
    error::Result,
    prover_task::ProverTask,
    proving::{table, Table, TABLES},
    Backend,
};

/// One assignment to fail.
#[derive(Debug, Clone)]
pub struct FailureRequest {
    /// The prover task.
    pub uuid: Uuid,
    /// Why it failed.
    pub failure: ProverTaskFailureType,
    /// Refuse unless the prover task is this prover's (`None`: whoever holds it).
    pub prover_public_key: Option<String>,
    /// Refuse unless the prover task is of this task (`None`: whichever).
    pub task: Option<(TaskType, B256)>,
}

impl FailureRequest {
    /// A failure of assignment `uuid`, whoever holds it and whatever its task.
    pub fn of(uuid: Uuid, failure: ProverTaskFailureType) -> Self {
        Self {
            uuid,
            failure,
            prover_public_key: None,
            task: None,
        }
    }
}

/// Why [`record_failures`] left one request alone (nothing changed for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureRefused {
    /// No live prover task has this uuid, or it is another prover's.
    UnknownAssignment,
    /// The prover task is of another task than the request names.
    OtherTask,
    /// The prover task has an outcome already (valid, failed or timed out).
    NotAssigned {
        /// Its status.
        status: ProverTaskStatus,
        /// Its failure type.
        failure_type: ProverTaskFailureType,
    },
    /// The task row (table `table`, hash `task_id`) is gone.
    TaskGone {
        /// The task table.
        table: &'static str,
        /// The task.
        task_id: B256,
    },
}

impl std::fmt::Display for FailureRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownAssignment => write!(f, "no such assignment of this prover"),
            Self::OtherTask => write!(f, "the assignment is of another task"),
            Self::NotAssigned {
                status,
                failure_type,
            } => write!(
                f,
                "not assigned any more: {status} (failure type {failure_type})"
            ),
            Self::TaskGone { table, task_id } => write!(f, "{table} {task_id} is gone"),
        }
    }
}

/// What happened to one request of [`record_failures`].
pub type FailureResult = std::result::Result<FailureOutcome, FailureRefused>;

/// Records the failures of `reqs` in ONE transaction, each as [`super::record_failure`] does
/// (prover task proof-invalid with its failure type, the task's attempt released, a task out of
/// attempts with no prover left failed), after checking that the prover task exists, is the
/// named prover's, of the named task and still assigned, in that order; a request that fails a
/// check changes nothing and gets its [`FailureRefused`]. Result `i` is request `i`'s. The same
/// uuid twice: the second is refused as no longer assigned.
///
/// Rows are locked prover tasks first (by uuid), then task rows (by hash), so concurrent
/// batches never deadlock each other.
pub async fn record_failures<'c>(
    ex: impl Executor<'c>,
    reqs: &[FailureRequest],
    session_attempts: u8,
) -> Result<Vec<FailureResult>> {
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = ex.begin().await?;
    let out = fail_assignments(&mut tx.conn(), reqs, session_attempts, now()).await?;
    tx.commit().await?;
    Ok(out)
}

/// The work of [`record_failures`] inside the caller's transaction on `conn`, at time `at`.
pub(super) async fn fail_assignments(
    conn: &mut Conn<'_>,
    reqs: &[FailureRequest],
    session_attempts: u8,
    at: NaiveDateTime,
) -> Result<Vec<FailureResult>> {
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let distinct = || reqs.iter().map(|r| r.uuid).collect::<HashSet<_>>().len() == reqs.len();
    if conn.backend() == Backend::Postgres && distinct() {
        return fail_in_one_statement(conn, reqs, session_attempts, at).await;
    }
    let mut conn = conn.reborrow();
    let held = lock_assignments(&mut conn, reqs).await?;
    let mut out: Vec<Option<FailureResult>> = vec![None; reqs.len()];
    // Accepted requests by (task type, task id).
    let mut accepted: BTreeMap<(i16, B256), Vec<usize>> = BTreeMap::new();
    let mut closed = HashSet::new();
    for (i, req) in reqs.iter().enumerate() {
        let checked = held
            .get(&req.uuid)
            .ok_or(FailureRefused::UnknownAssignment)
            .and_then(|pt| check(req, pt, closed.contains(&req.uuid)));
        match checked {
            Ok(pt) => {
                closed.insert(req.uuid);
                accepted
                    .entry((pt.task_type.as_i16(), pt.task_id))
                    .or_default()
                    .push(i);
            }
            Err(refused) => out[i] = Some(Err(refused)),
        }
    }
    // Table by table, in the order of TABLES (every batch locks in the same order).
    for t in TABLES {
        let code = t.task_type.as_i16();
        let tasks: Vec<(B256, Vec<usize>)> = accepted
            .iter()
            .filter(|((task_type, _), _)| *task_type == code)
            .map(|((_, hash), slots)| (*hash, slots.clone()))
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let hashes: Vec<B256> = tasks.iter().map(|(h, _)| *h).collect();
        let old = lock_tasks(&mut conn, t, &hashes).await?;
        let mut live = Vec::new();
        for (hash, slots) in tasks {
            if old.contains_key(&hash) {
                live.push((hash, slots));
            } else {
                for i in slots {
                    out[i] = Some(Err(FailureRefused::TaskGone {
                        table: t.name,
                        task_id: hash,
                    }));
                }
            }
        }
        close_assignments(&mut conn, reqs, live.iter().flat_map(|(_, s)| s), at).await?;
        let mut failed_now = Vec::new();
        for (hash, status) in release_attempts(&mut conn, t, &live, session_attempts, at).await? {
            if status == ProvingStatus::Failed && old.get(&hash) != Some(&ProvingStatus::Failed) {
                failed_now.push(hash);
            }
        }
        for (hash, slots) in live {
            for i in slots {
                out[i] = Some(Ok(FailureOutcome {
                    object_failed: failed_now.contains(&hash),
                }));
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or(Err(FailureRefused::UnknownAssignment)))
        .collect())
}

/// The columns of a prover task that the checks need.
#[derive(Debug, Clone)]
struct Held {
    prover_public_key: String,
    task_id: B256,
    task_type: TaskType,
    proving_status: ProverTaskStatus,
    failure_type: ProverTaskFailureType,
}

impl FromDbRow for (Uuid, Held) {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok((
            row.uuid("uuid")?,
            Held {
                prover_public_key: row.text("prover_public_key")?,
                task_id: row.hash("task_id")?,
                task_type: row.status("task_type")?,
                proving_status: row.status("proving_status")?,
                failure_type: row.status("failure_type")?,
            },
        ))
    }
}

/// Request `req`'s checks against its prover task `pt` (`closed`: an earlier request of the
/// batch failed it already, which then counts as its outcome).
fn check<'a>(
    req: &FailureRequest,
    pt: &'a Held,
    closed: bool,
) -> std::result::Result<&'a Held, FailureRefused> {
    let state = match closed {
        true => (ProverTaskStatus::ProofInvalid, req.failure),
        false => (pt.proving_status, pt.failure_type),
    };
    let claim = (req.prover_public_key.as_deref(), req.task);
    check_held(
        claim,
        (&pt.prover_public_key, pt.task_type, pt.task_id),
        state,
        false,
    )?;
    Ok(pt)
}

/// submit_proof's checks of a proof for assignment `pt`, made before verifying it, in the
/// same order and with the same answers as a failure report's ([`record_failures`]): another
/// prover's assignment is unknown to `public_key`, then the task must be the one named, then
/// the assignment must still be open; a proof (unlike a failure report) is still taken after
/// the assignment timed out.
pub fn check_proof_submission(
    pt: &ProverTask,
    public_key: &str,
    task: (TaskType, B256),
) -> std::result::Result<(), FailureRefused> {
    check_held(
        (Some(public_key), Some(task)),
        (&pt.prover_public_key, pt.task_type, pt.task_id),
        (pt.proving_status, pt.failure_type),
        true,
    )
}

/// The checks both submissions share: what the submitter says (its key, the task), against
/// whose assignment of which task it is and the assignment's (status, failure type).
fn check_held(
    (public_key, task): (Option<&str>, Option<(TaskType, B256)>),
    (holder, task_type, task_id): (&str, TaskType, B256),
    (status, failure_type): (ProverTaskStatus, ProverTaskFailureType),
    timed_out_ok: bool,
) -> std::result::Result<(), FailureRefused> {
    if public_key.is_some_and(|k| k != holder) {
        return Err(FailureRefused::UnknownAssignment);
    }
    if task.is_some_and(|named| named != (task_type, task_id)) {
        return Err(FailureRefused::OtherTask);
    }
    let timed_out =
        status == ProverTaskStatus::ProofInvalid && failure_type == ProverTaskFailureType::Timeout;
    if status != ProverTaskStatus::Assigned && !(timed_out_ok && timed_out) {
        return Err(FailureRefused::NotAssigned {
            status,
            failure_type,
        });
    }
    Ok(())
}

/// The live prover tasks of `reqs`, locked in uuid order.
async fn lock_assignments(
    conn: &mut Conn<'_>,
    reqs: &[FailureRequest],
) -> Result<HashMap<Uuid, Held>> {
    let uuids: HashSet<Uuid> = reqs.iter().map(|r| r.uuid).collect();
    let (listed, args) = conn
        .backend()
        .any_of("uuid", 1, List::Uuid(uuids.into_iter().collect()));
    let sql = format!(
        "SELECT uuid, prover_public_key, task_id, task_type, proving_status, failure_type \
         FROM prover_task WHERE {listed} AND deleted_at IS NULL ORDER BY uuid{}",
        conn.for_update()
    );
    let rows: Vec<(Uuid, Held)> = conn.fetch_all(&sql, args).await?;
    Ok(rows.into_iter().collect())
}

/// The live rows of `hashes` in table `t`, locked in hash order: their proving status.
async fn lock_tasks(
    conn: &mut Conn<'_>,
    t: &Table,
    hashes: &[B256],
) -> Result<HashMap<B256, ProvingStatus>> {
    let (listed, args) = conn.backend().any_of("hash", 1, List::hashes(hashes));
    let sql = format!(
        "SELECT hash, proving_status FROM {} WHERE {listed} AND deleted_at IS NULL \
         ORDER BY hash{}",
        t.name,
        conn.for_update()
    );
    let rows: Vec<HashStatus> = conn.fetch_all(&sql, args).await?;
    Ok(rows.into_iter().map(|r| (r.0, r.1)).collect())
}

/// A task's hash and proving status.
struct HashStatus(B256, ProvingStatus);

impl FromDbRow for HashStatus {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self(row.hash("hash")?, row.status("proving_status")?))
    }
}

/// Prover tasks of requests `slots` -> proof invalid with their failure type (one statement
/// per failure type).
async fn close_assignments<'a>(
    conn: &mut Conn<'_>,
    reqs: &[FailureRequest],
    slots: impl Iterator<Item = &'a usize>,
    at: NaiveDateTime,
) -> Result<()> {
    let mut by_failure: BTreeMap<i16, (ProverTaskFailureType, Vec<Uuid>)> = BTreeMap::new();
    for &i in slots {
        let r = &reqs[i];
        by_failure
            .entry(r.failure.as_i16())
            .or_insert_with(|| (r.failure, Vec::new()))
            .1
            .push(r.uuid);
    }
    for (failure, uuids) in by_failure.into_values() {
        let mut a = args![ProverTaskStatus::ProofInvalid, failure, at];
        let (listed, list_args) = conn
            .backend()
            .any_of("uuid", a.len() + 1, List::Uuid(uuids));
        a.extend(list_args);
        conn.execute(
            &format!(
                "UPDATE prover_task SET proving_status = $1, failure_type = $2, updated_at = $3 \
                 WHERE {listed}"
            ),
            a,
        )
        .await?;
    }
    Ok(())
}

/// Releases, on each task of `tasks`, one attempt per failed assignment, and fails the tasks
/// that used up `session_attempts` with no prover left (unless verified or failed already);
/// returns each task's new proving status. One statement per released count.
async fn release_attempts(
    conn: &mut Conn<'_>,
    t: &Table,
    tasks: &[(B256, Vec<usize>)],
    session_attempts: u8,
    at: NaiveDateTime,
) -> Result<Vec<(B256, ProvingStatus)>> {
    let mut by_count: BTreeMap<usize, Vec<B256>> = BTreeMap::new();
    for (hash, slots) in tasks {
        by_count.entry(slots.len()).or_default().push(*hash);
    }
    let mut out = Vec::new();
    for (count, hashes) in by_count {
        let mut a: Vec<Arg> = args![
            count as i64,
            session_attempts,
            ProvingStatus::Failed,
            ProvingStatus::Verified,
            at
        ];
        let (listed, list_args) = conn
            .backend()
            .any_of("hash", a.len() + 1, List::hashes(&hashes));
        a.extend(list_args);
        let sql = format!(
            "UPDATE {} SET active_attempts = CASE WHEN active_attempts > $1 \
             THEN active_attempts - $1 ELSE 0 END, \
             proving_status = CASE WHEN total_attempts >= $2 AND active_attempts <= $1 \
             AND proving_status NOT IN ($3, $4) THEN $3 ELSE proving_status END, \
             updated_at = $5 WHERE deleted_at IS NULL AND {listed} \
             RETURNING hash, proving_status",
            t.name
        );
        let rows: Vec<HashStatus> = conn.fetch_all(&sql, a).await?;
        out.extend(rows.into_iter().map(|r| (r.0, r.1)));
    }
    Ok(out)
}

/// PostgreSQL's [`fail_assignments`] for distinct uuids: ONE statement (one round trip however
/// many requests) that locks the prover tasks (by uuid), then the task rows (by hash), closes
/// the assignments that pass the checks and whose task row is live, releases their attempts,
/// and reports per request what it found; the checks are then read from that report by the
/// same [`check`] as the multi-statement path.
async fn fail_in_one_statement(
    conn: &mut Conn<'_>,
    reqs: &[FailureRequest],
    session_attempts: u8,
    at: NaiveDateTime,
) -> Result<Vec<FailureResult>> {
    let args = args![
        at,
        List::Int((0..reqs.len()).map(|slot| Some(slot as i64)).collect()),
        List::Uuid(reqs.iter().map(|r| r.uuid).collect()),
        List::Text(reqs.iter().map(|r| r.prover_public_key.clone()).collect()),
        List::Int(
            reqs.iter()
                .map(|r| r.task.map(|(t, _)| t.as_i16().into()))
                .collect()
        ),
        List::Text(
            reqs.iter()
                .map(|r| r.task.map(|(_, id)| hash_to_text(&id)))
                .collect()
        ),
        List::Int(
            reqs.iter()
                .map(|r| Some(r.failure.as_i16().into()))
                .collect()
        )
    ];
    let sql = one_statement_sql(session_attempts);
    let found: Vec<(usize, Option<Held>, bool, bool, bool)> = conn.fetch_all(&sql, args).await?;
    let mut out: Vec<FailureResult> = vec![Err(FailureRefused::UnknownAssignment); reqs.len()];
    for (slot, pt, task_live, closed, failed) in found {
        let (Some(req), Some(pt)) = (reqs.get(slot), pt) else {
            continue;
        };
        out[slot] = match check(req, &pt, false) {
            Err(refused) => Err(refused),
            Ok(_) if !task_live => Err(FailureRefused::TaskGone {
                table: table(pt.task_type)?.name,
                task_id: pt.task_id,
            }),
            Ok(_) if closed => Ok(FailureOutcome {
                object_failed: failed,
            }),
            Ok(_) => {
                return Err(crate::Error::InvalidState {
                    what: "prover_task",
                    key: req.uuid.to_string(),
                    reason: "passed every check but was not closed".into(),
                })
            }
        };
    }
    Ok(out)
}

/// The statement of [`fail_in_one_statement`]: `$1` is now, `$2..$7` the requests as arrays
/// (slot, uuid, public key, task type, task id, failure), one statement text for any batch.
fn one_statement_sql(session_attempts: u8) -> String {
    let assigned = ProverTaskStatus::Assigned.as_i16();
    let invalid = ProverTaskStatus::ProofInvalid.as_i16();
    let (failed, verified) = (
        ProvingStatus::Failed.as_i16(),
        ProvingStatus::Verified.as_i16(),
    );
    let mut ctes = vec![
        "req (slot, uuid, pk, task_type, task_id, failure) AS (SELECT * FROM unnest($2::bigint[], \
         $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::bigint[]))"
            .to_string(),
        "pt AS (SELECT p.uuid, p.prover_public_key, p.task_id, p.task_type, p.proving_status, \
         p.failure_type FROM prover_task p WHERE p.uuid IN (SELECT uuid FROM req) \
         AND p.deleted_at IS NULL ORDER BY p.uuid FOR UPDATE)"
            .to_string(),
        format!(
            "ok AS (SELECT r.uuid, r.failure, pt.task_id, pt.task_type FROM req r \
             JOIN pt ON pt.uuid = r.uuid WHERE pt.proving_status = {assigned} \
             AND (r.pk IS NULL OR r.pk = pt.prover_public_key) AND (r.task_type IS NULL \
             OR (r.task_type = pt.task_type AND r.task_id = pt.task_id)))"
        ),
    ];
    let (mut live, mut newly_failed) = (Vec::new(), Vec::new());
    for t in TABLES {
        let (name, code) = (t.name, t.task_type.as_i16());
        ctes.push(format!(
            "obj_{name} AS (SELECT hash, proving_status AS old_status FROM {name} \
             WHERE hash IN (SELECT task_id FROM ok WHERE task_type = {code}) \
             AND deleted_at IS NULL ORDER BY hash FOR UPDATE)"
        ));
        ctes.push(format!(
            "rel_{name} AS (UPDATE {name} AS t SET \
             active_attempts = GREATEST(t.active_attempts - n.k, 0), \
             proving_status = CASE WHEN t.total_attempts >= {session_attempts} \
             AND t.active_attempts <= n.k AND t.proving_status NOT IN ({failed}, {verified}) \
             THEN {failed} ELSE t.proving_status END, updated_at = $1 \
             FROM (SELECT o.hash, o.old_status, (SELECT COUNT(*) FROM ok \
             WHERE ok.task_type = {code} AND ok.task_id = o.hash) AS k FROM obj_{name} o) AS n \
             WHERE t.hash = n.hash AND t.deleted_at IS NULL \
             RETURNING t.hash, n.old_status, t.proving_status)"
        ));
        live.push(format!("SELECT hash, {code} AS task_type FROM obj_{name}"));
        newly_failed.push(format!(
            "SELECT hash, {code} AS task_type FROM rel_{name} \
             WHERE proving_status = {failed} AND old_status <> {failed}"
        ));
    }
    ctes.push(format!("live AS ({})", live.join(" UNION ALL ")));
    ctes.push(format!(
        "newly_failed AS ({})",
        newly_failed.join(" UNION ALL ")
    ));
    ctes.push(format!(
        "closed AS (UPDATE prover_task p SET proving_status = {invalid}, \
         failure_type = ok.failure, updated_at = $1 FROM ok WHERE p.uuid = ok.uuid \
         AND EXISTS (SELECT 1 FROM live WHERE live.hash = ok.task_id \
         AND live.task_type = ok.task_type) RETURNING p.uuid)"
    ));
    format!(
        "WITH {} SELECT r.slot, pt.uuid, pt.prover_public_key, pt.task_id, pt.task_type, \
         pt.proving_status, pt.failure_type, \
         CASE WHEN EXISTS (SELECT 1 FROM live WHERE live.hash = pt.task_id \
         AND live.task_type = pt.task_type) THEN 1 ELSE 0 END AS task_live, \
         CASE WHEN EXISTS (SELECT 1 FROM closed WHERE closed.uuid = r.uuid) THEN 1 ELSE 0 END \
         AS closed, CASE WHEN EXISTS (SELECT 1 FROM newly_failed f WHERE f.hash = pt.task_id \
         AND f.task_type = pt.task_type) THEN 1 ELSE 0 END AS failed \
         FROM req r LEFT JOIN pt ON pt.uuid = r.uuid",
        ctes.join(", ")
    )
}

impl FromDbRow for (usize, Option<Held>, bool, bool, bool) {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        let held = match row.opt_text("prover_public_key")? {
            Some(_) => Some(<(Uuid, Held)>::from_row(row)?.1),
            None => None,
        };
        Ok((
            row.int("slot")? as usize,
            held,
            row.int("task_live")? != 0,
            row.int("closed")? != 0,
            row.int("failed")? != 0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "02ab";

    fn held(status: ProverTaskStatus, failure_type: ProverTaskFailureType) -> Held {
        Held {
            prover_public_key: KEY.into(),
            task_id: B256::repeat_byte(1),
            task_type: TaskType::Chunk,
            proving_status: status,
            failure_type,
        }
    }

    fn report(key: &str, task: (TaskType, B256)) -> FailureRequest {
        FailureRequest {
            uuid: Uuid::nil(),
            failure: ProverTaskFailureType::SubmitStatusNotOk,
            prover_public_key: Some(key.into()),
            task: Some(task),
        }
    }

    #[test]
    fn owner_then_task_then_state_and_only_proofs_pass_a_timeout() {
        use ProverTaskFailureType as F;
        use ProverTaskStatus as S;
        let ours = (TaskType::Chunk, B256::repeat_byte(1));
        let other = (TaskType::Batch, B256::repeat_byte(1));
        let open = held(S::Assigned, F::Undefined);
        let timed_out = held(S::ProofInvalid, F::Timeout);
        let valid = held(S::ProofValid, F::Undefined);
        // Another prover's assignment is unknown to it, whatever task it names.
        let r = check(&report("03cd", other), &valid, false);
        assert_eq!(r.err(), Some(FailureRefused::UnknownAssignment));
        assert_eq!(
            check(&report(KEY, other), &valid, false).err(),
            Some(FailureRefused::OtherTask)
        );
        assert!(check(&report(KEY, ours), &open, false).is_ok());
        let already = FailureRefused::NotAssigned {
            status: S::ProofInvalid,
            failure_type: F::SubmitStatusNotOk,
        };
        assert_eq!(check(&report(KEY, ours), &open, true).err(), Some(already));
        let late = FailureRefused::NotAssigned {
            status: S::ProofInvalid,
            failure_type: F::Timeout,
        };
        assert_eq!(
            check(&report(KEY, ours), &timed_out, false).err(),
            Some(late)
        );
        // The proof path: the same order, and a timed-out assignment still takes a proof.
        let as_proof = |h: &Held| {
            let claim = (Some(KEY), Some(ours));
            check_held(
                claim,
                (&h.prover_public_key, h.task_type, h.task_id),
                (h.proving_status, h.failure_type),
                true,
            )
        };
        assert!(as_proof(&timed_out).is_ok());
        assert!(as_proof(&open).is_ok());
        assert!(matches!(
            as_proof(&valid),
            Err(FailureRefused::NotAssigned {
                status: S::ProofValid,
                ..
            })
        ));
    }
}

//! Table `prover_task`: one row per assignment of a task to a prover, with that attempt's outcome.
//! Assignments are created by [`crate::tasks::claim`]; outcomes are recorded by
//! [`crate::tasks::record_verified_proof`], [`crate::tasks::record_failure`] and
//! [`crate::tasks::expire_assigned`].

use chrono::NaiveDateTime;
use rollproof_primitives::{ProverTaskFailureType, ProverTaskStatus, TaskType, B256, U256};
use uuid::Uuid;

use crate::{
    conn::{args, placeholders, Arg, Conn, DbRow, FromDbRow, List},
    db::{now, Executor},
    error::{Error, Result},
    Backend,
};

/// Who a prover is, as it logged in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProverIdentity {
    /// Compressed secp256k1 public key, hex.
    pub public_key: String,
    /// The prover's name.
    pub name: String,
    /// The prover's version string.
    pub version: String,
}

/// One assignment of a task to a prover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProverTask {
    /// Row id (increasing with assignment order).
    pub id: u64,
    /// The assignment's id on the wire (`uuid` of get_task / submit_proof).
    pub uuid: Uuid,
    /// The prover's public key.
    pub prover_public_key: String,
    /// The prover's name.
    pub prover_name: String,
    /// The prover's version string.
    pub prover_version: String,
    /// The task: the chunk, batch or bundle hash.
    pub task_id: B256,
    /// The kind of task.
    pub task_type: TaskType,
    /// The attempt's state.
    pub proving_status: ProverTaskStatus,
    /// Why the attempt failed, when it did.
    pub failure_type: ProverTaskFailureType,
    /// Reward (unused by the coordinator; kept from the reference).
    pub reward: U256,
    /// The submitted proof, once it verified.
    pub proof: Option<Vec<u8>>,
    /// When the task was assigned (UTC).
    pub assigned_at: NaiveDateTime,
    /// Task metadata (from building the universal task), stored for verification.
    pub metadata: Option<Vec<u8>>,
    /// When the row was inserted (UTC).
    pub created_at: NaiveDateTime,
    /// When the row last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// The columns of [`ProverTask`], `reward` as decimal text.
pub(crate) const COLUMNS: &str = "id, uuid, prover_public_key, prover_name, prover_version, \
    task_id, task_type, proving_status, failure_type, CAST(reward AS TEXT) AS reward, proof, \
    assigned_at, metadata, created_at, updated_at";

impl FromDbRow for ProverTask {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            id: row.u64("id")?,
            uuid: row.uuid("uuid")?,
            prover_public_key: row.text("prover_public_key")?,
            prover_name: row.text("prover_name")?,
            prover_version: row.text("prover_version")?,
            task_id: row.hash("task_id")?,
            task_type: row.status("task_type")?,
            proving_status: row.status("proving_status")?,
            failure_type: row.status("failure_type")?,
            reward: row.u256("reward")?,
            proof: row.opt_bytes("proof")?,
            assigned_at: row.time("assigned_at")?,
            metadata: row.opt_bytes("metadata")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }
}

/// A prover task to insert directly (tools and tests; the coordinator assigns through
/// [`crate::tasks::claim`], which also counts the attempt on the task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProverTask {
    /// The prover.
    pub prover: ProverIdentity,
    /// The task's hash.
    pub task_id: B256,
    /// The kind of task.
    pub task_type: TaskType,
    /// The attempt's state.
    pub proving_status: ProverTaskStatus,
    /// Why it failed, if it did.
    pub failure_type: ProverTaskFailureType,
}

/// Inserts a prover task row with a fresh uuid and returns it.
pub async fn insert<'c>(ex: impl Executor<'c>, task: &NewProverTask) -> Result<ProverTask> {
    let mut h = ex.acquire().await?;
    insert_row(&mut h.conn(), task, now()).await
}

pub(crate) async fn insert_row(
    conn: &mut Conn<'_>,
    task: &NewProverTask,
    at: NaiveDateTime,
) -> Result<ProverTask> {
    let (values, mut args) = insert_values(1, &task.prover, task.task_type, at);
    let rest = placeholders(args.len() + 1, 3);
    args.extend(args![task.proving_status, task.failure_type, task.task_id]);
    conn.fetch_one(
        &format!(
            "INSERT INTO prover_task ({INSERT_COLUMNS}) VALUES ({values}, {rest}) \
             RETURNING {COLUMNS}"
        ),
        args,
    )
    .await
}

/// The columns an insert of a prover task writes: those [`insert_values`] gives, then
/// `proving_status`, `failure_type` and `task_id`.
pub(crate) const INSERT_COLUMNS: &str = "uuid, prover_public_key, prover_name, prover_version, \
    task_type, assigned_at, created_at, updated_at, proving_status, failure_type, task_id";

/// The first eight values of [`INSERT_COLUMNS`] (a fresh uuid, the prover's key, name and
/// version, the task type and `at` three times) as placeholders numbered from `$first`, with
/// their arguments.
pub(crate) fn insert_values(
    first: usize,
    prover: &ProverIdentity,
    task_type: TaskType,
    at: NaiveDateTime,
) -> (String, Vec<Arg>) {
    let p = |i: usize| format!("${}", first + i);
    let values = insert_exprs(&p(0), &p(1), &p(2), &p(3), &p(4), &p(5));
    let args = args![
        Uuid::new_v4(),
        &prover.public_key,
        &prover.name,
        &prover.version,
        task_type,
        at
    ];
    (values, args)
}

/// The first eight values of [`INSERT_COLUMNS`] over SQL expressions (placeholders, or the
/// columns of a batch's rows) for the uuid, the prover's key, name and version, the task type
/// and the time (written as `assigned_at`, `created_at` and `updated_at`).
pub(crate) fn insert_exprs(
    uuid: &str,
    public_key: &str,
    name: &str,
    version: &str,
    task_type: &str,
    at: &str,
) -> String {
    format!("{uuid}, {public_key}, {name}, {version}, {task_type}, {at}, {at}, {at}")
}

/// The prover task with this uuid (live rows only).
pub async fn get_by_uuid<'c>(ex: impl Executor<'c>, uuid: Uuid) -> Result<Option<ProverTask>> {
    let mut h = ex.acquire().await?;
    by_uuid(&mut h.conn(), uuid, false).await
}

/// The prover task with this uuid; `lock` takes its row lock (PostgreSQL) until the transaction
/// ends.
pub(crate) async fn by_uuid(
    conn: &mut Conn<'_>,
    uuid: Uuid,
    lock: bool,
) -> Result<Option<ProverTask>> {
    let lock = if lock { conn.for_update() } else { "" };
    conn.fetch_optional(
        &format!("SELECT {COLUMNS} FROM prover_task WHERE uuid = $1 AND deleted_at IS NULL{lock}"),
        args![uuid],
    )
    .await
}

/// Like [`by_uuid`] with the lock, failing with [`Error::NotFound`] when absent.
pub(crate) async fn lock_by_uuid(conn: &mut Conn<'_>, uuid: Uuid) -> Result<ProverTask> {
    by_uuid(conn, uuid, true)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "prover_task",
            key: uuid.to_string(),
        })
}

/// The prover's latest task still assigned to it (no proof and no failure recorded yet), of any
/// of `task_types` (all types when empty). The coordinator hands it out again instead of a new
/// one when the prover asks for work.
pub async fn find_assigned<'c>(
    ex: impl Executor<'c>,
    public_key: &str,
    task_types: &[TaskType],
) -> Result<Option<ProverTask>> {
    let (sql, args) = assigned_query(1, public_key, task_types);
    let mut h = ex.acquire().await?;
    h.conn().fetch_optional(&sql, args).await
}

/// The query of [`find_assigned`], with its arguments numbered from `$first`.
fn assigned_query(first: usize, public_key: &str, task_types: &[TaskType]) -> (String, Vec<Arg>) {
    let sql = assigned_sql(&format!("${first}"), &format!("${}", first + 1));
    (sql, args![public_key, task_type_mask(task_types)])
}

/// The SELECT of [`find_assigned`] over SQL expressions for the public key and the
/// [`task_type_mask`].
fn assigned_sql(public_key: &str, mask: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM prover_task WHERE prover_public_key = {public_key} \
         AND proving_status = {assigned} AND deleted_at IS NULL AND ({mask} >> task_type) & 1 = 1 \
         ORDER BY id DESC LIMIT 1",
        assigned = ProverTaskStatus::Assigned.as_i16()
    )
}

/// A set of task types as one integer, bit `t` set for type `t` (every bit for "all types"),
/// so that the statement's text does not depend on how many types a prover asks for.
fn task_type_mask(task_types: &[TaskType]) -> i64 {
    if task_types.is_empty() {
        return -1;
    }
    task_types.iter().fold(0, |mask, t| mask | 1 << t.as_i16())
}

/// What [`outstanding`] found about a prover asking for work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    /// The prover's key is on the block list.
    pub blocked: bool,
    /// What [`find_assigned`] returns for the same arguments.
    pub assigned: Option<ProverTask>,
}

/// [`crate::block_list::is_blocked`] and [`find_assigned`] in one statement (the two checks
/// the coordinator makes on every get_task before it claims anything).
pub async fn outstanding<'c>(
    ex: impl Executor<'c>,
    public_key: &str,
    task_types: &[TaskType],
) -> Result<Outstanding> {
    let mut found = outstanding_many(ex, &[(public_key.to_owned(), task_types.to_vec())]).await?;
    found.pop().ok_or_else(|| lost("outstanding"))
}

/// [`outstanding`] for several provers (public key, task types); result `i` is request `i`'s.
/// PostgreSQL: one statement for all (the coordinator batches the get_task calls that arrive
/// together); SQLite: one per prover.
pub async fn outstanding_many<'c>(
    ex: impl Executor<'c>,
    reqs: &[(String, Vec<TaskType>)],
) -> Result<Vec<Outstanding>> {
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut h = ex.acquire().await?;
    let mut conn = h.conn();
    let rows: Vec<OutstandingRow> = match conn.backend() {
        Backend::Postgres => {
            let from = "unnest($1::bigint[], $2::text[], $3::bigint[]) AS r (slot, pk, mask) \
                        LEFT JOIN LATERAL";
            let sql = outstanding_sql("r.slot", "r.pk", "r.mask", from);
            let args = args![
                List::Int((0..reqs.len()).map(|i| Some(i as i64)).collect()),
                List::Text(reqs.iter().map(|(pk, _)| Some(pk.clone())).collect()),
                List::Int(reqs.iter().map(|(_, t)| Some(task_type_mask(t))).collect())
            ];
            conn.fetch_all(&sql, args).await?
        }
        Backend::Sqlite => {
            let sql = outstanding_sql("$1", "$2", "$3", "(SELECT 1) AS r LEFT JOIN");
            let mut rows = Vec::with_capacity(reqs.len());
            for (slot, (pk, types)) in reqs.iter().enumerate() {
                let args = args![slot as i64, pk, task_type_mask(types)];
                rows.push(conn.fetch_one(&sql, args).await?);
            }
            rows
        }
    };
    let mut out = vec![None; reqs.len()];
    for OutstandingRow(slot, o) in rows {
        if let Some(entry) = out.get_mut(slot) {
            *entry = Some(o);
        }
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| lost("outstanding_many")))
        .collect()
}

/// The error of a batched read that did not return a row for every request.
fn lost(what: &str) -> Error {
    Error::InvalidState {
        what: "prover_task",
        key: what.into(),
        reason: "a read lost a prover's row".into(),
    }
}

/// The statement of [`outstanding_many`]: a row per row of `from_join` (the rows, up to the
/// join keyword, whose slot, public key and task type mask the SQL expressions give): the
/// slot, whether the key is blocked, and the assigned task's columns (NULL if none).
fn outstanding_sql(slot: &str, public_key: &str, mask: &str, from_join: &str) -> String {
    format!(
        "SELECT {slot} AS slot, CASE WHEN EXISTS (SELECT 1 FROM prover_block_list \
         WHERE public_key = {public_key} AND deleted_at IS NULL) THEN 1 ELSE 0 END AS blocked, \
         pt.* FROM {from_join} ({assigned}) AS pt ON 1 = 1",
        assigned = assigned_sql(public_key, mask)
    )
}

/// A row of [`outstanding_sql`]: its slot and what it found.
struct OutstandingRow(usize, Outstanding);

impl FromDbRow for OutstandingRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        let assigned = match row.opt_int("id")? {
            Some(_) => Some(ProverTask::from_row(row)?),
            None => None,
        };
        let outstanding = Outstanding {
            blocked: row.int("blocked")? != 0,
            assigned,
        };
        Ok(Self(row.int("slot")? as usize, outstanding))
    }
}

/// Every prover task of one task, oldest first.
pub async fn list_by_task<'c>(
    ex: impl Executor<'c>,
    task_type: TaskType,
    task_id: B256,
) -> Result<Vec<ProverTask>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM prover_task WHERE task_type = $1 AND task_id = $2 \
                 AND deleted_at IS NULL ORDER BY id"
            ),
            args![task_type, task_id],
        )
        .await
}

/// The task ids of the prover's last `n` failed attempts (proof invalid, any failure type) of
/// this task type, newest first.
pub async fn recent_failures<'c>(
    ex: impl Executor<'c>,
    public_key: &str,
    task_type: TaskType,
    n: u32,
) -> Result<Vec<B256>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let (sql, args) =
        newest_task_ids_subquery(1, public_key, task_type, ProverTaskStatus::ProofInvalid, n);
    let mut h = ex.acquire().await?;
    let rows: Vec<TaskIdRow> = h.conn().fetch_all(&sql, args).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A single `task_id` column.
pub(crate) struct TaskIdRow(pub(crate) B256);

impl FromDbRow for TaskIdRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.hash("task_id").map(TaskIdRow)
    }
}

/// A subquery selecting the task ids of the prover's newest `limit` prover tasks of this type in
/// `status`, with its arguments numbered from `$first` (for `hash NOT IN (...)`: the claim
/// excludes them without a round trip of its own).
pub(crate) fn newest_task_ids_subquery(
    first: usize,
    public_key: &str,
    task_type: TaskType,
    status: ProverTaskStatus,
    limit: u32,
) -> (String, Vec<Arg>) {
    let p = |i: usize| format!("${}", first + i);
    let sql = newest_task_ids_sql(&p(0), &p(1), &p(2), &p(3));
    (sql, args![public_key, task_type, status, limit])
}

/// The SELECT of [`newest_task_ids_subquery`] over SQL expressions (placeholders, or the
/// columns of a batch's rows) for the public key, task type, status and limit.
pub(crate) fn newest_task_ids_sql(
    public_key: &str,
    task_type: &str,
    status: &str,
    limit: &str,
) -> String {
    format!(
        "SELECT task_id FROM prover_task WHERE prover_public_key = {public_key} \
         AND task_type = {task_type} AND proving_status = {status} AND deleted_at IS NULL \
         ORDER BY id DESC LIMIT {limit}"
    )
}

/// Stores the task metadata of an assignment (what building the universal task returned).
/// Returns whether the prover task exists.
pub async fn set_metadata<'c>(ex: impl Executor<'c>, uuid: Uuid, metadata: &[u8]) -> Result<bool> {
    let stored = set_metadata_many(ex, &[(uuid, metadata.to_vec())]).await?;
    Ok(stored.first().copied().unwrap_or(false))
}

/// [`set_metadata`] for several assignments; result `i` says whether assignment `i` exists.
/// PostgreSQL: one statement for all; SQLite: one per assignment.
pub async fn set_metadata_many<'c>(
    ex: impl Executor<'c>,
    items: &[(Uuid, Vec<u8>)],
) -> Result<Vec<bool>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let mut h = ex.acquire().await?;
    let mut conn = h.conn();
    let rows: Vec<UuidRow> = match conn.backend() {
        Backend::Postgres => {
            let sql = "UPDATE prover_task AS p SET metadata = r.metadata, updated_at = $1 \
                FROM unnest($2::uuid[], $3::bytea[]) AS r (id, metadata) \
                WHERE p.uuid = r.id AND p.deleted_at IS NULL RETURNING uuid";
            let args = args![
                at,
                List::Uuid(items.iter().map(|(u, _)| *u).collect()),
                List::Bytes(items.iter().map(|(_, m)| Some(m.clone())).collect())
            ];
            conn.fetch_all(sql, args).await?
        }
        Backend::Sqlite => {
            let sql = "UPDATE prover_task SET metadata = $3, updated_at = $1 \
                WHERE uuid = $2 AND deleted_at IS NULL RETURNING uuid";
            let mut rows = Vec::new();
            for (uuid, metadata) in items {
                rows.extend(conn.fetch_optional(sql, args![at, *uuid, metadata]).await?);
            }
            rows
        }
    };
    Ok(items
        .iter()
        .map(|(uuid, _)| rows.iter().any(|r| r.0 == *uuid))
        .collect())
}

/// A prover task's uuid.
struct UuidRow(Uuid);

impl FromDbRow for UuidRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.uuid("uuid").map(UuidRow)
    }
}

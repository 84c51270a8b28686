//! [`claim_many`]: the claims of several provers in one transaction (the coordinator batches
//! the get_task calls that arrive together, so that the database commits once per batch
//! instead of once per prover).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use rollproof_primitives::{ProverTaskFailureType, ProverTaskStatus, ProvingStatus, B256};
use uuid::Uuid;

use super::{claim_conditions, Assignment, ClaimRequest, Claimed};
use crate::{
    conn::{args, placeholders, Arg, Conn, DbRow, FromDbRow, IntoArg, List},
    db::{now, Executor},
    error::{Error, Result},
    prover_task::{
        insert_exprs, insert_values, newest_task_ids_sql, newest_task_ids_subquery, ProverIdentity,
        ProverTask, TaskIdRow, COLUMNS as PROVER_TASK_COLUMNS, INSERT_COLUMNS,
    },
    proving::{table, Table},
    Backend,
};

impl ClaimRequest {
    /// Whether `other` asks for the same tasks under the same limits, whoever the prover is
    /// and whatever it excludes: such requests can be claimed together by [`claim_many`].
    pub fn same_pool(&self, other: &ClaimRequest) -> bool {
        self.task_type == other.task_type
            && self.provers_per_session == other.provers_per_session
            && self.session_attempts == other.session_attempts
            && self.max_end_block_number == other.max_end_block_number
            && self.only_task_id == other.only_task_id
            && self.exclude_recent_failures == other.exclude_recent_failures
            && self.forks == other.forks
    }
}

/// Claims a task for each of `reqs` in ONE transaction, under the rules of [`super::claim`]:
/// the lowest-index tasks with room among those already assigned first, then the lowest-index
/// unassigned ones; each prover skips its own exclusions (its request's list, its recent
/// failures, the tasks it holds). One batch gives a task to at most one of its provers, so
/// with `provers_per_session` above 1 a task's further provers come from later claims.
/// `metadata` gives the task metadata of a task that is already built (the coordinator's
/// cache): it is stored with the assignment, saving the later write.
///
/// Result `i` is request `i`'s assignment, `None` when nothing was left for it. Every request
/// must be [`ClaimRequest::same_pool`] as the first (else [`Error::InvalidValue`], nothing
/// claimed). On PostgreSQL the candidate rows are taken with `FOR UPDATE SKIP LOCKED`, so
/// batches of several coordinator replicas never wait for each other nor share a slot.
pub async fn claim_many<'c>(
    ex: impl Executor<'c>,
    reqs: &[ClaimRequest],
    metadata: impl Fn(B256) -> Option<Vec<u8>>,
) -> Result<Vec<Option<Assignment>>> {
    let Some(first) = reqs.first() else {
        return Ok(Vec::new());
    };
    if !reqs.iter().all(|r| first.same_pool(r)) {
        return Err(Error::InvalidValue {
            column: "ClaimRequest",
            reason: "a batched claim mixes requests for different tasks or limits".into(),
        });
    }
    let t = table(first.task_type)?;
    let at = now();
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let excluded = exclusions(&mut conn, reqs).await?;
    let room: usize = excluded.iter().map(HashSet::len).sum();
    let candidates = candidates(&mut conn, first, t, at, reqs.len() + room).await?;
    let picks = pick(&candidates, &excluded);
    let picked: Vec<B256> = picks.iter().flatten().map(|&c| candidates[c]).collect();
    if picked.is_empty() {
        tx.commit().await?;
        return Ok(vec![None; reqs.len()]);
    }
    let (sql, update_args) = update_sql(&conn, t, at, &picked);
    let claimed: Vec<Claimed> = conn.fetch_all(&sql, update_args).await?;
    let assigned: Vec<(usize, B256)> = picks
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i, candidates[c])))
        .collect();
    let (sql, insert_args) = insert_sql(&conn, reqs, &assigned, at, &metadata);
    let rows: Vec<ProverTask> = conn.fetch_all(&sql, insert_args).await?;
    tx.commit().await?;
    let mut out = vec![None; reqs.len()];
    for (i, hash) in assigned {
        let c = claimed.iter().find(|c| c.hash == hash);
        let pt = rows
            .iter()
            .find(|pt| pt.task_id == hash && pt.prover_public_key == reqs[i].prover.public_key);
        let (Some(c), Some(pt)) = (c, pt) else {
            return Err(Error::InvalidState {
                what: t.name,
                key: hash.to_string(),
                reason: "a batched claim lost track of a claimed row".into(),
            });
        };
        out[i] = Some(Assignment {
            task_type: first.task_type,
            task_id: c.hash,
            index: c.index,
            total_attempts: c.total_attempts,
            active_attempts: c.active_attempts,
            prover_task: pt.clone(),
        });
    }
    Ok(out)
}

/// Per request, the tasks its prover must not get: its request's list, its last
/// `exclude_recent_failures` failed attempts and the tasks it holds. PostgreSQL: one statement
/// for the batch; SQLite: a statement per request and kind (in-process, no round trips).
async fn exclusions(conn: &mut Conn<'_>, reqs: &[ClaimRequest]) -> Result<Vec<HashSet<B256>>> {
    let mut out: Vec<HashSet<B256>> = reqs
        .iter()
        .map(|r| r.exclude_task_ids.iter().copied().collect())
        .collect();
    let wanted = reqs.iter().enumerate().flat_map(|(slot, req)| {
        req.excluded_assignments()
            .into_iter()
            .map(move |(status, limit)| (slot, req, status, limit))
    });
    let rows: Vec<SlotTask> = match conn.backend() {
        Backend::Postgres => {
            let (mut slots, mut keys, mut statuses, mut limits) = (vec![], vec![], vec![], vec![]);
            for (slot, req, status, limit) in wanted {
                slots.push(Some(slot as i64));
                keys.push(Some(req.prover.public_key.clone()));
                statuses.push(Some(i64::from(status.as_i16())));
                limits.push(Some(i64::from(limit)));
            }
            let newest = newest_task_ids_sql("r.pk", "$5", "r.status", "r.lim");
            let sql = format!(
                "SELECT r.slot, x.task_id FROM unnest($1::bigint[], $2::text[], $3::bigint[], \
                 $4::bigint[]) AS r (slot, pk, status, lim) CROSS JOIN LATERAL ({newest}) AS x"
            );
            let args = args![
                List::Int(slots),
                List::Text(keys),
                List::Int(statuses),
                List::Int(limits),
                reqs[0].task_type
            ];
            conn.fetch_all(&sql, args).await?
        }
        Backend::Sqlite => {
            let mut rows = Vec::new();
            for (slot, req, status, limit) in wanted {
                let (sql, args) = newest_task_ids_subquery(
                    1,
                    &req.prover.public_key,
                    req.task_type,
                    status,
                    limit,
                );
                let ids: Vec<TaskIdRow> = conn.fetch_all(&sql, args).await?;
                rows.extend(ids.into_iter().map(|id| SlotTask(slot, id.0)));
            }
            rows
        }
    };
    for SlotTask(slot, task_id) in rows {
        if let Some(set) = out.get_mut(slot) {
            set.insert(task_id);
        }
    }
    Ok(out)
}

/// A request's slot and one task id it excludes.
struct SlotTask(usize, B256);

impl FromDbRow for SlotTask {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self(row.int("slot")? as usize, row.hash("task_id")?))
    }
}

/// Up to `limit` claimable tasks by the shared rules (exclusions aside), locked: those
/// assigned with room first, then unassigned ones, each pass in index order.
async fn candidates(
    conn: &mut Conn<'_>,
    req: &ClaimRequest,
    t: &Table,
    at: NaiveDateTime,
    limit: usize,
) -> Result<Vec<B256>> {
    let (conditions, args) = claim_conditions(req, t, at, false, conn.backend())?;
    let lock = conn.skip_locked();
    let mut found = Vec::new();
    for status in [ProvingStatus::Assigned, ProvingStatus::Unassigned] {
        if found.len() >= limit {
            break;
        }
        let sql = format!(
            "SELECT hash FROM {name} WHERE {conditions} ORDER BY \"index\" LIMIT ${n}{lock}",
            name = t.name,
            conditions = conditions.replace("<status>", &status.as_i16().to_string()),
            n = args.len() + 1,
        );
        let mut a = args.clone();
        a.push(((limit - found.len()) as i64).into_arg());
        let rows: Vec<Hash> = conn.fetch_all(&sql, a).await?;
        found.extend(rows.into_iter().map(|h| h.0));
    }
    Ok(found)
}

/// A task hash.
struct Hash(B256);

impl FromDbRow for Hash {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.hash("hash").map(Hash)
    }
}

/// Gives each request, in order, the first candidate that no earlier request took and that it
/// does not exclude (an index into `candidates`).
fn pick(candidates: &[B256], excluded: &[HashSet<B256>]) -> Vec<Option<usize>> {
    let mut taken = vec![false; candidates.len()];
    excluded
        .iter()
        .map(|skip| {
            let c = (0..candidates.len()).find(|&c| !taken[c] && !skip.contains(&candidates[c]));
            if let Some(c) = c {
                taken[c] = true;
            }
            c
        })
        .collect()
}

/// The UPDATE counting one attempt on each of the rows `hashes`, with its arguments.
fn update_sql(
    conn: &Conn<'_>,
    t: &Table,
    at: NaiveDateTime,
    hashes: &[B256],
) -> (String, Vec<Arg>) {
    let (listed, list_args) = conn.backend().any_of("hash", 2, List::hashes(hashes));
    let sql = format!(
        "UPDATE {name} SET proving_status = {assigned}, total_attempts = total_attempts + 1, \
         active_attempts = active_attempts + 1, prover_assigned_at = $1, updated_at = $1 \
         WHERE deleted_at IS NULL AND {listed} \
         RETURNING hash, \"index\", total_attempts, active_attempts",
        name = t.name,
        assigned = ProvingStatus::Assigned.as_i16(),
    );
    let mut args = args![at];
    args.extend(list_args);
    (sql, args)
}

/// The INSERT of the assignments' prover tasks (request `i` gets task `hash`), with the
/// metadata of the tasks that `metadata` knows. PostgreSQL: the rows as arrays (one statement
/// text for any batch); SQLite: a `VALUES` row each.
fn insert_sql(
    conn: &Conn<'_>,
    reqs: &[ClaimRequest],
    assigned: &[(usize, B256)],
    at: NaiveDateTime,
    metadata: &impl Fn(B256) -> Option<Vec<u8>>,
) -> (String, Vec<Arg>) {
    let task_type = reqs[0].task_type;
    if conn.backend() == Backend::Postgres {
        let provers = || assigned.iter().map(|&(i, _)| &reqs[i].prover);
        let text = |f: fn(&ProverIdentity) -> &String| {
            List::Text(provers().map(|p| Some(f(p).clone())).collect())
        };
        let args = args![
            task_type,
            at,
            ProverTaskStatus::Assigned,
            ProverTaskFailureType::Undefined,
            List::Uuid(assigned.iter().map(|_| Uuid::new_v4()).collect()),
            text(|p| &p.public_key),
            text(|p| &p.name),
            text(|p| &p.version),
            List::hashes(assigned.iter().map(|(_, h)| h)),
            List::Bytes(assigned.iter().map(|&(_, h)| metadata(h)).collect())
        ];
        let values = insert_exprs("r.uuid", "r.pk", "r.name", "r.version", "$1", "$2");
        let sql = format!(
            "INSERT INTO prover_task ({INSERT_COLUMNS}, metadata) \
             SELECT {values}, $3, $4, r.task_id, r.metadata FROM unnest($5::uuid[], $6::text[], $7::text[], $8::text[], \
             $9::text[], $10::bytea[]) AS r (uuid, pk, name, version, task_id, metadata) \
             RETURNING {PROVER_TASK_COLUMNS}"
        );
        return (sql, args);
    }
    let mut rows = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    for &(i, hash) in assigned {
        let req = &reqs[i];
        let (values, a) = insert_values(args.len() + 1, &req.prover, task_type, at);
        args.extend(a);
        let rest = placeholders(args.len() + 1, 4);
        args.extend(args![
            ProverTaskStatus::Assigned,
            ProverTaskFailureType::Undefined,
            hash,
            metadata(hash)
        ]);
        rows.push(format!("({values}, {rest})"));
    }
    let sql = format!(
        "INSERT INTO prover_task ({INSERT_COLUMNS}, metadata) VALUES {} \
         RETURNING {PROVER_TASK_COLUMNS}",
        rows.join(", ")
    );
    (sql, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    #[test]
    fn each_request_gets_the_first_free_candidate_it_does_not_exclude() {
        let candidates = [h(1), h(2), h(3)];
        let excluded = vec![
            HashSet::from([h(1)]),
            HashSet::new(),
            HashSet::from([h(3)]),
            HashSet::new(),
        ];
        assert_eq!(
            pick(&candidates, &excluded),
            vec![Some(1), Some(0), None, Some(2)]
        );
    }
}

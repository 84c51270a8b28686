//! [`ClaimQueue`]: get_task's claims, batched ([`Batcher`]). The claims waiting together are
//! made in one database transaction per pool ([`rollproof_db::tasks::claim_many`]); a lone
//! claim goes through at once, by the one-statement [`tasks::claim`].

use std::sync::Arc;

use rollproof_db::{
    tasks::{self, Assignment, ClaimRequest},
    Db,
};

use crate::{
    batcher::Batcher,
    error::{ApiError, INTERNAL},
    task_cache::TaskCache,
};

/// Claimers working at once: while one batch is in the database the next one gathers.
const CLAIMERS: usize = 2;

/// The most claims in one batch (one transaction; bounds the statements' size).
const MAX_BATCH: usize = 64;

type Reply = Result<Option<Assignment>, ApiError>;

/// Batches the claims of concurrent get_task calls (see the module docs).
pub struct ClaimQueue(Batcher<ClaimRequest, Reply>);

impl ClaimQueue {
    /// A queue claiming on `db`; the metadata of tasks already in `cache` is stored with their
    /// assignment.
    pub fn new(db: Db, cache: Arc<TaskCache>) -> Self {
        Self(Batcher::new(CLAIMERS, MAX_BATCH, move |reqs| {
            let (db, cache) = (db.clone(), Arc::clone(&cache));
            async move { claim_batch(&db, &cache, reqs).await }
        }))
    }

    /// Claims a task for `req` (as [`tasks::claim`] would), in a batch with the claims
    /// waiting beside it.
    pub async fn claim(&self, req: ClaimRequest) -> Reply {
        self.0
            .call(req)
            .await
            .unwrap_or_else(|| Err(ApiError::new(INTERNAL, "the claim queue has stopped")))
    }
}

/// Claims `reqs` by pool (requests for the same tasks under the same limits together); answer
/// `i` is request `i`'s.
async fn claim_batch(db: &Db, cache: &TaskCache, reqs: Vec<ClaimRequest>) -> Vec<Reply> {
    let mut out: Vec<Reply> = vec![Ok(None); reqs.len()];
    for pool in split_by_pool(reqs) {
        let (slots, reqs): (Vec<usize>, Vec<ClaimRequest>) = pool.into_iter().unzip();
        let task_type = reqs[0].task_type;
        let metadata = |hash| {
            cache
                .get(task_type, hash)
                .map(|built| built.metadata_json.clone())
        };
        // A lone request takes the one-statement claim (fewer round trips than a batch).
        let claimed = match reqs.as_slice() {
            [req] => tasks::claim(db, req).await.map(|a| vec![a]),
            _ => tasks::claim_many(db, &reqs, metadata).await,
        };
        match claimed {
            Ok(assignments) => {
                for (i, a) in slots.into_iter().zip(assignments) {
                    out[i] = Ok(a);
                }
            }
            Err(e) => {
                let e = ApiError::from(e);
                for i in slots {
                    out[i] = Err(e.clone());
                }
            }
        }
    }
    out
}

/// Groups `reqs` into runs of requests that [`ClaimRequest::same_pool`] each other, in
/// arrival order, each with its position in `reqs`.
fn split_by_pool(reqs: Vec<ClaimRequest>) -> Vec<Vec<(usize, ClaimRequest)>> {
    let mut pools: Vec<Vec<(usize, ClaimRequest)>> = Vec::new();
    for (i, req) in reqs.into_iter().enumerate() {
        match pools.iter_mut().find(|pool| pool[0].1.same_pool(&req)) {
            Some(pool) => pool.push((i, req)),
            None => pools.push(vec![(i, req)]),
        }
    }
    pools
}

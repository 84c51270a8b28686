//! [`ClaimQueue`]: get_task's claims, batched. The get_task calls waiting for a claim are
//! taken together by a few claimers, each batch claimed in one database transaction
//! ([`rollproof_db::tasks::claim_many`]); so under load the database commits once per batch
//! rather than once per prover, and a lone call goes through at once, as a batch of one.

use std::sync::{Arc, OnceLock};

use rollproof_db::{
    tasks::{self, Assignment, ClaimRequest},
    Db,
};
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::{
    error::{ApiError, INTERNAL},
    task_cache::TaskCache,
};

/// Claimers working at once: while one batch is in the database the next one gathers.
const CLAIMERS: usize = 2;

/// The most claims in one batch (one transaction; bounds the statements' size).
const MAX_BATCH: usize = 64;

type Reply = Result<Option<Assignment>, ApiError>;

/// A claim waiting for its batch.
struct Pending {
    req: ClaimRequest,
    reply: oneshot::Sender<Reply>,
}

/// Batches the claims of concurrent get_task calls (see the module docs). The claimers start
/// with the first claim, on the caller's runtime.
pub struct ClaimQueue {
    db: Db,
    cache: Arc<TaskCache>,
    sender: OnceLock<mpsc::UnboundedSender<Pending>>,
}

impl ClaimQueue {
    /// A queue claiming on `db`; the metadata of tasks already in `cache` is stored with their
    /// assignment.
    pub fn new(db: Db, cache: Arc<TaskCache>) -> Self {
        Self {
            db,
            cache,
            sender: OnceLock::new(),
        }
    }

    /// Claims a task for `req` (as [`tasks::claim`] would), in a batch with the claims
    /// waiting beside it.
    pub async fn claim(&self, req: ClaimRequest) -> Reply {
        let (reply, answer) = oneshot::channel();
        let sender = self.sender.get_or_init(|| self.start());
        if sender.send(Pending { req, reply }).is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Spawns the claimers, sharing one receiver.
    fn start(&self) -> mpsc::UnboundedSender<Pending> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..CLAIMERS {
            let (db, cache, receiver) = (self.db.clone(), self.cache.clone(), receiver.clone());
            tokio::spawn(async move { run_claimer(db, cache, receiver).await });
        }
        sender
    }
}

fn stopped() -> ApiError {
    ApiError::new(INTERNAL, "the claim queue has stopped")
}

/// One claimer: takes whatever is waiting (up to [`MAX_BATCH`]), claims it by pool (requests
/// for the same tasks under the same limits together) and answers each caller.
async fn run_claimer(
    db: Db,
    cache: Arc<TaskCache>,
    receiver: Arc<Mutex<mpsc::UnboundedReceiver<Pending>>>,
) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        for pool in split_by_pool(batch) {
            let (reqs, replies): (Vec<ClaimRequest>, Vec<_>) =
                pool.into_iter().map(|p| (p.req, p.reply)).unzip();
            let task_type = reqs[0].task_type;
            let metadata = |hash| {
                cache
                    .get(task_type, hash)
                    .map(|built| built.metadata_json.clone())
            };
            // A lone request takes the one-statement claim (fewer round trips than a batch).
            let claimed = match reqs.as_slice() {
                [req] => tasks::claim(&db, req).await.map(|a| vec![a]),
                _ => tasks::claim_many(&db, &reqs, metadata).await,
            };
            match claimed {
                Ok(assignments) => {
                    for (reply, a) in replies.into_iter().zip(assignments) {
                        let _ = reply.send(Ok(a));
                    }
                }
                Err(e) => {
                    let e = ApiError::from(e);
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

/// Groups `batch` into runs of requests that [`ClaimRequest::same_pool`] each other, in
/// arrival order.
fn split_by_pool(batch: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut pools: Vec<Vec<Pending>> = Vec::new();
    for p in batch {
        match pools.iter_mut().find(|pool| pool[0].req.same_pool(&p.req)) {
            Some(pool) => pool.push(p),
            None => pools.push(vec![p]),
        }
    }
    pools
}

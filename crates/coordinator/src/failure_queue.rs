//! [`FailureQueue`]: submit_proof's reported failures (status error), batched ([`Batcher`]):
//! the failures waiting together are checked and recorded in one database transaction
//! ([`rollproof_db::tasks::record_failures`]), which also does submit's ownership and state
//! checks, so such a submission costs no separate read.

use rollproof_db::{
    tasks::{self, FailureRequest, FailureResult},
    Db,
};

use crate::{
    batcher::Batcher,
    error::{ApiError, INTERNAL},
};

/// Batches in flight at once.
const WORKERS: usize = 2;

/// The most failures in one batch (one transaction).
const MAX_BATCH: usize = 64;

type Reply = Result<FailureResult, ApiError>;

/// Batches the failures reported by concurrent submissions (see the module docs).
pub struct FailureQueue(Batcher<FailureRequest, Reply>);

impl FailureQueue {
    /// A queue recording failures on `db`, failing tasks after `session_attempts` attempts.
    pub fn new(db: Db, session_attempts: u8) -> Self {
        Self(Batcher::new(WORKERS, MAX_BATCH, move |reqs| {
            let db = db.clone();
            async move {
                let n = reqs.len();
                match tasks::record_failures(&db, &reqs, session_attempts).await {
                    Ok(results) => results.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(ApiError::from(e)); n],
                }
            }
        }))
    }

    /// Records `req` (as [`tasks::record_failures`] would), in a batch with the failures
    /// waiting beside it.
    pub async fn record(&self, req: FailureRequest) -> Reply {
        self.0
            .call(req)
            .await
            .unwrap_or_else(|| Err(ApiError::new(INTERNAL, "the failure queue has stopped")))
    }
}

//! The database calls every get_task and failed submission makes, batched ([`Batcher`]): the
//! calls waiting together are made in one statement or transaction, so that under load the
//! database sees one round trip per batch rather than one per prover. (The claim itself has its
//! own queue, [`crate::claim_queue`].)
//!
//! - [`Outstanding`]: get_task's first read, the prover's block-list entry and held task
//!   ([`prover_task::outstanding_many`]);
//! - [`Metadata`]: what a newly built task's proof must claim, stored on its assignment
//!   ([`prover_task::set_metadata_many`]);
//! - [`Failures`]: submit_proof's reported failures, checked (the assignment is the prover's,
//!   of the named task, still assigned) and recorded ([`tasks::record_failures`]), so such a
//!   submission costs no separate read.

use std::future::Future;

use rollproof_db::{
    prover_task,
    tasks::{self, FailureRequest, FailureResult},
    Db, Uuid,
};
use rollproof_primitives::TaskType;

use crate::{
    batcher::Batcher,
    error::{ApiError, INTERNAL},
};

/// Batches in flight at once per queue.
const WORKERS: usize = 2;

/// The most calls in one batch (bounds the statement's size).
const MAX_BATCH: usize = 64;

type Queue<Req, Resp> = Batcher<Req, Result<Resp, ApiError>>;

/// A queue whose batches `call` makes on `db` (one answer per request, in order); a database
/// error answers every request of its batch.
fn queue<Req, Resp, F, Fut>(db: Db, call: F) -> Queue<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
    F: Fn(Db, Vec<Req>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = rollproof_db::Result<Vec<Resp>>> + Send + 'static,
{
    Batcher::new(WORKERS, MAX_BATCH, move |reqs: Vec<Req>| {
        let n = reqs.len();
        let answers = call(db.clone(), reqs);
        async move {
            match answers.await {
                Ok(answers) => answers.into_iter().map(Ok).collect(),
                Err(e) => {
                    let e = ApiError::from(e);
                    (0..n).map(|_| Err(e.clone())).collect()
                }
            }
        }
    })
}

/// `req`'s answer from `queue` (named `what` in the error when the queue has stopped).
async fn ask<Req, Resp>(queue: &Queue<Req, Resp>, req: Req, what: &str) -> Result<Resp, ApiError>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    queue.call(req).await.unwrap_or_else(|| {
        Err(ApiError::new(
            INTERNAL,
            format!("the {what} queue has stopped"),
        ))
    })
}

/// Batched [`prover_task::outstanding`].
pub struct Outstanding(Queue<(String, Vec<TaskType>), prover_task::Outstanding>);

impl Outstanding {
    /// A queue reading on `db`.
    pub fn new(db: Db) -> Self {
        Self(queue(db, |db, reqs| async move {
            prover_task::outstanding_many(&db, &reqs).await
        }))
    }

    /// Whether `public_key` is blocked, and its newest assigned task of `task_types`.
    pub async fn read(
        &self,
        public_key: String,
        task_types: Vec<TaskType>,
    ) -> Result<prover_task::Outstanding, ApiError> {
        ask(&self.0, (public_key, task_types), "outstanding-task").await
    }
}

/// Batched [`prover_task::set_metadata`].
pub struct Metadata(Queue<(Uuid, Vec<u8>), bool>);

impl Metadata {
    /// A queue writing on `db`.
    pub fn new(db: Db) -> Self {
        Self(queue(db, |db, items| async move {
            prover_task::set_metadata_many(&db, &items).await
        }))
    }

    /// Stores `metadata` on assignment `uuid`; whether it exists.
    pub async fn store(&self, uuid: Uuid, metadata: Vec<u8>) -> Result<bool, ApiError> {
        ask(&self.0, (uuid, metadata), "task-metadata").await
    }
}

/// Batched [`tasks::record_failures`].
pub struct Failures(Queue<FailureRequest, FailureResult>);

impl Failures {
    /// A queue recording failures on `db`, failing tasks after `session_attempts` attempts.
    pub fn new(db: Db, session_attempts: u8) -> Self {
        Self(queue(db, move |db, reqs| async move {
            tasks::record_failures(&db, &reqs, session_attempts).await
        }))
    }

    /// Records `req` (as [`tasks::record_failures`] would).
    pub async fn record(&self, req: FailureRequest) -> Result<FailureResult, ApiError> {
        ask(&self.0, req, "failure").await
    }
}

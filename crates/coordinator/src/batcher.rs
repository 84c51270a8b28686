//! [`Batcher`]: requests that arrive together are handled together. Callers queue a request
//! and wait for its answer; a few workers each take whatever is waiting (up to a limit) and
//! hand it to one call of the handler, so that under load the database sees one transaction
//! per batch rather than one per request, and a lone request goes through at once.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, OnceLock},
};

use tokio::sync::{mpsc, oneshot, Mutex};

type Handler<Req, Resp> =
    dyn Fn(Vec<Req>) -> Pin<Box<dyn Future<Output = Vec<Resp>> + Send>> + Send + Sync;

/// A request waiting for its batch, with where its answer goes.
type Pending<Req, Resp> = (Req, oneshot::Sender<Resp>);

/// Batches requests for a handler (see the module docs). The workers start with the first
/// request, on the caller's runtime.
pub struct Batcher<Req, Resp> {
    workers: usize,
    max_batch: usize,
    handler: Arc<Handler<Req, Resp>>,
    sender: OnceLock<mpsc::UnboundedSender<Pending<Req, Resp>>>,
}

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// `workers` batches in flight at once (while one is in the database the next gathers),
    /// at most `max_batch` requests each; `handler` answers a batch, answer `i` for request
    /// `i`.
    pub fn new<F, Fut>(workers: usize, max_batch: usize, handler: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Resp>> + Send + 'static,
    {
        Self {
            workers: workers.max(1),
            max_batch: max_batch.max(1),
            handler: Arc::new(move |batch| Box::pin(handler(batch))),
            sender: OnceLock::new(),
        }
    }

    /// Queues `req` and waits for its answer (`None` when the workers have stopped or the
    /// handler gave no answer for it).
    pub async fn call(&self, req: Req) -> Option<Resp> {
        let (reply, answer) = oneshot::channel();
        let sender = self.sender.get_or_init(|| self.start());
        sender.send((req, reply)).ok()?;
        answer.await.ok()
    }

    /// Spawns the workers, sharing one receiver.
    fn start(&self) -> mpsc::UnboundedSender<Pending<Req, Resp>> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..self.workers {
            let (handler, receiver) = (Arc::clone(&self.handler), Arc::clone(&receiver));
            let max_batch = self.max_batch;
            tokio::spawn(async move { work(handler, receiver, max_batch).await });
        }
        sender
    }
}

/// One worker: takes whatever is waiting (up to `max_batch`), has `handler` answer it, and
/// passes each answer on; until every sender is gone.
async fn work<Req, Resp>(
    handler: Arc<Handler<Req, Resp>>,
    receiver: Arc<Mutex<mpsc::UnboundedReceiver<Pending<Req, Resp>>>>,
    max_batch: usize,
) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match receiver.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            batch
        };
        let (reqs, replies): (Vec<Req>, Vec<_>) = batch.into_iter().unzip();
        for (reply, answer) in replies.into_iter().zip(handler(reqs).await) {
            let _ = reply.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_batches_and_get_their_own_answers() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let batcher = Arc::new(Batcher::new(1, 8, move |reqs: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                reqs.into_iter().map(|r| r * 10).collect::<Vec<_>>()
            }
        }));
        let joins: Vec<_> = (0..40u32)
            .map(|i| {
                let b = Arc::clone(&batcher);
                tokio::spawn(async move { (i, b.call(i).await) })
            })
            .collect();
        for j in joins {
            let (i, answer) = j.await.unwrap();
            assert_eq!(answer, Some(i * 10));
        }
        let calls = calls.load(Ordering::SeqCst);
        assert!(
            (5..40).contains(&calls),
            "40 requests in {calls} batches of at most 8"
        );
    }

    #[tokio::test]
    async fn a_missing_answer_is_none() {
        let batcher = Batcher::new(1, 8, |_reqs: Vec<u32>| async { Vec::<u32>::new() });
        assert_eq!(batcher.call(1).await, None);
    }
}

//! The block producer: makes a block every interval on a blocking thread and logs it.

use std::{sync::Arc, time::Duration};

use crate::node::{BlockSummary, Node};

/// Produces one block now (on a blocking thread) and logs its number, transactions, gas, build
/// time and witness size.
pub async fn produce_and_log(node: &Arc<Node>) -> Option<BlockSummary> {
    let worker = Arc::clone(node);
    match tokio::task::spawn_blocking(move || worker.produce_block()).await {
        Ok(Ok(summary)) => {
            tracing::info!(
                number = summary.number,
                hash = %summary.hash,
                txs = summary.txs,
                submitted = summary.submitted,
                gas = summary.gas_used,
                ms = summary.elapsed.as_millis() as u64,
                witness_kb = summary.witness_bytes / 1024,
                "block"
            );
            Some(summary)
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "block production failed");
            None
        }
        Err(error) => {
            tracing::error!(%error, "block production panicked");
            None
        }
    }
}

/// Produces a block every `interval` forever (cancel the task to stop). A slow block delays
/// the next tick instead of bunching them.
pub async fn run(node: Arc<Node>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick completes at once: start one interval after genesis.
    ticker.tick().await;
    loop {
        ticker.tick().await;
        produce_and_log(&node).await;
    }
}

//! `coordinator_cron`: timeouts, exhausted tasks, parent readiness and challenge cleanup. Every
//! step is one database transaction that skips rows locked by another copy, so several crons
//! may run at once against one PostgreSQL.

use std::time::Duration;

use rollproof_db::{challenge, tasks, Db};
use rollproof_primitives::TaskType;

use crate::config::Config;

/// Challenges older than this are deleted (their tokens expired long before).
pub const CHALLENGE_MAX_AGE: Duration = Duration::from_secs(3600);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CronReport {
    /// Assignments timed out.
    pub timed_out: u64,
    /// Tasks that became failed (timeouts or exhausted attempts).
    pub failed: u64,
    /// Batches and bundles made ready.
    pub made_ready: u64,
    /// Challenges deleted.
    pub challenges_deleted: u64,
}

/// One pass of every job.
pub async fn run_once(db: &Db, config: &Config) -> rollproof_db::Result<CronReport> {
    let pm = &config.prover_manager;
    let mut report = CronReport::default();
    for (task_type, secs) in [
        (TaskType::Chunk, pm.chunk_collection_time_sec),
        (TaskType::Batch, pm.batch_collection_time_sec),
        (TaskType::Bundle, pm.bundle_collection_time_sec),
    ] {
        loop {
            let expired = tasks::expire_assigned(
                db,
                task_type,
                Duration::from_secs(secs),
                pm.session_attempts,
                500,
            )
            .await?;
            report.timed_out += expired.len() as u64;
            report.failed += expired.iter().filter(|e| e.object_failed).count() as u64;
            if expired.len() < 500 {
                break;
            }
        }
        report.failed += tasks::fail_exhausted(db, task_type, pm.session_attempts).await?;
    }
    let (batches, bundles) = tasks::refresh_readiness(db).await?;
    report.made_ready = batches + bundles;
    report.challenges_deleted = challenge::delete_older_than(db, CHALLENGE_MAX_AGE).await?;
    Ok(report)
}

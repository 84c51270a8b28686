//! rollproof's coordinator: hands proving tasks to provers over the original
//! `/coordinator/v1` HTTP API, verifies their proofs and keeps the task tables moving.
//!
//! Key components:
//!
//! - [`config`]: the reference's JSON configuration with `COORDINATOR_*` environment overrides
//!   and validation.
//! - [`auth`]: challenge and login JWTs, the login message's RLP and secp256k1 signature check,
//!   version rules.
//! - [`api`]: the axum router (`health`, `challenge`, `login`, `get_task`, `submit_proof`,
//!   `/metrics`) over an [`api::AppState`]; assignment through `rollproof_db::tasks::claim_many`
//!   filtered to the prover's forks; batch and bundle tasks for forks whose assets hold those
//!   circuits. Concurrent claims are batched by [`claim_queue`], get_task's other database
//!   calls and reported failures by [`batched`], all over a [`batcher::Batcher`].
//! - [`verifier`]: [`verifier::Verifiers`], the configured forks' verifying keys per circuit
//!   (libzkp): a prover's fork set at login, each task's `vk`, and proof verification.
//! - [`task`]: the universal chunk task from the chunk's stored block witnesses
//!   ([`task::build_chunk_task`], on the blocking pool); [`task_cache`]: built tasks kept for
//!   their next assignment.
//! - [`cron`]: one pass of timeouts, exhausted tasks, readiness and challenge cleanup.
//! - [`tool`]: the operator commands behind `coordinator_tool`; [`bench`]: its `bench`;
//!   [`seed`]: synthetic and devnet rows for tests, the benchmark and the end-to-end run;
//!   [`local`]: a genesis file and a config for a coordinator on one machine; [`testing`]
//!   (feature `testing`): an in-process server and test configs on top of them.
//! - [`metrics`], [`error`] (the `{errcode, errmsg, data}` envelope and codes).
//!
//! Entry points: the binaries `coordinator_api`, `coordinator_cron`, `coordinator_tool`, thin
//! over [`connect`], [`app_state`], [`api::router`] and [`cron::run_once`].

pub mod api;
pub mod auth;
pub mod batched;
pub mod batcher;
pub mod bench;
pub mod claim_queue;
pub mod config;
pub mod cron;
pub mod error;
pub mod local;
pub mod metrics;
pub mod seed;
pub mod task;
pub mod task_cache;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tool;
pub mod verifier;

use std::sync::Arc;

pub use config::Config;
use rollproof_db::Db;

/// Logs to stderr at the levels `RUST_LOG` sets, `default` when it is unset or invalid (the
/// binaries: `info` (sqlx: `warn`) for the API and the cron, so an operator sees what they do;
/// `warn` for the tool, which prints its own results).
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Connects to the configured database and applies the migrations.
pub async fn connect(config: &Config) -> rollproof_db::Result<Db> {
    config.db.connect().await
}

/// The API state for `config` over `db`: loads the configured forks' verifier assets and the
/// genesis fork schedule (see [`api::AppState::new`]).
pub fn app_state(config: Config, db: Db) -> Result<Arc<api::AppState>, config::ConfigError> {
    api::AppState::new(config, db)
}

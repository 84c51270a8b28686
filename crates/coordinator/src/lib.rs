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
//!   `/metrics`) over an [`api::AppState`]; assignment through `rollproof_db::tasks::claim`.
//! - [`verifier`]: the [`verifier::ProofVerifier`] trait; the shipped [`verifier::NoVerifier`]
//!   rejects every proof until libzkp exists.
//! - [`cron`]: one pass of timeouts, exhausted tasks, readiness and challenge cleanup.
//! - [`tool`]: the operator commands behind `coordinator_tool`; [`bench`]: its `bench`.
//! - [`metrics`], [`error`] (the `{errcode, errmsg, data}` envelope and codes).
//!
//! Entry points: the binaries `coordinator_api`, `coordinator_cron`, `coordinator_tool`, thin
//! over [`connect`], [`api::router`] and [`cron::run_once`].

pub mod api;
pub mod auth;
pub mod bench;
pub mod config;
pub mod cron;
pub mod error;
pub mod metrics;
pub mod tool;
pub mod verifier;

use std::sync::Arc;

pub use config::Config;
use rollproof_db::{Db, DbOptions};

/// Connects to the configured database and applies the migrations.
pub async fn connect(config: &Config) -> rollproof_db::Result<Db> {
    let db = Db::connect_with(&DbOptions {
        max_connections: config.db.max_open_num,
        min_connections: config.db.max_idle_num.min(config.db.max_open_num),
        ..DbOptions::new(&config.db.dsn)
    })
    .await?;
    db.migrate().await?;
    Ok(db)
}

/// The API state for `config` over `db`, with the default verifier ([`verifier::NoVerifier`]).
pub fn app_state(config: Config, db: Db) -> Arc<api::AppState> {
    let tokens = auth::Tokens::new(
        &config.auth.secret,
        config.auth.challenge_expire_duration_sec,
        config.auth.login_expire_duration_sec,
    );
    Arc::new(api::AppState {
        db,
        config,
        tokens,
        verifier: Box::new(verifier::NoVerifier),
        metrics: Default::default(),
    })
}

//! A coordinator for one machine (the end-to-end run, tests): a genesis file with a fork
//! schedule and a config over a database with real verifier assets, as values rather than
//! files an operator writes.

use std::path::Path;

use rollproof_primitives::ForkName;
use serde_json::{json, Value};

use crate::config::{Config, ConfigError};

/// Writes `path` as a genesis.json of chain `chain_id` with galileo from block
/// `galileo_block` and galileoV2 from `galileo_v2_block` (never when `None`), no alloc.
pub fn write_genesis(
    path: &Path,
    chain_id: u64,
    galileo_block: u64,
    galileo_v2_block: Option<u64>,
) -> std::io::Result<()> {
    let mut config = json!({"chainId": chain_id, "galileoBlock": galileo_block});
    if let Some(b) = galileo_v2_block {
        config["galileoV2Block"] = json!(b);
    }
    std::fs::write(path, json!({"config": config, "alloc": {}}).to_string())
}

/// A config over `dsn` (a PostgreSQL URL or an SQLite path) for chain `chain_id`, verifying
/// `verifiers` (assets root, fork), with the fork schedule of `genesis_path`, signing tokens
/// with `secret`, accepting provers from `min_prover_version` on. One prover per task, three
/// attempts, an hour per task.
pub fn local_config(
    dsn: &str,
    chain_id: u64,
    verifiers: &[(&Path, ForkName)],
    genesis_path: &Path,
    secret: &str,
    min_prover_version: &str,
) -> Result<Config, ConfigError> {
    let verifiers: Vec<Value> = verifiers
        .iter()
        .map(|(root, fork)| json!({"assets_path": root, "fork_name": fork.as_str()}))
        .collect();
    let driver = if dsn.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let json = json!({
        "prover_manager": {"provers_per_session": 1, "session_attempts": 3,
            "chunk_collection_time_sec": 3600, "batch_collection_time_sec": 3600,
            "bundle_collection_time_sec": 3600,
            "verifier": {"min_prover_version": min_prover_version, "verifiers": verifiers}},
        "db": {"driver_name": driver, "dsn": dsn, "maxOpenNum": 20, "maxIdleNum": 2},
        "l2": {"chain_id": chain_id, "genesis_path": genesis_path},
        "auth": {"secret": secret, "challenge_expire_duration_sec": 10,
            "login_expire_duration_sec": 3600}
    });
    Config::from_json_with_env(&json.to_string(), [])
}

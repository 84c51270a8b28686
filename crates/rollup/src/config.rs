//! The relayer's JSON config ([`RelayerConfig`]), in the shape of the reference rollup's
//! `config.json` (`l2_config` with the three `*_proposer_config` objects, `db_config`), with
//! `ROLLUP_<A>__<B>` environment overrides and validation that names the bad field.

use std::{path::Path, time::Duration};

use alloy_primitives::{Address, U256};
use rollproof_db::DbConfig;
use rollproof_primitives::ForkSchedule;
use serde::{Deserialize, Serialize};

use crate::{
    ingest::IngestSettings,
    proposer::{batch::BatchLimits, bundle::BundleLimits, chunk::ChunkLimits},
};

/// Prefix of the environment overrides: `ROLLUP_L2_CONFIG__ENDPOINT=http://…` sets
/// `l2_config.endpoint`.
pub const ENV_PREFIX: &str = "ROLLUP_";

/// A configuration problem; the message names the field or file.
#[derive(Debug, thiserror::Error)]
#[error("relayer config: {0}")]
pub struct ConfigError(pub String);

/// The whole config file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelayerConfig {
    /// The L2 chain and the proposers.
    pub l2_config: L2Config,
    /// The database the coordinator reads.
    pub db_config: DbConfig,
    /// Where `/metrics` (Prometheus) and `/health` are served; `None`: not served.
    #[serde(default)]
    pub metrics_listen: Option<String>,
}

/// `l2_config`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct L2Config {
    /// The node's JSON-RPC URL; it must serve `debug_executionWitness`.
    pub endpoint: String,
    /// The chain's `genesis.json`: chain id and fork schedule.
    pub genesis_path: String,
    /// Blocks this far below the node's head are ingested (0: up to the head).
    #[serde(default)]
    pub confirmations: u64,
    /// The first block to ingest into an empty database.
    #[serde(default = "default_start_block")]
    pub start_block: u64,
    /// Milliseconds between polls of the node and proposer passes.
    #[serde(default = "default_poll_interval")]
    pub poll_interval_milliseconds: u64,
    /// Most blocks stored per poll.
    #[serde(default = "default_max_blocks_per_poll")]
    pub max_blocks_per_poll: u64,
    /// Timeout of one JSON-RPC request, seconds.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_sec: u64,
    /// Where the withdraw root is read after each block; absent: a zero withdraw root.
    #[serde(default)]
    pub withdraw_root_slot: Option<WithdrawRootSlot>,
    /// Chunk limits.
    #[serde(default)]
    pub chunk_proposer_config: ChunkLimits,
    /// Batch limits.
    #[serde(default)]
    pub batch_proposer_config: BatchLimits,
    /// Bundle limits.
    #[serde(default)]
    pub bundle_proposer_config: BundleLimits,
}

/// The storage slot holding the withdraw trie root.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRootSlot {
    /// The contract.
    pub address: Address,
    /// The slot.
    pub slot: U256,
}

fn default_start_block() -> u64 {
    1
}
fn default_poll_interval() -> u64 {
    1_000
}
fn default_max_blocks_per_poll() -> u64 {
    100
}
fn default_request_timeout() -> u64 {
    30
}

impl RelayerConfig {
    /// Reads `path`, applies the `ROLLUP_` overrides of the process environment and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let json = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&json, std::env::vars())
    }

    /// Parses `json` with the `ROLLUP_` overrides in `env` and validates.
    pub fn parse(
        json: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let config: Self =
            rollproof_coordinator_wire::parse_with_env_overrides(json, ENV_PREFIX, env)
                .map_err(|e| ConfigError(format!("not valid: {e}")))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value that has a bound.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l2 = &self.l2_config;
        let invalid = |field: &str, reason: &str| Err(ConfigError(format!("{field} {reason}")));
        if !(l2.endpoint.starts_with("http://") || l2.endpoint.starts_with("https://")) {
            return invalid("l2_config.endpoint", "must be an http:// or https:// URL");
        }
        let positive = [
            ("l2_config.start_block", l2.start_block),
            (
                "l2_config.poll_interval_milliseconds",
                l2.poll_interval_milliseconds,
            ),
            ("l2_config.max_blocks_per_poll", l2.max_blocks_per_poll),
            ("l2_config.request_timeout_sec", l2.request_timeout_sec),
            (
                "l2_config.chunk_proposer_config.max_block_num_per_chunk",
                l2.chunk_proposer_config.max_block_num_per_chunk,
            ),
            (
                "l2_config.batch_proposer_config.max_chunks_per_batch",
                l2.batch_proposer_config.max_chunks_per_batch,
            ),
            (
                "l2_config.bundle_proposer_config.max_batch_num_per_bundle",
                l2.bundle_proposer_config.max_batch_num_per_bundle,
            ),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return invalid(field, "must be at least 1");
        }
        let gas = l2.chunk_proposer_config.cycle_model.cycles_per_gas;
        if !gas.is_finite() || gas < 0.0 {
            return invalid(
                "l2_config.chunk_proposer_config.cycle_model.cycles_per_gas",
                "must be a finite number >= 0",
            );
        }
        if self.db_config.dsn.trim().is_empty() {
            return invalid("db_config.dsn", "is empty");
        }
        Ok(())
    }

    /// The chain's fork schedule (with its chain id) from `l2_config.genesis_path`.
    pub fn schedule(&self) -> Result<ForkSchedule, ConfigError> {
        let path = &self.l2_config.genesis_path;
        let json = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("l2_config.genesis_path: cannot read {path}: {e}")))?;
        ForkSchedule::from_genesis_json(&json)
            .map_err(|e| ConfigError(format!("l2_config.genesis_path: {path}: {e}")))
    }

    /// The ingester's settings (reads the genesis file).
    pub fn ingest_settings(&self) -> Result<IngestSettings, ConfigError> {
        let schedule = self.schedule()?;
        let l2 = &self.l2_config;
        Ok(IngestSettings {
            chain_id: schedule.chain_id(),
            schedule,
            confirmations: l2.confirmations,
            start_block: l2.start_block,
            end_block: None,
            max_blocks_per_poll: l2.max_blocks_per_poll,
            withdraw_root_slot: l2.withdraw_root_slot.map(|s| (s.address, s.slot)),
        })
    }

    /// The time between polls.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.l2_config.poll_interval_milliseconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "l2_config": {"endpoint": "http://127.0.0.1:8545", "genesis_path": "genesis.json"},
        "db_config": {"driver_name": "sqlite", "dsn": "rollproof.sqlite"}
    }"#;

    #[test]
    fn a_minimal_config_gets_the_defaults() {
        let c = RelayerConfig::parse(MINIMAL, []).unwrap();
        assert_eq!(c.l2_config.confirmations, 0);
        assert_eq!(c.l2_config.start_block, 1);
        assert_eq!(c.l2_config.chunk_proposer_config, ChunkLimits::default());
        assert_eq!(c.l2_config.bundle_proposer_config, BundleLimits::default());
        assert_eq!(c.db_config.max_open_num, 50);
        assert_eq!(c.metrics_listen, None);
    }

    #[test]
    fn env_overrides_reach_nested_limits() {
        let env = [
            (
                "ROLLUP_L2_CONFIG__CHUNK_PROPOSER_CONFIG__MAX_BLOCK_NUM_PER_CHUNK".to_string(),
                "7".to_string(),
            ),
            ("ROLLUP_DB_CONFIG__DSN".into(), "postgres://x@y/z".into()),
            ("OTHER_DB_CONFIG__DSN".into(), "ignored".into()),
        ];
        let c = RelayerConfig::parse(MINIMAL, env).unwrap();
        assert_eq!(c.l2_config.chunk_proposer_config.max_block_num_per_chunk, 7);
        assert_eq!(c.db_config.dsn, "postgres://x@y/z");
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (
                "ROLLUP_L2_CONFIG__ENDPOINT",
                "\"ws://node\"",
                "l2_config.endpoint",
            ),
            (
                "ROLLUP_L2_CONFIG__BATCH_PROPOSER_CONFIG__MAX_CHUNKS_PER_BATCH",
                "0",
                "max_chunks_per_batch",
            ),
            (
                "ROLLUP_L2_CONFIG__CHUNK_PROPOSER_CONFIG__MAX_BLOCKS",
                "3",
                "unknown field `max_blocks`",
            ),
            ("ROLLUP_L2_CONFIG__CONFIRMATIONS", "\"many\"", "not valid"),
        ];
        for (key, value, expected) in cases {
            let err = RelayerConfig::parse(MINIMAL, [(key.to_string(), value.to_string())])
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{key}={value}: {err}");
        }
        let err = RelayerConfig::parse("{", []).unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
    }

    #[test]
    fn a_missing_genesis_file_is_named() {
        let mut c = RelayerConfig::parse(MINIMAL, []).unwrap();
        c.l2_config.genesis_path = "/nonexistent/genesis.json".into();
        let err = c.ingest_settings().unwrap_err().to_string();
        assert!(err.contains("l2_config.genesis_path"), "{err}");
        assert!(err.contains("/nonexistent/genesis.json"), "{err}");
    }
}

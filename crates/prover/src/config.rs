//! The prover's `config.json`, in the reference's shape:
//!
//! ```json
//! {"sdk_config": {"prover_name_prefix": "prover", "keys_dir": "keys", "db_path": "db",
//!    "coordinator": {"base_url": "http://localhost:8390", "retry_count": 10,
//!                    "retry_wait_time_sec": 10, "connection_timeout_sec": 30},
//!    "prover": {"supported_proof_types": [1], "circuit_version": "v0.1.0", "n_workers": 1},
//!    "health_listener_addr": "127.0.0.1:8080"},
//!  "circuits": {"galileo": {"workspace_path": "assets/galileo", "base_url": "https://…/"}}}
//! ```
//!
//! Environment overrides: `PROVER_` followed by the upper-cased JSON path joined with `__`,
//! e.g. `PROVER_SDK_CONFIG__COORDINATOR__BASE_URL=http://…`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use rollproof_primitives::{ForkName, TaskType};
use serde::{Deserialize, Serialize};

/// Prefix of the environment overrides.
pub const ENV_PREFIX: &str = "PROVER_";

/// The whole config file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Identity, coordinator, local store, workers.
    pub sdk_config: SdkConfig,
    /// Circuit assets per fork.
    pub circuits: BTreeMap<ForkName, CircuitConfig>,
}

/// `sdk_config`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SdkConfig {
    /// Prover names are `<prefix>-<worker>`.
    pub prover_name_prefix: String,
    /// Folder of the prover's secp256k1 key (`prover.key`, created on first start, mode 0600).
    pub keys_dir: PathBuf,
    /// Folder of the local store: the task each worker has in flight.
    pub db_path: PathBuf,
    /// How to reach the coordinator.
    pub coordinator: CoordinatorConfig,
    /// The L2 node (unused by this prover; kept for the reference's shape).
    #[serde(default)]
    pub l2: Option<serde_json::Value>,
    /// What to prove and how many at once.
    pub prover: ProverSettings,
    /// `host:port` of `/health` and `/metrics`; none when absent.
    #[serde(default)]
    pub health_listener_addr: Option<String>,
}

/// `sdk_config.coordinator`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoordinatorConfig {
    /// e.g. `http://coordinator:8390` (the `/coordinator/v1` paths are appended).
    pub base_url: String,
    /// Attempts per request on network errors and HTTP 5xx.
    #[serde(default = "default_retry_count")]
    pub retry_count: u32,
    /// Base wait between attempts (doubled each time, capped at 8×, with jitter).
    #[serde(default = "default_retry_wait")]
    pub retry_wait_time_sec: u64,
    /// Per-request timeout.
    #[serde(default = "default_connection_timeout")]
    pub connection_timeout_sec: u64,
}

fn default_retry_count() -> u32 {
    10
}
fn default_retry_wait() -> u64 {
    10
}
fn default_connection_timeout() -> u64 {
    30
}

/// `sdk_config.prover`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProverSettings {
    /// Task types to ask for: 1 chunk, 2 batch, 3 bundle.
    pub supported_proof_types: Vec<u8>,
    /// The prover's circuit version (informational; the ZK version comes from the assets).
    #[serde(default)]
    pub circuit_version: String,
    /// Parallel workers, each proving one task at a time.
    #[serde(default = "default_workers")]
    pub n_workers: usize,
}

fn default_workers() -> usize {
    1
}

/// `circuits.<fork>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CircuitConfig {
    /// The fork's asset folder (holding `manifest.json`, `chunk/…`).
    pub workspace_path: PathBuf,
    /// Where the assets are published (must end in `/`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Per-vk download URLs that replace `base_url`.
    #[serde(default)]
    pub asset_detours: BTreeMap<String, String>,
    /// Development only: trust local files without checking them remotely.
    #[serde(default)]
    pub debug_mode: bool,
}

/// Why the config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// Not JSON of the expected shape.
    #[error("config is malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// A field has an unusable value.
    #[error("config field {field}: {reason}")]
    Invalid {
        /// The JSON path of the field.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl Config {
    /// Reads `path`, applies the environment overrides and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json_with_env(&text, std::env::vars())
    }

    /// Parses `json`, applies overrides from `env` (`PROVER_A__B=value`), validates.
    pub fn from_json_with_env(
        json: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let config: Self =
            rollproof_coordinator_wire::parse_with_env_overrides(json, ENV_PREFIX, env)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every field's value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field: &str, reason: &str| {
            Err(ConfigError::Invalid {
                field: field.to_string(),
                reason: reason.to_string(),
            })
        };
        let sdk = &self.sdk_config;
        let url = &sdk.coordinator.base_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return invalid(
                "sdk_config.coordinator.base_url",
                "must be an http:// or https:// URL",
            );
        }
        if sdk.coordinator.connection_timeout_sec == 0 {
            return invalid(
                "sdk_config.coordinator.connection_timeout_sec",
                "must be > 0",
            );
        }
        if sdk.prover.n_workers == 0 {
            return invalid("sdk_config.prover.n_workers", "must be at least 1");
        }
        if sdk.prover.supported_proof_types.is_empty() {
            return invalid("sdk_config.prover.supported_proof_types", "is empty");
        }
        for t in &sdk.prover.supported_proof_types {
            if !matches!(
                TaskType::try_from(i64::from(*t)),
                Ok(TaskType::Chunk | TaskType::Batch | TaskType::Bundle)
            ) {
                return invalid(
                    "sdk_config.prover.supported_proof_types",
                    &format!("{t} is not a task type (1 chunk, 2 batch, 3 bundle)"),
                );
            }
        }
        if self.circuits.is_empty() {
            return invalid("circuits", "no fork configured");
        }
        for (fork, circuit) in &self.circuits {
            if let Some(base) = &circuit.base_url {
                if !base.ends_with('/') {
                    return invalid(&format!("circuits.{fork}.base_url"), "must end in '/'");
                }
            }
        }
        Ok(())
    }

    /// The name worker `worker` logs in with.
    pub fn prover_name(&self, worker: usize) -> String {
        format!("{}-{worker}", self.sdk_config.prover_name_prefix)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = r#"{
      "sdk_config": {"prover_name_prefix": "prover", "keys_dir": "keys", "db_path": "db",
        "coordinator": {"base_url": "http://127.0.0.1:8390"},
        "prover": {"supported_proof_types": [1], "circuit_version": "v0.1.0"},
        "health_listener_addr": "127.0.0.1:0"},
      "circuits": {"galileo": {"workspace_path": "assets/galileo"}}
    }"#;

    #[test]
    fn parses_the_reference_shape_with_defaults_and_overrides() {
        let config = Config::from_json_with_env(
            SAMPLE,
            [(
                "PROVER_SDK_CONFIG__PROVER__N_WORKERS".to_string(),
                "3".to_string(),
            )],
        )
        .unwrap();
        assert_eq!(config.sdk_config.prover.n_workers, 3);
        assert_eq!(config.sdk_config.coordinator.retry_count, 10);
        assert_eq!(config.sdk_config.coordinator.connection_timeout_sec, 30);
        assert!(config.circuits.contains_key(&ForkName::Galileo));
        assert_eq!(config.prover_name(2), "prover-2");
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (
                "PROVER_SDK_CONFIG__COORDINATOR__BASE_URL",
                "\"ftp://x\"",
                "base_url",
            ),
            ("PROVER_SDK_CONFIG__PROVER__N_WORKERS", "0", "n_workers"),
            (
                "PROVER_SDK_CONFIG__PROVER__SUPPORTED_PROOF_TYPES",
                "[4]",
                "supported_proof_types",
            ),
            (
                "PROVER_CIRCUITS__GALILEO__BASE_URL",
                "\"https://x\"",
                "circuits.galileo.base_url",
            ),
        ];
        for (key, value, field) in cases {
            let error = Config::from_json_with_env(SAMPLE, [(key.to_string(), value.to_string())])
                .unwrap_err()
                .to_string();
            assert!(error.contains(field), "{key}: {error}");
        }
        let unknown_fork = SAMPLE.replace("\"galileo\": {", "\"nofork\": {");
        assert!(Config::from_json_with_env(&unknown_fork, []).is_err());
    }
}

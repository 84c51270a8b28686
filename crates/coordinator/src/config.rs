//! The coordinator's configuration: the reference's JSON shape, environment overrides and
//! validation.
//!
//! Environment overrides: `COORDINATOR_` followed by the upper-cased JSON path joined with `__`,
//! e.g. `COORDINATOR_DB__DSN`, `COORDINATOR_AUTH__SECRET`,
//! `COORDINATOR_PROVER_MANAGER__SESSION_ATTEMPTS`. The value is parsed as JSON when it is valid
//! JSON (numbers, booleans) and taken as a string otherwise.

use std::path::Path;

use rollproof_libzkp::assets::AssetError;
use rollproof_primitives::ForkSchedule;
use serde::{Deserialize, Serialize};

/// The prefix of environment overrides.
pub const ENV_PREFIX: &str = "COORDINATOR_";

/// The whole configuration file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    /// Scheduling and verification.
    pub prover_manager: ProverManagerConfig,
    /// The database.
    pub db: DbConfig,
    /// The L2 chain.
    pub l2: L2Config,
    /// Challenge and login tokens.
    pub auth: AuthConfig,
}

/// `prover_manager`: how tasks are handed out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProverManagerConfig {
    /// Provers working on one task at once.
    pub provers_per_session: u8,
    /// Assignments per task before it fails.
    pub session_attempts: u8,
    /// External provers are served only when this many tasks are unassigned (0: always).
    #[serde(default)]
    pub external_prover_threshold: u64,
    /// Chunk proof timeout, seconds.
    pub chunk_collection_time_sec: u64,
    /// Batch proof timeout, seconds.
    pub batch_collection_time_sec: u64,
    /// Bundle proof timeout, seconds.
    pub bundle_collection_time_sec: u64,
    /// Proof verification.
    pub verifier: VerifierConfig,
    /// Memory for built tasks kept for their next assignment or re-delivery, in MiB (task and
    /// metadata JSON; default 256, 0: build every time). Not in the reference's config.
    #[serde(default = "default_task_cache_mb")]
    pub task_cache_mb: u64,
}

fn default_task_cache_mb() -> u64 {
    256
}

impl ProverManagerConfig {
    /// [`Self::task_cache_mb`] in bytes.
    pub fn task_cache_bytes(&self) -> usize {
        usize::try_from(self.task_cache_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

/// `prover_manager.verifier`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerifierConfig {
    /// Provers older than this (semver) are refused at login.
    pub min_prover_version: String,
    /// Verifier assets per fork: the forks this coordinator hands out and verifies
    /// (`coordinator_api` needs at least one).
    #[serde(default)]
    pub verifiers: Vec<ForkVerifierConfig>,
}

/// One fork's verifier assets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ForkVerifierConfig {
    /// The assets ROOT: the folder holding `<fork>/manifest.json` and `<fork>/chunk/vk.bin`
    /// (what `prover assets build --out <root>` writes), not the fork's own folder.
    pub assets_path: String,
    /// The fork (any case).
    pub fork_name: String,
}

/// `db`: the database (shared shape with the rollup relayer's `db_config`).
pub use rollproof_db::DbConfig;

/// `l2`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct L2Config {
    /// The L2 chain id.
    pub chain_id: u64,
    /// The L2 node (unused by the coordinator: chunk witnesses come from the database).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The chain's `genesis.json`: its `config` gives the fork schedule, from which a task's
    /// fork is the fork of its first block. Required by `coordinator_api`.
    #[serde(default)]
    pub genesis_path: Option<String>,
}

/// `auth`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthConfig {
    /// The HMAC secret of both tokens.
    pub secret: String,
    /// Challenge token lifetime, seconds.
    pub challenge_expire_duration_sec: u64,
    /// Login token lifetime, seconds.
    pub login_expire_duration_sec: u64,
}

/// A configuration problem, naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The JSON does not have the expected shape.
    #[error("config is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    /// A field has a bad value.
    #[error("config field `{field}` {reason}")]
    Invalid {
        /// The JSON path, e.g. `prover_manager.session_attempts`.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A fork's verifier assets cannot be loaded.
    #[error(
        "config field `prover_manager.verifier.verifiers[{index}].assets_path` = {path:?} \
         (fork {fork}): {source}; it must be the assets root holding `{fork}/manifest.json` \
         and `{fork}/chunk/vk.bin`, as `prover assets build --out <root>` writes them"
    )]
    Assets {
        /// The position in `verifiers`.
        index: usize,
        /// The fork.
        fork: String,
        /// The configured path.
        path: String,
        /// Why loading failed (boxed: asset errors are large).
        source: Box<AssetError>,
    },
    /// `l2.genesis_path` cannot be read or is not a valid genesis.
    #[error("config field `l2.genesis_path` = {path:?}: {reason}")]
    Genesis {
        /// The configured path.
        path: String,
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

    /// Parses `json`, applies overrides from `env` (`COORDINATOR_A__B=value`), validates.
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
        let invalid = |field, reason: &str| {
            Err(ConfigError::Invalid {
                field,
                reason: reason.into(),
            })
        };
        let pm = &self.prover_manager;
        if pm.provers_per_session == 0 {
            return invalid("prover_manager.provers_per_session", "must be at least 1");
        }
        if pm.session_attempts == 0 {
            return invalid("prover_manager.session_attempts", "must be at least 1");
        }
        for (field, v) in [
            (
                "prover_manager.chunk_collection_time_sec",
                pm.chunk_collection_time_sec,
            ),
            (
                "prover_manager.batch_collection_time_sec",
                pm.batch_collection_time_sec,
            ),
            (
                "prover_manager.bundle_collection_time_sec",
                pm.bundle_collection_time_sec,
            ),
        ] {
            if v == 0 {
                return invalid(field, "must be at least 1 second");
            }
        }
        if let Err(e) =
            semver::Version::parse(pm.verifier.min_prover_version.trim_start_matches('v'))
        {
            return invalid(
                "prover_manager.verifier.min_prover_version",
                &format!("is not a semantic version: {e}"),
            );
        }
        let mut seen = Vec::new();
        for v in &pm.verifier.verifiers {
            let Ok(fork) = v.fork_name.parse::<rollproof_primitives::ForkName>() else {
                return invalid(
                    "prover_manager.verifier.verifiers[].fork_name",
                    &format!("names an unknown fork {:?}", v.fork_name),
                );
            };
            if seen.contains(&fork) {
                return invalid(
                    "prover_manager.verifier.verifiers[].fork_name",
                    &format!("names fork {fork} twice"),
                );
            }
            seen.push(fork);
            if v.assets_path.is_empty() {
                return invalid(
                    "prover_manager.verifier.verifiers[].assets_path",
                    &format!("is empty (fork {fork})"),
                );
            }
        }
        if !matches!(self.db.driver_name.as_str(), "postgres" | "sqlite") {
            return invalid("db.driver_name", "must be \"postgres\" or \"sqlite\"");
        }
        if self.db.dsn.is_empty() {
            return invalid("db.dsn", "is empty");
        }
        if self.db.max_open_num == 0 {
            return invalid("db.max_open_num", "must be at least 1");
        }
        if self.auth.secret.len() < 16 {
            return invalid("auth.secret", "must be at least 16 characters");
        }
        if self.auth.challenge_expire_duration_sec == 0 {
            return invalid("auth.challenge_expire_duration_sec", "must be at least 1");
        }
        if self.auth.login_expire_duration_sec == 0 {
            return invalid("auth.login_expire_duration_sec", "must be at least 1");
        }
        Ok(())
    }
}

impl Config {
    /// The fork schedule of `l2.genesis_path`, checked to be for `l2.chain_id`.
    pub fn fork_schedule(&self) -> Result<ForkSchedule, ConfigError> {
        let path = self
            .l2
            .genesis_path
            .as_deref()
            .ok_or(ConfigError::Invalid {
                field: "l2.genesis_path",
                reason: "is required: the genesis.json whose fork schedule gives each task's fork"
                    .into(),
            })?;
        let genesis = |reason: String| ConfigError::Genesis {
            path: path.to_string(),
            reason,
        };
        let json = std::fs::read_to_string(path).map_err(|e| genesis(e.to_string()))?;
        let schedule =
            ForkSchedule::from_genesis_json(&json).map_err(|e| genesis(e.to_string()))?;
        if schedule.chain_id() != self.l2.chain_id {
            return Err(genesis(format!(
                "its chainId {} is not l2.chain_id {}",
                schedule.chain_id(),
                self.l2.chain_id
            )));
        }
        Ok(schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = r#"{
      "prover_manager": {"provers_per_session": 1, "session_attempts": 5,
        "chunk_collection_time_sec": 3600, "batch_collection_time_sec": 600,
        "bundle_collection_time_sec": 600,
        "verifier": {"min_prover_version": "v4.4.0", "verifiers": []}},
      "db": {"driver_name": "postgres", "dsn": "postgres://x", "maxOpenNum": 10, "maxIdleNum": 2},
      "l2": {"chain_id": 534352},
      "auth": {"secret": "0123456789abcdef", "challenge_expire_duration_sec": 10,
        "login_expire_duration_sec": 3600}
    }"#;

    #[test]
    fn parses_reference_shape_and_env_overrides() {
        let c = Config::from_json_with_env(
            SAMPLE,
            [
                (
                    "COORDINATOR_DB__DSN".to_string(),
                    "sqlite:/tmp/x".to_string(),
                ),
                (
                    "COORDINATOR_PROVER_MANAGER__SESSION_ATTEMPTS".into(),
                    "7".into(),
                ),
                ("OTHER".into(), "1".into()),
            ],
        )
        .unwrap();
        assert_eq!(c.db.dsn, "sqlite:/tmp/x");
        assert_eq!(c.db.max_open_num, 10);
        assert_eq!(c.prover_manager.session_attempts, 7);
    }

    #[test]
    fn validation_names_the_field() {
        let err = Config::from_json_with_env(
            SAMPLE,
            [(
                "COORDINATOR_PROVER_MANAGER__VERIFIER__MIN_PROVER_VERSION".to_string(),
                "abc".to_string(),
            )],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("prover_manager.verifier.min_prover_version"),
            "{err}"
        );
        let err = Config::from_json_with_env(
            SAMPLE,
            [("COORDINATOR_AUTH__SECRET".to_string(), "short".to_string())],
        )
        .unwrap_err();
        assert!(err.to_string().contains("auth.secret"), "{err}");
        let err = Config::from_json_with_env(
            SAMPLE,
            [(
                "COORDINATOR_PROVER_MANAGER__VERIFIER__VERIFIERS".to_string(),
                r#"[{"assets_path": "a", "fork_name": "galileo"},
                    {"assets_path": "b", "fork_name": "Galileo"}]"#
                    .to_string(),
            )],
        )
        .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn the_fork_schedule_comes_from_the_genesis_file() {
        let mut c = Config::from_json_with_env(SAMPLE, []).unwrap();
        let err = c.fork_schedule().unwrap_err();
        assert!(err.to_string().contains("l2.genesis_path"), "{err}");
        let dir = std::env::temp_dir().join(format!("rollproof-genesis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("genesis.json");
        c.l2.genesis_path = Some(path.display().to_string());
        let err = c.fork_schedule().unwrap_err();
        assert!(err.to_string().contains("l2.genesis_path"), "{err}");
        std::fs::write(
            &path,
            r#"{"config": {"chainId": 1, "galileoBlock": 0, "galileoV2Time": 100}}"#,
        )
        .unwrap();
        let err = c.fork_schedule().unwrap_err();
        assert!(err.to_string().contains("l2.chain_id 534352"), "{err}");
        std::fs::write(
            &path,
            r#"{"config": {"chainId": 534352, "galileoBlock": 0, "galileoV2Time": 100}}"#,
        )
        .unwrap();
        let schedule = c.fork_schedule().unwrap();
        assert_eq!(
            schedule.fork_at(5, 100).unwrap(),
            rollproof_primitives::ForkName::GalileoV2
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

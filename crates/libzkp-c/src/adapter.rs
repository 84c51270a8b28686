//! What each entry point does, in safe Rust over borrowed strings and bytes: the FFI layer
//! only converts pointers and results. All proving-stack logic lives in `rollproof-libzkp`.

use std::sync::{Arc, PoisonError, RwLock};

use rollproof_libzkp::{
    wrap_proof, BatchTaskInput, BundleTaskInput, ChunkTaskInput, ProvingTask, Verifier,
    VerifierConfig,
};
use rollproof_primitives::{ForkName, TaskType};

use crate::FfiError;

/// The `git_version` of the wrapped proofs this library assembles.
pub const GIT_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"), "-libzkp-c");

/// A task or proof type as the FFI numbers it (the original libzkp's `TaskType`: 0 chunk,
/// 1 batch, 2 bundle; not the database's `task_type`, which starts at 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// 0.
    Chunk,
    /// 1.
    Batch,
    /// 2.
    Bundle,
}

impl TaskKind {
    /// The kind numbered `value` on the FFI.
    pub fn from_ffi(value: i32) -> Result<Self, FfiError> {
        match value {
            0 => Ok(Self::Chunk),
            1 => Ok(Self::Batch),
            2 => Ok(Self::Bundle),
            other => Err(FfiError::UnknownTaskType(other)),
        }
    }

    /// The circuit (the database's task type) of this kind.
    pub fn task_type(self) -> TaskType {
        match self {
            Self::Chunk => TaskType::Chunk,
            Self::Batch => TaskType::Batch,
            Self::Bundle => TaskType::Bundle,
        }
    }
}

/// Parses a fork name in any case.
pub fn parse_fork(name: &str) -> Result<ForkName, FfiError> {
    Ok(name.parse::<ForkName>()?)
}

/// The verifiers `init_verifier` loaded. The process has one ([`VERIFIERS`]); tests make
/// their own.
#[derive(Default)]
pub struct Verifiers {
    loaded: RwLock<Option<Arc<Verifier>>>,
}

/// The process-global verifiers behind `init_verifier` and `verify_*_proof`.
pub static VERIFIERS: Verifiers = Verifiers::new();

impl Verifiers {
    /// No verifier loaded.
    pub const fn new() -> Self {
        Self {
            loaded: RwLock::new(None),
        }
    }

    /// Loads every fork of `config_json` (`{circuits: [{fork_name, assets_path}]}`) and, only
    /// if all load, replaces the current verifiers. Returns the forks now verified.
    pub fn init(&self, config_json: &str) -> Result<Vec<ForkName>, FfiError> {
        let config = VerifierConfig::from_json(config_json.as_bytes())?;
        let verifier = Verifier::from_config(&config)?;
        let forks = verifier.forks().collect();
        *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(verifier));
        Ok(forks)
    }

    /// Verifies a wrapped proof of `kind` for the fork named `fork_name` (any case). Batch
    /// and bundle proofs need assets built with the aggregation circuits.
    pub fn verify(
        &self,
        kind: TaskKind,
        proof_json: &str,
        fork_name: &str,
    ) -> Result<(), FfiError> {
        let fork = parse_fork(fork_name)?;
        // Clone the Arc and release the lock: verification takes a while, and a concurrent
        // init_verifier must not wait for it.
        let verifier = self
            .loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(FfiError::NotInitialised)?;
        Ok(verifier.verify_json(kind.task_type(), fork, proof_json.as_bytes())?)
    }
}

/// What `gen_universal_task` hands back on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskOutput {
    /// The universal task's JSON (what the prover receives).
    pub universal_task: String,
    /// The metadata a valid proof carries (JSON), for `gen_wrapped_proof`.
    pub metadata: String,
    /// The public-input hash a valid proof reveals.
    pub expected_pi_hash: [u8; 32],
}

/// Builds the universal task of a coordinator task of `kind` for the fork named `fork_name`
/// and the verifying key `expected_vk`:
/// - a chunk's `task_json` is a [`ChunkTaskInput`] (`{"witness": "<base64 of
///   ChunkWitness::encode()>"}`), whose witness must be for that fork;
/// - a batch's a [`BatchTaskInput`] (`{chunk_proofs, batch_header, blob_bytes, kzg_commitment,
///   kzg_proof, challenge_digest?, chunk_infos?}`): the blob's commitment, challenge digest
///   and KZG proof are recomputed and must equal the supplied ones;
/// - a bundle's a [`BundleTaskInput`] (`{batch_proofs, bundle_info?}`): the batches must chain.
pub fn universal_task(
    kind: TaskKind,
    task_json: &str,
    fork_name: &str,
    expected_vk: &[u8],
) -> Result<TaskOutput, FfiError> {
    let fork = parse_fork(fork_name)?;
    let json = task_json.as_bytes();
    Ok(match kind {
        TaskKind::Chunk => {
            let built = ChunkTaskInput::from_json(json)?.to_task(fork, expected_vk)?;
            output(&built, built.metadata_json())
        }
        TaskKind::Batch => {
            let built = BatchTaskInput::from_json(json)?.to_task(fork, expected_vk)?;
            output(&built, built.metadata_json())
        }
        TaskKind::Bundle => {
            let built = BundleTaskInput::from_json(json)?.to_task(fork, expected_vk)?;
            output(&built, built.metadata_json())
        }
    })
}

/// The task output of a built task (any type's; `metadata_json` is its metadata's JSON).
fn output<M>(built: &ProvingTask<M>, metadata_json: String) -> TaskOutput {
    TaskOutput {
        universal_task: serde_json::to_string(&built.task).expect("a task always serializes"),
        metadata: metadata_json,
        expected_pi_hash: built.expected_pi_hash.0,
    }
}

/// Assembles a wrapped proof from a bare proof (a JSON base64 string), the task's metadata
/// JSON and the verifying key, with [`wrap_proof`].
pub fn wrapped_proof(proof_json: &str, metadata: &str, vk: &[u8]) -> Result<String, FfiError> {
    Ok(wrap_proof(
        proof_json.as_bytes(),
        metadata.as_bytes(),
        vk,
        GIT_VERSION,
    )?)
}

#[cfg(test)]
mod tests {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use rollproof_devnet::sample::sample_chunk;
    use rollproof_libzkp::{chunk_task, UniversalTask, VerifyError};

    use super::*;

    fn task_json() -> String {
        serde_json::to_string(&ChunkTaskInput::new(&sample_chunk())).unwrap()
    }

    #[test]
    fn task_kinds_follow_the_ffi_numbering() {
        assert_eq!(TaskKind::from_ffi(0).unwrap(), TaskKind::Chunk);
        assert_eq!(TaskKind::from_ffi(1).unwrap(), TaskKind::Batch);
        assert_eq!(TaskKind::from_ffi(2).unwrap(), TaskKind::Bundle);
        for bad in [-1, 3, i32::MAX] {
            assert!(matches!(
                TaskKind::from_ffi(bad),
                Err(FfiError::UnknownTaskType(v)) if v == bad
            ));
        }
    }

    #[test]
    fn verify_needs_init_and_a_known_fork() {
        let verifiers = Verifiers::new();
        assert!(matches!(
            verifiers.verify(TaskKind::Chunk, "{}", "galileo"),
            Err(FfiError::NotInitialised)
        ));
        assert!(matches!(
            verifiers.verify(TaskKind::Chunk, "{}", "nofork"),
            Err(FfiError::UnknownFork(_))
        ));
        *verifiers.loaded.write().unwrap() = Some(Arc::new(Verifier::default()));
        for kind in [TaskKind::Chunk, TaskKind::Batch, TaskKind::Bundle] {
            assert!(matches!(
                verifiers.verify(kind, "{}", "GALILEO"),
                Err(FfiError::Verify(VerifyError::UnknownFork(
                    ForkName::Galileo
                )))
            ));
        }
    }

    #[test]
    fn a_failed_init_keeps_the_previous_verifiers() {
        let verifiers = Verifiers::new();
        *verifiers.loaded.write().unwrap() = Some(Arc::new(Verifier::default()));
        for bad in [
            "not json",
            r#"{"circuits": []}"#,
            r#"{"circuits": [{"fork_name": "nofork", "assets_path": "/"}]}"#,
            r#"{"circuits": [{"fork_name": "galileo", "assets_path": "/nonexistent"}]}"#,
        ] {
            assert!(
                matches!(verifiers.init(bad), Err(FfiError::Config(_))),
                "{bad}"
            );
        }
        // Still the verifier set before: it knows no fork, and says so.
        assert!(matches!(
            verifiers.verify(TaskKind::Chunk, "{}", "galileo"),
            Err(FfiError::Verify(VerifyError::UnknownFork(
                ForkName::Galileo
            )))
        ));
    }

    #[test]
    fn universal_task_builds_a_chunk_task() {
        let witness = sample_chunk();
        let output = universal_task(TaskKind::Chunk, &task_json(), "GALILEO", b"vk").unwrap();
        let expected = chunk_task(&witness, b"vk").unwrap();
        let task: UniversalTask = serde_json::from_str(&output.universal_task).unwrap();
        assert_eq!(task, expected.task);
        assert_eq!(
            output.metadata,
            serde_json::to_string(&expected.metadata).unwrap()
        );
        assert_eq!(output.expected_pi_hash, expected.expected_pi_hash.0);
        let value: serde_json::Value = serde_json::from_str(&output.universal_task).unwrap();
        assert_eq!(value["vk"], STANDARD.encode(b"vk"));
        assert_eq!(value["fork_name"], "galileo");
        assert_eq!(value["identifier"], "1-1");
    }

    #[test]
    fn universal_task_refuses_bad_tasks() {
        let json = task_json();
        let refused = |kind, task: &str, fork, vk: &[u8]| {
            universal_task(kind, task, fork, vk)
                .unwrap_err()
                .to_string()
        };
        // A chunk task is no batch or bundle task.
        assert!(refused(TaskKind::Batch, &json, "galileo", b"vk").contains("malformed batch task"));
        assert!(
            refused(TaskKind::Bundle, &json, "galileo", b"vk").contains("malformed bundle task")
        );
        assert!(refused(TaskKind::Chunk, &json, "galileov2", b"vk").contains("for fork galileo"));
        assert!(refused(TaskKind::Chunk, &json, "nofork", b"vk").contains("unknown fork"));
        assert!(refused(TaskKind::Chunk, &json, "galileo", b"").contains("verifying key"));
        assert!(refused(TaskKind::Chunk, "garbage", "galileo", b"vk").contains("malformed"));
        let bad_witness = r#"{"witness": "AAEC"}"#;
        assert!(refused(TaskKind::Chunk, bad_witness, "galileo", b"vk").contains("chunk witness"));
    }

    #[test]
    fn wrapped_proof_carries_metadata_proof_and_key() {
        let output = universal_task(TaskKind::Chunk, &task_json(), "galileo", b"vk").unwrap();
        let json = wrapped_proof(r#""AQID""#, &output.metadata, b"vk").unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["proof"], "AQID");
        assert_eq!(value["vk"], STANDARD.encode(b"vk"));
        assert_eq!(value["git_version"], GIT_VERSION);
        assert_eq!(
            value["metadata"],
            serde_json::from_str::<serde_json::Value>(&output.metadata).unwrap()
        );
        assert!(matches!(
            wrapped_proof("AQID", &output.metadata, b"vk"),
            Err(FfiError::Libzkp(rollproof_libzkp::Error::Proof(_)))
        ));
    }
}

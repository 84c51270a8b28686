//! The exported C functions and types (what `include/libzkp.h` declares). Each one converts
//! its arguments, calls [`crate::adapter`] under [`guarded`] (no panic crosses the boundary)
//! and converts the result.

use std::{ffi::c_char, sync::OnceLock};

use crate::{
    adapter::{self, TaskKind, VERIFIERS},
    boundary::{
        c_bytes, c_str, free_c_string, guarded, guarded_release, into_c_string, last_error_message,
    },
    dump,
};

/// Installs a tracing subscriber that logs to stderr, filtered by `RUST_LOG` (default
/// `info`). Idempotent; does nothing when the process already has a subscriber.
#[no_mangle]
pub extern "C" fn init_tracing() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    guarded("init_tracing", (), || {
        INSTALLED.get_or_init(|| {
            let filter = tracing_subscriber::EnvFilter::builder()
                .with_default_directive(tracing::Level::INFO.into())
                .from_env_lossy();
            let installed = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .try_init();
            if installed.is_ok() {
                tracing::info!(target: "libzkp", "tracing initialised");
            }
        });
        Ok(())
    });
}

/// Loads the verifiers from `config_json`:
/// `{"circuits": [{"fork_name": "galileo", "assets_path": "/srv/assets"}, ...]}`.
/// Fork names are case-insensitive. `assets_path` is the assets ROOT, the folder holding
/// `<fork>/manifest.json` and `<fork>/chunk/vk.bin` (as `prover assets build --out <root>`
/// writes it), not the fork's own folder; every file is checked against the manifest.
/// The new verifiers replace the current ones only if every fork loads.
///
/// Returns 1 on success, 0 on failure (reason in `last_error`). The original declared this
/// function `void`; callers that ignore the result still work.
///
/// # Safety
/// `config_json` is null or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn init_verifier(config_json: *const c_char) -> c_char {
    guarded("init_verifier", 0, || {
        // SAFETY: forwarded from this function's contract.
        let config = unsafe { c_str(config_json, "config_json") }?;
        let forks = VERIFIERS.init(config)?;
        tracing::info!(target: "libzkp", "verifier initialised for forks {forks:?}");
        Ok(1)
    })
}

/// Verifies a chunk's wrapped proof (JSON `{metadata, proof, vk, git_version}`) for the fork
/// `fork_name` (any case). Returns non-zero when the proof is valid, 0 when it is not or the
/// call fails (reason in `last_error`). With `LIBZKP_DUMP_DIR` set, a refused proof is
/// written there for debugging.
///
/// # Safety
/// `proof_json` and `fork_name` are each null or a NUL-terminated string valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn verify_chunk_proof(
    proof_json: *const c_char,
    fork_name: *const c_char,
) -> c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { verify_proof("verify_chunk_proof", TaskKind::Chunk, proof_json, fork_name) }
}

/// Verifies a batch proof (wrapped-proof JSON) for `fork_name`, as `verify_chunk_proof` does a
/// chunk proof; the fork's assets must hold the batch circuit (built with the aggregation
/// circuits), else 0 with a "has no batch verifier" error.
///
/// # Safety
/// `proof_json` and `fork_name` are each null or a NUL-terminated string valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn verify_batch_proof(
    proof_json: *const c_char,
    fork_name: *const c_char,
) -> c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe { verify_proof("verify_batch_proof", TaskKind::Batch, proof_json, fork_name) }
}

/// Verifies a bundle proof (wrapped-proof JSON) for `fork_name`, as `verify_chunk_proof` does a
/// chunk proof; the fork's assets must hold the bundle circuit, else 0 with a "has no bundle
/// verifier" error.
///
/// # Safety
/// `proof_json` and `fork_name` are each null or a NUL-terminated string valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn verify_bundle_proof(
    proof_json: *const c_char,
    fork_name: *const c_char,
) -> c_char {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        verify_proof(
            "verify_bundle_proof",
            TaskKind::Bundle,
            proof_json,
            fork_name,
        )
    }
}

/// The body of the three `verify_*_proof` functions, named `entry` in errors and dumps.
///
/// # Safety
/// As the exported `verify_*_proof` functions.
unsafe fn verify_proof(
    entry: &'static str,
    kind: TaskKind,
    proof_json: *const c_char,
    fork_name: *const c_char,
) -> c_char {
    guarded(entry, 0, || {
        // SAFETY: forwarded from the exported function's contract.
        let (proof, fork) = unsafe {
            (
                c_str(proof_json, "proof_json")?,
                c_str(fork_name, "fork_name")?,
            )
        };
        VERIFIERS
            .verify(kind, proof, fork)
            .inspect_err(|_| dump::failed_input(entry, proof))?;
        Ok(1)
    })
}

/// The result of `gen_universal_task`; free it with `release_task_result`.
#[repr(C)]
pub struct HandlingResult {
    /// Non-zero on success. On failure the other fields are null / zero and the reason is in
    /// `last_error`.
    pub ok: c_char,
    /// The universal task's JSON `{serialized_witness, aggregated_proofs, fork_name, vk,
    /// identifier}`, what the prover receives.
    pub universal_task: *mut c_char,
    /// The JSON metadata a valid proof carries; pass it to `gen_wrapped_proof`.
    pub metadata: *mut c_char,
    /// The public-input hash a valid proof reveals.
    pub expected_pi_hash: [u8; 32],
}

impl HandlingResult {
    fn failed() -> Self {
        Self {
            ok: 0,
            universal_task: std::ptr::null_mut(),
            metadata: std::ptr::null_mut(),
            expected_pi_hash: [0; 32],
        }
    }
}

/// Builds the universal task of a coordinator task. `task_type`: 0 chunk, 1 batch, 2 bundle.
/// `expected_vk` (`expected_vk_len` bytes, not empty) is the id of the fork's verifying key (the
/// sha256 of its `chunk/vk.bin`, 32 bytes) that the proof must be for. A chunk's `task_json` is `{"witness": "<base64 of ChunkWitness::encode()>"}`
/// (rollproof's coordinator builds witnesses itself; the original sent block hashes), and the
/// witness must be for `fork_name` (any case). A batch's is `{chunk_proofs, batch_header (base64),
/// blob_bytes (base64: the blob's data), kzg_commitment, kzg_proof, challenge_digest?,
/// chunk_infos?}`: the blob's commitment, challenge digest and KZG proof are recomputed and must
/// equal the supplied ones, and the batch must check natively. A bundle's is `{batch_proofs,
/// bundle_info?}`, whose batches must chain. `expected_vk` is then the batch or bundle key's id.
/// With `LIBZKP_DUMP_DIR` set, a refused task is
/// written there for debugging.
///
/// # Safety
/// `task_json` and `fork_name` are each null or a NUL-terminated string valid for the
/// duration of the call; `expected_vk` is null or points to `expected_vk_len` readable bytes
/// (it may be null when `expected_vk_len` is 0).
#[no_mangle]
pub unsafe extern "C" fn gen_universal_task(
    task_type: i32,
    task_json: *const c_char,
    fork_name: *const c_char,
    expected_vk: *const u8,
    expected_vk_len: usize,
) -> HandlingResult {
    guarded("gen_universal_task", HandlingResult::failed(), || {
        let kind = TaskKind::from_ffi(task_type)?;
        // SAFETY: forwarded from this function's contract.
        let (task, fork, vk) = unsafe {
            (
                c_str(task_json, "task_json")?,
                c_str(fork_name, "fork_name")?,
                c_bytes(expected_vk, expected_vk_len, "expected_vk")?,
            )
        };
        let output = adapter::universal_task(kind, task, fork, vk)
            .inspect_err(|_| dump::failed_input("gen_universal_task", task))?;
        let universal_task = into_c_string(output.universal_task)?;
        let metadata = match into_c_string(output.metadata) {
            Ok(metadata) => metadata,
            Err(error) => {
                // SAFETY: made just above and not handed out.
                unsafe { free_c_string(universal_task) };
                return Err(error);
            }
        };
        Ok(HandlingResult {
            ok: 1,
            universal_task,
            metadata,
            expected_pi_hash: output.expected_pi_hash,
        })
    })
}

/// Frees the strings of a `gen_universal_task` result (null fields are skipped). Keeps the
/// calling thread's `last_error`.
///
/// # Safety
/// `result` came from `gen_universal_task` and its strings were not freed yet; do not use
/// them afterwards.
#[no_mangle]
pub unsafe extern "C" fn release_task_result(result: HandlingResult) {
    guarded_release("release_task_result", || {
        // SAFETY: forwarded from this function's contract.
        unsafe {
            free_c_string(result.universal_task);
            free_c_string(result.metadata);
        }
    })
}

/// Assembles a wrapped proof `{metadata, proof, vk, git_version}`: `proof_json` is the bare
/// proof as a JSON string (the base64 aggregated STARK proof, quoted), `metadata` the JSON
/// object `gen_universal_task` returned, `vk` (`vk_len` bytes) the verifying key's id. Nothing is
/// verified. Returns a string to free with `release_string`, or null on failure (reason in
/// `last_error`).
///
/// # Safety
/// `proof_json` and `metadata` are each null or a NUL-terminated string valid for the
/// duration of the call; `vk` is null or points to `vk_len` readable bytes (it may be null
/// when `vk_len` is 0).
#[no_mangle]
pub unsafe extern "C" fn gen_wrapped_proof(
    proof_json: *const c_char,
    metadata: *const c_char,
    vk: *const c_char,
    vk_len: usize,
) -> *mut c_char {
    guarded("gen_wrapped_proof", std::ptr::null_mut(), || {
        // SAFETY: forwarded from this function's contract.
        let (proof, metadata, vk) = unsafe {
            (
                c_str(proof_json, "proof_json")?,
                c_str(metadata, "metadata")?,
                c_bytes(vk.cast::<u8>(), vk_len, "vk")?,
            )
        };
        into_c_string(adapter::wrapped_proof(proof, metadata, vk)?)
    })
}

/// The error of the last failed call on the calling thread, or null when that call
/// succeeded: every function but `last_error` and the release functions clears it first.
/// The message names the function, e.g. `"verify_chunk_proof: invalid proof: ..."`.
/// Returns a new string to free with `release_string`. Errors are per OS thread: a Go
/// caller reads it on the same thread as the failed call (`runtime.LockOSThread` around
/// the pair). Every error is also logged through tracing.
#[no_mangle]
pub extern "C" fn last_error() -> *mut c_char {
    // Not `guarded`: reading the last error must not clear it.
    let Some(message) = last_error_message() else {
        return std::ptr::null_mut();
    };
    // A message cannot hold NUL (into_c_string would fail): replace them to stay total.
    into_c_string(message.replace('\0', "\\0")).unwrap_or(std::ptr::null_mut())
}

/// Frees a string returned by `gen_wrapped_proof` or `last_error`; null is ignored. Keeps the
/// calling thread's `last_error`.
///
/// # Safety
/// `ptr` is null or a string from this library not freed yet; do not use it afterwards.
#[no_mangle]
pub unsafe extern "C" fn release_string(ptr: *mut c_char) {
    guarded_release("release_string", || {
        // SAFETY: forwarded from this function's contract.
        unsafe { free_c_string(ptr) };
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn take_last_error() -> Option<String> {
        let ptr = last_error();
        if ptr.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string();
        unsafe { release_string(ptr) };
        Some(text)
    }

    #[test]
    fn entry_points_report_null_pointers_through_last_error() {
        unsafe {
            assert_eq!(verify_chunk_proof(std::ptr::null(), c"galileo".as_ptr()), 0);
            assert_eq!(
                take_last_error().unwrap(),
                "verify_chunk_proof: argument `proof_json` is a null pointer"
            );
            let result =
                gen_universal_task(0, c"{}".as_ptr(), std::ptr::null(), std::ptr::null(), 0);
            assert_eq!(result.ok, 0);
            assert!(result.universal_task.is_null() && result.metadata.is_null());
            release_task_result(result);
            // Releasing keeps the error of the call that failed.
            assert!(take_last_error()
                .unwrap()
                .contains("`fork_name` is a null pointer"));
            assert!(
                gen_wrapped_proof(c"\"AA==\"".as_ptr(), c"{}".as_ptr(), std::ptr::null(), 4)
                    .is_null()
            );
            assert!(take_last_error()
                .unwrap()
                .contains("`vk` is a null pointer"));
            assert_eq!(init_verifier(std::ptr::null()), 0);
            assert!(take_last_error().unwrap().contains("`config_json`"));
        }
    }

    #[test]
    fn gen_wrapped_proof_returns_a_string_to_release() {
        unsafe {
            let ptr = gen_wrapped_proof(
                c"\"AQID\"".as_ptr(),
                c"{\"a\":1}".as_ptr(),
                b"vk".as_ptr().cast(),
                2,
            );
            assert!(!ptr.is_null());
            let value: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(ptr).to_str().unwrap()).unwrap();
            release_string(ptr);
            assert_eq!(value["metadata"]["a"], 1);
            assert_eq!(value["vk"], "dms=");
            assert_eq!(take_last_error(), None);
        }
    }
}

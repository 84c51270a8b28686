//! Response envelope, error codes and the task bodies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Success.
pub const OK: i32 = 0;
/// Internal error.
pub const INTERNAL: i32 = 500;
/// Bad request parameter (body, signature, version, fork...).
pub const BAD_PARAMETER: i32 = 20001;
/// get_task failed.
pub const GET_TASK_FAILURE: i32 = 20002;
/// submit_proof failed.
pub const PROOF_FAILURE: i32 = 20003;
/// No task available.
pub const NO_TASK: i32 = 20004;
/// Bad or missing JWT.
pub const JWT_ERROR: i32 = 50000;
/// Expired JWT: log in again.
pub const JWT_EXPIRED: i32 = 50001;

/// The body of every response (HTTP 200 even for business errors).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// One of the codes above.
    pub errcode: i32,
    /// Empty on success.
    pub errmsg: String,
    /// The payload (null on error).
    pub data: Value,
}

/// `{time, token}` of challenge and login responses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenData {
    /// Expiry (RFC 3339).
    pub time: String,
    /// The JWT.
    pub token: String,
}

/// The `/get_task` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GetTaskRequest {
    /// Wanted task types (empty: all).
    #[serde(default)]
    pub task_types: Vec<u8>,
    /// The prover's L2 height.
    #[serde(default)]
    pub prover_height: Option<u64>,
    /// rollproof extension: only this task (its hash), for `prover handle`. Absent in the
    /// original protocol; a coordinator that ignores it may hand out any task, so the prover
    /// checks the answer's `task_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

/// The `/get_task` response data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TaskData {
    /// The assignment (prover task) id.
    pub uuid: String,
    /// The task's hash.
    pub task_id: String,
    /// 1 chunk, 2 batch, 3 bundle.
    pub task_type: u8,
    /// The task as a JSON string.
    pub task_data: String,
    /// The fork to prove it with.
    pub hard_fork_name: String,
}

/// The `/submit_proof` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubmitProofRequest {
    /// The assignment id from get_task.
    pub uuid: String,
    /// The task's hash.
    pub task_id: String,
    /// The task type.
    pub task_type: u8,
    /// 0 ok, 1 error.
    pub status: u8,
    /// The proof (JSON string).
    #[serde(default)]
    pub proof: String,
    /// 0 undefined, 1 panic, 2 no-panic.
    #[serde(default)]
    pub failure_type: u8,
    /// What failed on the prover.
    #[serde(default)]
    pub failure_msg: String,
}

//! The reference's response envelope `{errcode, errmsg, data}` and error codes.

use axum::{
    response::{IntoResponse, Response},
    Json,
};
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

/// A business error: code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The reference's error code.
    pub code: i32,
    /// What went wrong.
    pub message: String,
}

impl ApiError {
    /// An error with `code`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<rollproof_db::Error> for ApiError {
    fn from(e: rollproof_db::Error) -> Self {
        tracing::error!("database: {e}");
        Self::new(INTERNAL, format!("database error: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Json(Envelope {
            errcode: self.code,
            errmsg: self.message,
            data: Value::Null,
        })
        .into_response()
    }
}

/// Wraps a successful payload in the envelope.
pub fn ok(data: impl Serialize) -> Response {
    Json(Envelope {
        errcode: OK,
        errmsg: String::new(),
        data: serde_json::to_value(data).unwrap_or(Value::Null),
    })
    .into_response()
}

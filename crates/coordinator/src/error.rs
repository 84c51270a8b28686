//! The reference's response envelope `{errcode, errmsg, data}` and error codes.

use axum::{
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::Value;

pub use rollproof_coordinator_wire::{
    Envelope, BAD_PARAMETER, GET_TASK_FAILURE, INTERNAL, JWT_ERROR, JWT_EXPIRED, NO_TASK, OK,
    PROOF_FAILURE,
};

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

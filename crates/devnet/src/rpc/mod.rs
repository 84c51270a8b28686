//! JSON-RPC 2.0 over HTTP: framing (single and batch requests, standard error codes) in this
//! module, the `eth_`/`debug_` methods in [`methods`], and standard Ethereum JSON (hex
//! quantities, camelCase) through alloy's RPC types in [`convert`].
//!
//! Entry point: [`serve`] on a bound listener, [`router`] to mount elsewhere, or [`LocalRpc`]
//! for a node served in-process on a free loopback port (tests, the end-to-end run).

pub mod convert;
pub mod methods;

use std::{future::Future, sync::Arc};

use axum::{
    body::Bytes, extract::State, http::header, response::IntoResponse, routing::post, Router,
};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::node::Node;

/// A node served on `127.0.0.1` at a free port by this process; the server stops when this is
/// dropped.
#[derive(Debug)]
pub struct LocalRpc {
    /// The node.
    pub node: Arc<Node>,
    /// Its JSON-RPC URL, `http://127.0.0.1:<port>`.
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl LocalRpc {
    /// Serves `node` on a free loopback port (in a task of the current tokio runtime).
    pub async fn start(node: Arc<Node>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, Arc::clone(&node), async {
            stopped.await.ok();
        }));
        Ok(Self {
            node,
            url,
            _stop: stop,
        })
    }
}

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// Internal error.
pub const INTERNAL_ERROR: i64 = -32603;
/// A valid call the node refuses (rejected transaction, unknown block, state not kept), as
/// geth answers them.
pub const SERVER_ERROR: i64 = -32000;

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("JSON-RPC error {code}: {message}")]
pub struct RpcError {
    /// The error code.
    pub code: i64,
    /// A human-readable message.
    pub message: String,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// [`INVALID_PARAMS`] with `message`.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }

    /// [`SERVER_ERROR`] with `message`.
    pub fn server(message: impl Into<String>) -> Self {
        Self::new(SERVER_ERROR, message)
    }
}

/// The axum router answering JSON-RPC POSTs at `/`.
pub fn router(node: Arc<Node>) -> Router {
    Router::new().route("/", post(handle)).with_state(node)
}

/// Serves JSON-RPC on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    node: Arc<Node>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(node))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handle(State(node): State<Arc<Node>>, body: Bytes) -> axum::response::Response {
    // Methods read or build state synchronously: keep them off the async workers.
    let response = tokio::task::spawn_blocking(move || handle_body(&node, &body))
        .await
        .unwrap_or_else(|e| {
            Some(error_response(
                Value::Null,
                RpcError::new(INTERNAL_ERROR, format!("handler failed: {e}")),
            ))
        });
    match response {
        Some(value) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&value).expect("JSON values serialize"),
        )
            .into_response(),
        // Only notifications: nothing to answer.
        None => axum::http::StatusCode::NO_CONTENT.into_response(),
    }
}

/// Answers one HTTP body: a request, a batch, or garbage. `None` when there is nothing to
/// send back (notifications only).
pub fn handle_body(node: &Node, body: &[u8]) -> Option<Value> {
    let request: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Some(error_response(
                Value::Null,
                RpcError::new(PARSE_ERROR, format!("parse error: {e}")),
            ))
        }
    };
    match request {
        Value::Array(batch) if batch.is_empty() => Some(error_response(
            Value::Null,
            RpcError::new(INVALID_REQUEST, "empty batch"),
        )),
        Value::Array(batch) => {
            let answers: Vec<Value> = batch
                .into_iter()
                .filter_map(|r| handle_one(node, r))
                .collect();
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
        single => handle_one(node, single),
    }
}

/// Answers one request object (`None` for a notification).
fn handle_one(node: &Node, request: Value) -> Option<Value> {
    let Value::Object(mut object) = request else {
        return Some(error_response(
            Value::Null,
            RpcError::new(INVALID_REQUEST, "a request must be a JSON object"),
        ));
    };
    let id = object.remove("id");
    let valid_id = matches!(
        id,
        None | Some(Value::Null | Value::Number(_) | Value::String(_))
    );
    let reply_id = id.clone().filter(|_| valid_id).unwrap_or(Value::Null);
    if !valid_id || object.get("jsonrpc") != Some(&Value::from("2.0")) {
        return Some(error_response(
            reply_id,
            RpcError::new(
                INVALID_REQUEST,
                "a request needs \"jsonrpc\": \"2.0\" and a number, string or null id",
            ),
        ));
    }
    let Some(Value::String(method)) = object.remove("method") else {
        return Some(error_response(
            reply_id,
            RpcError::new(INVALID_REQUEST, "a request needs a string \"method\""),
        ));
    };
    let params = match object.remove("params") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(params)) => Ok(params),
        Some(_) => Err(RpcError::invalid_params(
            "params must be an array (positional)",
        )),
    };
    let result = params.and_then(|params| methods::call(node, &method, &params));
    // A request without an id is a notification: executed, never answered.
    let id = id?;
    Some(match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => error_response(id, error),
    })
}

fn error_response(id: Value, error: RpcError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

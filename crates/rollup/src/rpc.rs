//! [`L2Client`]: the few JSON-RPC calls the relayer makes to an L2 node (any Ethereum node
//! that serves `debug_executionWitness`, or our `devnet`).

use std::time::Duration;

use alloy_consensus::{Block, TxEnvelope};
use alloy_primitives::B256;
use rollproof_stateless::ExecutionWitness;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::error::{RelayerError, Result};

/// A block as the node gave it: the consensus block and the hash the node states for it
/// (checked to be the header's hash).
#[derive(Debug, Clone)]
pub struct FetchedBlock {
    /// The block with its transactions.
    pub block: Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// The node's JSON of the header (stored in `l2_block.header`).
    pub header_json: String,
}

/// A JSON-RPC client over HTTP.
#[derive(Debug, Clone)]
pub struct L2Client {
    http: reqwest::Client,
    endpoint: String,
}

impl L2Client {
    /// A client of `endpoint` with a per-request `timeout`.
    pub fn new(endpoint: &str, timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| RelayerError::Rpc {
                method: "(client)".into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            endpoint: endpoint.to_string(),
        })
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn call<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<Option<T>> {
        let failed = |reason: String| RelayerError::Rpc {
            method: method.to_string(),
            reason,
        };
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(&self.endpoint)
            .json(&body)
            .send()
            .await
            .map_err(|e| failed(format!("{} unreachable: {e}", self.endpoint)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| failed(format!("reading the answer: {e}")))?;
        if !status.is_success() {
            return Err(failed(format!("HTTP {status}: {}", truncate(&text))));
        }
        let mut answer: Value = serde_json::from_str(&text)
            .map_err(|e| failed(format!("answer is not JSON ({e}): {}", truncate(&text))))?;
        if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
            return Err(failed(format!("error {error}")));
        }
        match answer.get_mut("result").map(Value::take) {
            None | Some(Value::Null) => Ok(None),
            Some(result) => serde_json::from_value(result)
                .map(Some)
                .map_err(|e| failed(format!("unexpected result: {e}"))),
        }
    }

    async fn required<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T> {
        self.call(method, params)
            .await?
            .ok_or_else(|| RelayerError::Rpc {
                method: method.to_string(),
                reason: "the node answered null".into(),
            })
    }

    /// `eth_chainId`.
    pub async fn chain_id(&self) -> Result<u64> {
        let id: alloy_primitives::U64 = self.required("eth_chainId", json!([])).await?;
        Ok(id.to())
    }

    /// `eth_blockNumber`: the node's head.
    pub async fn block_number(&self) -> Result<u64> {
        let n: alloy_primitives::U64 = self.required("eth_blockNumber", json!([])).await?;
        Ok(n.to())
    }

    /// `eth_getBlockByNumber(number, true)`; `None` when the node does not have it. The stated
    /// hash must be the header's.
    pub async fn block(&self, number: u64) -> Result<Option<FetchedBlock>> {
        let Some(json): Option<Value> = self
            .call(
                "eth_getBlockByNumber",
                json!([format!("{number:#x}"), true]),
            )
            .await?
        else {
            return Ok(None);
        };
        let header_json = header_json(&json);
        let rpc: alloy_rpc_types_eth::Block =
            serde_json::from_value(json).map_err(|e| RelayerError::Rpc {
                method: "eth_getBlockByNumber".into(),
                reason: format!("block {number} is not a block with full transactions: {e}"),
            })?;
        let stated = rpc.header.hash;
        let block = rpc.map_transactions(|tx| tx.into_inner()).into_consensus();
        let hash = block.header.hash_slow();
        if hash != stated || block.header.number != number {
            return Err(RelayerError::Node(format!(
                "block {number}: the node states hash {stated} for a header that hashes to \
                 {hash} (number {}): not an Ethereum-equivalent header",
                block.header.number
            )));
        }
        Ok(Some(FetchedBlock {
            block,
            hash,
            header_json,
        }))
    }

    /// The hash of block `number` on the node's chain, `None` when it has no such block.
    pub async fn block_hash(&self, number: u64) -> Result<Option<B256>> {
        let json: Option<Value> = self
            .call(
                "eth_getBlockByNumber",
                json!([format!("{number:#x}"), false]),
            )
            .await?;
        json.map(|block| {
            serde_json::from_value(block["hash"].clone()).map_err(|e| RelayerError::Rpc {
                method: "eth_getBlockByNumber".into(),
                reason: format!("block {number} has no readable hash: {e}"),
            })
        })
        .transpose()
    }

    /// `debug_executionWitness(number)`: the trie nodes, codes and ancestor headers block
    /// `number` reads.
    pub async fn execution_witness(&self, number: u64) -> Result<ExecutionWitness> {
        self.required("debug_executionWitness", json!([format!("{number:#x}")]))
            .await
    }
}

/// The header fields of a JSON block (everything but the transactions and uncles).
fn header_json(block: &Value) -> String {
    let mut header = block.clone();
    if let Some(object) = header.as_object_mut() {
        object.remove("transactions");
        object.remove("uncles");
        object.remove("withdrawals");
    }
    header.to_string()
}

fn truncate(text: &str) -> &str {
    let end = text.char_indices().nth(200).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

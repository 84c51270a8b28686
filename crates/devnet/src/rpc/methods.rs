//! The JSON-RPC methods: dispatch by name, positional parameters, results as JSON.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_serde::JsonStorageKey;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use super::{convert, RpcError, METHOD_NOT_FOUND};
use crate::node::{ChainView, Node};

/// Every method this server answers.
pub const METHODS: [&str; 19] = [
    "web3_clientVersion",
    "net_version",
    "eth_chainId",
    "eth_blockNumber",
    "eth_gasPrice",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getProof",
    "eth_sendRawTransaction",
    "debug_executionWitness",
    "evm_mine",
    "devnet_wallets",
    "txpool_pendingCount",
];

/// Calls `method` with positional `params`.
pub fn call(node: &Node, method: &str, params: &[Value]) -> Result<Value, RpcError> {
    let p = Params(params);
    match method {
        "web3_clientVersion" => to_json(concat!("rollproof-devnet/", env!("CARGO_PKG_VERSION"))),
        "net_version" => to_json(node.chain_id().to_string()),
        "eth_chainId" => to_json(U64::from(node.chain_id())),
        "eth_blockNumber" => to_json(U64::from(node.read().head_number())),
        "eth_gasPrice" => {
            let view = node.read();
            let base_fee = view
                .chain
                .head()
                .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
                .unwrap_or_default();
            to_json(U256::from(base_fee) + U256::from(PRIORITY_FEE))
        }
        "eth_getBlockByNumber" => {
            let tag: BlockNumberOrTag = p.required(0, "block number")?;
            let full: bool = p.required(1, "full transactions flag")?;
            let view = node.read();
            to_json(
                view.resolve(tag)
                    .and_then(|n| convert::block(&view, n, full)),
            )
        }
        "eth_getBlockByHash" => {
            let hash: B256 = p.required(0, "block hash")?;
            let full: bool = p.required(1, "full transactions flag")?;
            let view = node.read();
            to_json(
                view.number_of(hash)
                    .and_then(|n| convert::block(&view, n, full)),
            )
        }
        "eth_getTransactionByHash" => {
            let hash: B256 = p.required(0, "transaction hash")?;
            let view = node.read();
            to_json(
                view.location(hash)
                    .and_then(|(n, i)| convert::transaction(&view, n, i)),
            )
        }
        "eth_getTransactionReceipt" => {
            let hash: B256 = p.required(0, "transaction hash")?;
            let view = node.read();
            to_json(
                view.location(hash)
                    .and_then(|(n, i)| convert::receipt(&view, n, i)),
            )
        }
        "eth_getBalance" => {
            let address: Address = p.required(0, "address")?;
            let view = node.read();
            let number = state_block(&view, p.optional(1, "block")?)?;
            to_json(account_field(&view, number, address, |a| a.balance)?)
        }
        "eth_getTransactionCount" => {
            let address: Address = p.required(0, "address")?;
            let block: Option<BlockId> = p.optional(1, "block")?;
            let pending = matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending)));
            // Read the pool before taking the chain's read lock (no nested locking).
            let queued = if pending {
                node.pending_nonce_offset(address)
            } else {
                0
            };
            let view = node.read();
            let number = state_block(&view, block)?;
            let nonce = account_field(&view, number, address, |a| a.nonce)?;
            to_json(U64::from(nonce + queued))
        }
        "eth_getCode" => {
            let address: Address = p.required(0, "address")?;
            let view = node.read();
            let number = state_block(&view, p.optional(1, "block")?)?;
            to_json(account_field(&view, number, address, |a| a.code.clone())?)
        }
        "eth_getStorageAt" => {
            let address: Address = p.required(0, "address")?;
            let key: JsonStorageKey = p.required(1, "storage key")?;
            let view = node.read();
            let number = state_block(&view, p.optional(2, "block")?)?;
            let slot = U256::from_be_bytes(key.as_b256().0);
            let value = account_field(&view, number, address, |a| {
                a.storage.get(&slot).copied().unwrap_or_default()
            })?;
            to_json(B256::from(value))
        }
        "eth_getProof" => {
            let address: Address = p.required(0, "address")?;
            let keys: Vec<JsonStorageKey> = p.required(1, "storage keys")?;
            let view = node.read();
            let number = state_block(&view, p.optional(2, "block")?)?;
            let state = kept_state(&view, number)?;
            let slots: Vec<U256> = keys
                .iter()
                .map(|k| U256::from_be_bytes(k.as_b256().0))
                .collect();
            let (_, proof) = state.account_proof(address, &slots);
            to_json(convert::account_proof(address, &keys, proof))
        }
        "eth_sendRawTransaction" => {
            let raw: Bytes = p.required(0, "raw transaction")?;
            node.send_raw_transaction(&raw)
                .map_err(|e| RpcError::server(e.to_string()))
                .and_then(to_json)
        }
        "debug_executionWitness" => {
            let tag: BlockNumberOrTag = p.required(0, "block number")?;
            let view = node.read();
            let number = view
                .resolve(tag)
                .ok_or_else(|| RpcError::server(format!("block {tag} not found")))?;
            if number == 0 {
                return Err(RpcError::server(
                    "the genesis block has no execution witness",
                ));
            }
            to_json(&view.chain.witnesses[number as usize - 1])
        }
        "evm_mine" => {
            let summary = node
                .produce_block()
                .map_err(|e| RpcError::server(e.to_string()))?;
            to_json(U64::from(summary.number))
        }
        "devnet_wallets" => {
            let wallets: Vec<Value> = node
                .wallets()
                .into_iter()
                .map(|(address, secret)| serde_json::json!({"address": address, "privateKey": secret}))
                .collect();
            to_json(wallets)
        }
        "txpool_pendingCount" => to_json(U64::from(node.pending_count() as u64)),
        _ => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("the method {method} does not exist/is not available"),
        )),
    }
}

/// Priority fee [`eth_gasPrice`](call) adds to the next base fee (1 gwei).
const PRIORITY_FEE: u64 = 1_000_000_000;

fn to_json(value: impl Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(|e| {
        RpcError::new(
            super::INTERNAL_ERROR,
            format!("serializing the result: {e}"),
        )
    })
}

/// The block whose state a query reads (`None`: latest); unknown blocks are an error.
fn state_block(view: &ChainView, block: Option<BlockId>) -> Result<u64, RpcError> {
    let number = match block.unwrap_or(BlockId::latest()) {
        BlockId::Number(tag) => view.resolve(tag),
        BlockId::Hash(hash) => view.number_of(hash.block_hash),
    };
    number.ok_or_else(|| RpcError::server("header not found"))
}

fn kept_state(
    view: &ChainView,
    number: u64,
) -> Result<&rollproof_stateless::host::HostState, RpcError> {
    view.state_at(number).ok_or_else(|| {
        RpcError::server(format!(
            "state of block {number} is not kept (oldest kept: {}); raise --state-history",
            view.oldest_state()
        ))
    })
}

/// `field` of `address` in the state after block `number` (absent accounts read as empty).
fn account_field<T: Default>(
    view: &ChainView,
    number: u64,
    address: Address,
    field: impl FnOnce(&rollproof_stateless::host::HostAccount) -> T,
) -> Result<T, RpcError> {
    Ok(kept_state(view, number)?
        .accounts
        .get(&address)
        .map(field)
        .unwrap_or_default())
}

/// Positional parameters.
struct Params<'a>(&'a [Value]);

impl Params<'_> {
    fn required<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<T, RpcError> {
        self.optional(index, name)?
            .ok_or_else(|| RpcError::invalid_params(format!("missing parameter {index} ({name})")))
    }

    fn optional<T: DeserializeOwned>(
        &self,
        index: usize,
        name: &str,
    ) -> Result<Option<T>, RpcError> {
        match self.0.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| {
                    RpcError::invalid_params(format!("invalid parameter {index} ({name}): {e}"))
                }),
        }
    }
}

//! The devnet over real HTTP: a server on 127.0.0.1 port 0 in-process, spoken to with reqwest.

use std::{path::PathBuf, sync::Arc, time::Duration};

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::Encodable2718;
use alloy_primitives::{keccak256, Address, Bytes, TxKind, B256, U256};
use alloy_trie::{proof::verify_proof, Nibbles};
use rollproof_devnet::{
    erc20::balance_slot, node::DEFAULT_SEED, producer, rpc, wallet::Fees, Genesis, Node,
    NodeConfig, TxKindGen, TxMix, Wallet,
};
use rollproof_primitives::ForkName;
use rollproof_stateless::{
    host::merge_witnesses, ChunkInput, ChunkWitness, ExecutionWitness, NativeCrypto, StateAccount,
};
use serde_json::{json, Value};

/// A devnet served on a free local port; the server stops when this is dropped.
struct Devnet {
    node: Arc<Node>,
    url: String,
    client: reqwest::Client,
    _server: rpc::LocalRpc,
}

impl Devnet {
    async fn start(config: NodeConfig) -> Self {
        let server = rpc::LocalRpc::start(Arc::new(Node::new(config).expect("node starts")))
            .await
            .unwrap();
        Self {
            node: Arc::clone(&server.node),
            url: server.url.clone(),
            client: reqwest::Client::new(),
            _server: server,
        }
    }

    /// POSTs `body` as is; returns the HTTP status and the parsed answer (`Null` if empty).
    async fn post(&self, body: impl Into<String>) -> (u16, Value) {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.into())
            .send()
            .await
            .expect("server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("answers are JSON")
        };
        (status, value)
    }

    /// Calls `method`; `Err((code, message))` for a JSON-RPC error.
    async fn try_call(&self, method: &str, params: Value) -> Result<Value, (i64, String)> {
        let request = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        let (status, answer) = self.post(request.to_string()).await;
        assert_eq!(status, 200);
        assert_eq!(answer["jsonrpc"], "2.0");
        assert_eq!(answer["id"], 7);
        match answer.get("error") {
            Some(error) => Err((
                error["code"].as_i64().unwrap(),
                error["message"].as_str().unwrap().to_string(),
            )),
            None => Ok(answer["result"].clone()),
        }
    }

    async fn call(&self, method: &str, params: Value) -> Value {
        self.try_call(method, params)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e:?}"))
    }

    async fn mine(&self, blocks: u64) {
        for _ in 0..blocks {
            self.call("evm_mine", json!([])).await;
        }
    }

    async fn block_number(&self) -> u64 {
        quantity(&self.call("eth_blockNumber", json!([])).await)
    }

    async fn block(&self, number: u64, full: bool) -> Value {
        self.call("eth_getBlockByNumber", json!([hex(number), full]))
            .await
    }

    async fn balance(&self, address: Address) -> U256 {
        let value = self
            .call("eth_getBalance", json!([address, "latest"]))
            .await;
        serde_json::from_value(value).unwrap()
    }

    /// Blocks `first..=last` as consensus blocks, from their full JSON.
    async fn consensus_blocks(&self, first: u64, last: u64) -> Vec<Block<TxEnvelope>> {
        let mut blocks = Vec::new();
        for number in first..=last {
            let json = self.block(number, true).await;
            let block: alloy_rpc_types_eth::Block = serde_json::from_value(json).unwrap();
            blocks.push(
                block
                    .map_transactions(|tx| tx.into_inner())
                    .into_consensus(),
            );
        }
        blocks
    }

    /// The chunk of blocks `first..=last` built from RPC answers only.
    async fn chunk_over_rpc(&self, fork: ForkName, first: u64, last: u64) -> ChunkWitness {
        let blocks = self.consensus_blocks(first, last).await;
        let mut witnesses = Vec::new();
        for number in first..=last {
            let json = self
                .call("debug_executionWitness", json!([hex(number)]))
                .await;
            witnesses.push(serde_json::from_value::<ExecutionWitness>(json).unwrap());
        }
        ChunkWitness {
            chain_id: quantity(&self.call("eth_chainId", json!([])).await),
            fork,
            input: ChunkInput {
                blocks,
                witness: merge_witnesses(first, &witnesses),
                prev_msg_queue_hash: B256::ZERO,
                withdraw_root_slot: None,
            },
        }
    }
}

fn hex(n: u64) -> String {
    format!("{n:#x}")
}

fn quantity(value: &Value) -> u64 {
    let s = value.as_str().expect("a hex quantity");
    u64::from_str_radix(s.strip_prefix("0x").expect("0x prefix"), 16).unwrap()
}

fn b256(value: &Value) -> B256 {
    serde_json::from_value(value.clone()).unwrap()
}

/// A node that makes blocks only on request (evm_mine), with `txs` generated per block.
fn config(txs: usize) -> NodeConfig {
    NodeConfig {
        txs_per_block: txs,
        persist_every: 0,
        ..NodeConfig::default()
    }
}

/// Wallet `index` of the default seed with its next nonce from the chain.
async fn wallet(devnet: &Devnet, index: u64) -> Wallet {
    let mut wallet = Wallet::derive(DEFAULT_SEED.as_bytes(), index);
    let nonce = devnet
        .call(
            "eth_getTransactionCount",
            json!([wallet.address, "pending"]),
        )
        .await;
    wallet.nonce = quantity(&nonce);
    wallet
}

fn transfer(wallet: &mut Wallet, chain_id: u64, to: Address, value: u64) -> Bytes {
    let tx = wallet.sign(
        chain_id,
        TxKind::Call(to),
        U256::from(value),
        Bytes::new(),
        21_000,
        Fees::default(),
    );
    tx.encoded_2718().into()
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rollproof-devnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::remove_file(&path).ok();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_id_blocks_receipts_and_lookups_agree() {
    let devnet = Devnet::start(config(12)).await;
    assert_eq!(
        quantity(&devnet.call("eth_chainId", json!([])).await),
        Genesis::devnet_default().chain_id()
    );
    assert_eq!(devnet.block_number().await, 0);
    devnet.mine(3).await;
    assert_eq!(devnet.block_number().await, 3);

    let by_number = devnet.block(2, false).await;
    let hash = by_number["hash"].clone();
    let by_hash = devnet
        .call("eth_getBlockByHash", json!([hash, false]))
        .await;
    assert_eq!(by_number, by_hash);
    assert_eq!(quantity(&by_number["number"]), 2);
    assert_eq!(
        by_number["parentHash"],
        devnet.block(1, false).await["hash"]
    );
    assert_eq!(
        devnet
            .call("eth_getBlockByNumber", json!(["latest", false]))
            .await["number"],
        "0x3"
    );
    assert_eq!(
        devnet
            .call("eth_getBlockByNumber", json!(["earliest", false]))
            .await["number"],
        "0x0"
    );
    assert_eq!(
        devnet
            .call("eth_getBlockByNumber", json!(["0x9", false]))
            .await,
        Value::Null
    );
    assert_eq!(
        devnet
            .call("eth_getBlockByHash", json!([B256::repeat_byte(9), false]))
            .await,
        Value::Null
    );

    // Full and hash-only forms list the same transactions; every one has a receipt.
    let full = devnet.block(2, true).await;
    let hashes = by_number["transactions"].as_array().unwrap();
    assert_eq!(hashes.len(), 12);
    let mut cumulative = 0;
    for (index, (hash, tx)) in hashes
        .iter()
        .zip(full["transactions"].as_array().unwrap())
        .enumerate()
    {
        assert_eq!(&tx["hash"], hash);
        assert_eq!(tx["blockHash"], by_number["hash"]);
        assert_eq!(quantity(&tx["transactionIndex"]), index as u64);
        let receipt = devnet
            .call("eth_getTransactionReceipt", json!([hash]))
            .await;
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        assert_eq!(receipt["blockHash"], by_number["hash"]);
        assert_eq!(receipt["from"], tx["from"]);
        cumulative += quantity(&receipt["gasUsed"]);
        assert_eq!(quantity(&receipt["cumulativeGasUsed"]), cumulative);
        let by_hash = devnet.call("eth_getTransactionByHash", json!([hash])).await;
        assert_eq!(&by_hash, tx);
    }
    assert_eq!(quantity(&by_number["gasUsed"]), cumulative);
    assert_eq!(
        devnet
            .call("eth_getTransactionReceipt", json!([B256::repeat_byte(1)]))
            .await,
        Value::Null
    );

    // Block 1 deployed the ERC-20: its receipt names the contract, whose code is there.
    let first = devnet.block(1, true).await;
    let deploy = &first["transactions"][0];
    assert_eq!(deploy["to"], Value::Null);
    let receipt = devnet
        .call("eth_getTransactionReceipt", json!([deploy["hash"]]))
        .await;
    let token = receipt["contractAddress"].clone();
    let code = devnet.call("eth_getCode", json!([token, "latest"])).await;
    assert!(code.as_str().unwrap().len() > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_producer_makes_blocks_on_its_own() {
    let devnet = Devnet::start(config(4)).await;
    let producer = tokio::spawn(producer::run(
        Arc::clone(&devnet.node),
        Duration::from_millis(50),
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while devnet.block_number().await < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no blocks in 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    producer.abort();
    let block = devnet.block(3, false).await;
    assert_eq!(block["transactions"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_raw_transfer_is_included_in_the_next_block_and_moves_balances() {
    let devnet = Devnet::start(config(6)).await;
    devnet.mine(1).await;
    let chain_id = devnet.node.chain_id();
    let mut sender = wallet(&devnet, 1).await;
    let to = Address::repeat_byte(0x42);
    let before = devnet.balance(sender.address).await;
    assert_eq!(devnet.balance(to).await, U256::ZERO);

    let raw = transfer(&mut sender, chain_id, to, 12_345);
    let hash = devnet.call("eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(devnet.call("txpool_pendingCount", json!([])).await, "0x1");
    // Not yet mined: no receipt, and the pending nonce counts it.
    assert_eq!(
        devnet
            .call("eth_getTransactionReceipt", json!([hash]))
            .await,
        Value::Null
    );
    assert_eq!(wallet(&devnet, 1).await.nonce, sender.nonce);

    devnet.mine(1).await;
    let receipt = devnet
        .call("eth_getTransactionReceipt", json!([hash]))
        .await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(quantity(&receipt["blockNumber"]), 2);
    // Submitted transactions come first; the generator's wallet 1 continued after it.
    let block = devnet.block(2, false).await;
    assert_eq!(block["transactions"][0], hash);
    assert_eq!(block["transactions"].as_array().unwrap().len(), 7);

    assert_eq!(devnet.balance(to).await, U256::from(12_345u64));
    let gas_paid = U256::from(quantity(&receipt["gasUsed"]))
        * U256::from(quantity(&receipt["effectiveGasPrice"]));
    let generated_spend = {
        // Wallet 1 also sent generated transactions in block 2: account for their cost.
        let mut spent = U256::ZERO;
        let full = devnet.block(2, true).await;
        for tx in full["transactions"].as_array().unwrap().iter().skip(1) {
            if tx["from"] == json!(sender.address) {
                let r = devnet
                    .call("eth_getTransactionReceipt", json!([tx["hash"]]))
                    .await;
                let value: U256 = serde_json::from_value(tx["value"].clone()).unwrap();
                spent += value
                    + U256::from(quantity(&r["gasUsed"]))
                        * U256::from(quantity(&r["effectiveGasPrice"]));
            }
        }
        spent
    };
    assert_eq!(
        devnet.balance(sender.address).await,
        before - U256::from(12_345u64) - gas_paid - generated_spend
    );
    // The balance at block 1 is still served.
    let old = devnet
        .call("eth_getBalance", json!([sender.address, "0x1"]))
        .await;
    assert_eq!(serde_json::from_value::<U256>(old).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_raw_transaction_is_refused_with_a_clear_message_and_changes_nothing() {
    let devnet = Devnet::start(config(0)).await;
    let chain_id = devnet.node.chain_id();
    let to = Address::repeat_byte(0x42);
    let mut rich = wallet(&devnet, 0).await;
    let mut broke = Wallet::derive(b"nobody funded this", 0);
    let mut stale = Wallet::derive(DEFAULT_SEED.as_bytes(), 0);
    stale.nonce = 5;
    let mut other_chain = wallet(&devnet, 0).await;
    let cases: Vec<(Bytes, &str)> = vec![
        (
            Bytes::from_static(&[0x02, 0x01, 0x02]),
            "invalid transaction encoding",
        ),
        (
            transfer(&mut other_chain, chain_id + 1, to, 1),
            "invalid chain id",
        ),
        (
            transfer(&mut stale, chain_id, to, 1),
            "nonce 5 is not the sender's next nonce 0",
        ),
        (transfer(&mut broke, chain_id, to, 1), "would not execute"),
        (
            {
                let tx = rich.sign(
                    chain_id,
                    TxKind::Call(to),
                    U256::ZERO,
                    Bytes::new(),
                    20_000,
                    Fees::default(),
                );
                tx.encoded_2718().into()
            },
            "would not execute",
        ),
    ];
    for (raw, expected) in cases {
        let (code, message) = devnet
            .try_call("eth_sendRawTransaction", json!([raw]))
            .await
            .expect_err(expected);
        assert_eq!(code, rpc::SERVER_ERROR);
        assert!(
            message.contains(expected),
            "{message:?} should say {expected:?}"
        );
    }
    let (code, _) = devnet
        .try_call("eth_sendRawTransaction", json!(["not hex"]))
        .await
        .unwrap_err();
    assert_eq!(code, rpc::INVALID_PARAMS);
    assert_eq!(devnet.call("txpool_pendingCount", json!([])).await, "0x0");
    devnet.mine(1).await;
    assert_eq!(devnet.block(1, false).await["transactions"], json!([]));
    // A valid one after all that still goes through, with nonce 0.
    let mut fresh = wallet(&devnet, 0).await;
    assert_eq!(fresh.nonce, 0);
    let raw = transfer(&mut fresh, chain_id, to, 1);
    devnet.call("eth_sendRawTransaction", json!([raw])).await;
    let (_, message) = devnet
        .try_call("eth_sendRawTransaction", json!([raw]))
        .await
        .unwrap_err();
    assert!(message.contains("already known"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_the_standard_error_codes() {
    let devnet = Devnet::start(config(0)).await;
    let (status, answer) = devnet.post("{\"jsonrpc\": \"2.0\", ").await;
    assert_eq!(status, 200);
    assert_eq!(answer["error"]["code"], -32700);
    assert_eq!(answer["id"], Value::Null);

    let (_, answer) = devnet
        .post(r#"{"jsonrpc":"2.0","id":"a","method":"eth_nope"}"#)
        .await;
    assert_eq!(answer["error"]["code"], -32601);
    assert_eq!(answer["id"], "a");

    let (_, answer) = devnet
        .post(r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x12"]}"#)
        .await;
    assert_eq!(answer["error"]["code"], -32602);
    let (_, answer) = devnet
        .post(r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["0x0"]}"#)
        .await;
    assert_eq!(answer["error"]["code"], -32602, "the full flag is required");
    let (_, answer) = devnet.post(r#"{"id":1,"method":"eth_chainId"}"#).await;
    assert_eq!(answer["error"]["code"], -32600);
    let (_, answer) = devnet.post("[]").await;
    assert_eq!(answer["error"]["code"], -32600);
    let (_, answer) = devnet.post("42").await;
    assert_eq!(answer["error"]["code"], -32600);

    // A batch answers each request by id, skipping notifications.
    let (_, answer) = devnet
        .post(
            r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},
                {"jsonrpc":"2.0","method":"eth_blockNumber"},
                {"jsonrpc":"2.0","id":2,"method":"eth_nope"},
                5]"#,
        )
        .await;
    let answers = answer.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["id"], 1);
    assert_eq!(quantity(&answers[0]["result"]), devnet.node.chain_id());
    assert_eq!(answers[1]["error"]["code"], -32601);
    assert_eq!(answers[2]["error"]["code"], -32600);
    let (status, answer) = devnet
        .post(r#"{"jsonrpc":"2.0","method":"eth_chainId"}"#)
        .await;
    assert_eq!((status, answer), (204, Value::Null));
}

/// Verifies an `eth_getProof` answer against `state_root`.
fn verify_account_proof(state_root: B256, proof: &Value) {
    let address: Address = serde_json::from_value(proof["address"].clone()).unwrap();
    let nodes: Vec<Bytes> = serde_json::from_value(proof["accountProof"].clone()).unwrap();
    let account = StateAccount {
        nonce: quantity(&proof["nonce"]),
        balance: serde_json::from_value(proof["balance"].clone()).unwrap(),
        storage_root: b256(&proof["storageHash"]),
        code_hash: b256(&proof["codeHash"]),
    };
    let empty = account.nonce == 0
        && account.balance.is_zero()
        && account.storage_root == rollproof_stateless::EMPTY_ROOT_HASH
        && account.code_hash == keccak256([]);
    let expected = (!empty).then(|| alloy_rlp::encode(account));
    verify_proof(
        state_root,
        Nibbles::unpack(keccak256(address)),
        expected,
        &nodes,
    )
    .unwrap_or_else(|e| panic!("account proof of {address}: {e}"));
    for slot in proof["storageProof"].as_array().unwrap() {
        let key = b256(&slot["key"]);
        let value: U256 = serde_json::from_value(slot["value"].clone()).unwrap();
        let nodes: Vec<Bytes> = serde_json::from_value(slot["proof"].clone()).unwrap();
        let expected = (!value.is_zero()).then(|| alloy_rlp::encode(value));
        verify_proof(
            account.storage_root,
            Nibbles::unpack(keccak256(key)),
            expected,
            &nodes,
        )
        .unwrap_or_else(|e| panic!("storage proof of {key}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eth_get_proof_verifies_against_the_blocks_state_root() {
    let devnet = Devnet::start(config(10)).await;
    devnet.mine(3).await;
    let deploy = &devnet.block(1, true).await["transactions"][0]["hash"];
    let receipt = devnet
        .call("eth_getTransactionReceipt", json!([deploy]))
        .await;
    let token: Address = serde_json::from_value(receipt["contractAddress"].clone()).unwrap();
    let holder = Wallet::derive(DEFAULT_SEED.as_bytes(), 0).address;
    let holder_slot = B256::from(balance_slot(holder));
    for number in [1u64, 3] {
        let state_root = b256(&devnet.block(number, false).await["stateRoot"]);
        // A contract with a present and an absent slot.
        let proof = devnet
            .call(
                "eth_getProof",
                json!([token, [holder_slot, B256::repeat_byte(7)], hex(number)]),
            )
            .await;
        assert!(
            !serde_json::from_value::<U256>(proof["storageProof"][0]["value"].clone())
                .unwrap()
                .is_zero()
        );
        assert_eq!(proof["storageProof"][1]["value"], "0x0");
        verify_account_proof(state_root, &proof);
        // A funded wallet, and an account that does not exist.
        for address in [holder, Address::repeat_byte(0x99)] {
            let proof = devnet
                .call("eth_getProof", json!([address, [], hex(number)]))
                .await;
            verify_account_proof(state_root, &proof);
        }
    }
    // A proof checked against the wrong root fails: the check is real.
    let proof = devnet
        .call("eth_getProof", json!([holder, [], "0x3"]))
        .await;
    let root_1 = b256(&devnet.block(1, false).await["stateRoot"]);
    let result = std::panic::catch_unwind(|| verify_account_proof(root_1, &proof));
    assert!(result.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_and_witnesses_over_rpc_validate_statelessly_as_one_chunk() {
    let devnet = Devnet::start(NodeConfig {
        mix: TxMix::new([
            (TxKindGen::EthTransfer, 2),
            (TxKindGen::Erc20Transfer, 2),
            (TxKindGen::StorageCall, 2),
            (TxKindGen::ContractCreation, 1),
        ])
        .unwrap(),
        ..config(16)
    })
    .await;
    let last = 6;
    devnet.mine(last).await;
    let chunk = devnet.chunk_over_rpc(ForkName::Galileo, 1, last).await;
    // Every kind ran, and the chunk's bytes decode to the same chunk.
    let txs: usize = chunk
        .input
        .blocks
        .iter()
        .map(|b| b.body.transactions.len())
        .sum();
    assert!(txs >= 16 * last as usize, "{txs} transactions");
    let decoded = ChunkWitness::decode(&chunk.encode()).unwrap();
    let info = decoded
        .validate(&NativeCrypto)
        .expect("the chunk validates statelessly");
    assert_eq!(
        info.post_state_root,
        b256(&devnet.block(last, false).await["stateRoot"])
    );
    assert_eq!(
        info.prev_state_root,
        b256(&devnet.block(0, false).await["stateRoot"])
    );
    // A middle sub-chunk validates too; a witness from the wrong block does not.
    let middle = devnet.chunk_over_rpc(ForkName::Galileo, 3, 4).await;
    assert_eq!(
        middle.validate(&NativeCrypto).unwrap().post_state_root,
        b256(&devnet.block(4, false).await["stateRoot"])
    );
    let mut wrong = devnet.chunk_over_rpc(ForkName::Galileo, 3, 4).await;
    wrong.input.witness = devnet
        .chunk_over_rpc(ForkName::Galileo, 5, 6)
        .await
        .input
        .witness;
    assert!(wrong.validate(&NativeCrypto).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persisted_chain_reloads_with_the_same_head_and_continues() {
    let path = temp_path("reload.json");
    let with_file = || NodeConfig {
        state_file: Some(path.clone()),
        persist_every: 1,
        ..config(8)
    };
    let (head, hash) = {
        let devnet = Devnet::start(with_file()).await;
        devnet.mine(4).await;
        let head = devnet.block(4, false).await;
        (4, head["hash"].clone())
    };
    assert!(path.exists());
    let devnet = Devnet::start(with_file()).await;
    assert_eq!(devnet.block_number().await, head);
    assert_eq!(devnet.block(4, false).await["hash"], hash);
    assert!(devnet.call("debug_executionWitness", json!(["0x2"])).await["state"].is_array());
    // The generator continues where it stopped: block 5 is full and valid.
    devnet.mine(1).await;
    assert_eq!(
        devnet.block(5, false).await["transactions"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let chunk = devnet.chunk_over_rpc(ForkName::Galileo, 1, 5).await;
    chunk.validate(&NativeCrypto).unwrap();

    // Only on request (persist_every 0): nothing is written until persist().
    let later = temp_path("on-request.json");
    let node = Node::new(NodeConfig {
        state_file: Some(later.clone()),
        ..config(2)
    })
    .unwrap();
    node.produce_block().unwrap();
    assert!(!later.exists());
    node.persist().unwrap();
    let reloaded = Node::new(NodeConfig {
        state_file: Some(later.clone()),
        ..config(2)
    })
    .unwrap();
    assert_eq!(reloaded.read().hash(1), node.read().hash(1));

    // A file that does not replay is refused.
    std::fs::write(&later, "{\"version\": 1}").unwrap();
    assert!(Node::new(NodeConfig {
        state_file: Some(later),
        ..config(2)
    })
    .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genesis_with_both_forks_switches_rules_at_the_scheduled_block() {
    for (activation, first_v2) in [
        ("\"galileoV2Block\": 3", 3u64),
        ("\"galileoV2Time\": 1700000008", 4),
    ] {
        let genesis = Genesis::from_json(&format!(
            r#"{{"config": {{"chainId": 424242, "galileoBlock": 0, {activation}}},
                "timestamp": 1700000000, "gasLimit": "0x1c9c380", "alloc": {{}}}}"#
        ))
        .unwrap();
        let devnet = Devnet::start(NodeConfig {
            genesis,
            timestamp_step: 2,
            ..config(10)
        })
        .await;
        assert_eq!(
            quantity(&devnet.call("eth_chainId", json!([])).await),
            424242
        );
        devnet.mine(5).await;
        for number in 1..=5 {
            let block = devnet.block(number, false).await;
            let prague = number >= first_v2;
            assert_eq!(
                block.get("requestsHash").is_some(),
                prague,
                "{activation}: block {number} under {}",
                if prague { "prague" } else { "cancun" }
            );
        }
        // Each fork's blocks validate as a chunk of that fork, and not of the other.
        let cancun = devnet
            .chunk_over_rpc(ForkName::Galileo, 1, first_v2 - 1)
            .await;
        cancun.validate(&NativeCrypto).unwrap();
        let prague = devnet
            .chunk_over_rpc(ForkName::GalileoV2, first_v2, 5)
            .await;
        assert_eq!(
            prague.validate(&NativeCrypto).unwrap().post_state_root,
            b256(&devnet.block(5, false).await["stateRoot"])
        );
        let mislabelled = devnet.chunk_over_rpc(ForkName::Galileo, first_v2, 5).await;
        assert!(mislabelled.validate(&NativeCrypto).is_err());
    }
}

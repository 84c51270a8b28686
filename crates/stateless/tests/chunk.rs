//! Real execution end to end: blocks built from a genesis state and signed with a real key,
//! witnesses generated on the host from the full state, then validated statelessly.

use alloy_consensus::{
    crypto::secp256k1::{recover_signer, sign_message},
    Block, BlockBody, Header, SignableTransaction, TxEip1559, TxEnvelope, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::{
    eip1559::BaseFeeParams,
    eip2718::Encodable2718,
    eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
    eip4788::{BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE},
    eip4895::{Withdrawal, Withdrawals},
    eip7002::{WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, WITHDRAWAL_REQUEST_PREDEPLOY_CODE},
    eip7251::{CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, CONSOLIDATION_REQUEST_PREDEPLOY_CODE},
    eip7685::EMPTY_REQUESTS_HASH,
};
use alloy_primitives::{address, b256, keccak256, Address, Bytes, TxKind, B256, U256};
use rollproof_primitives::ForkName;
use rollproof_stateless::{
    host::{fill_body_roots, merge_witnesses, self_check, HostAccount, HostState},
    BlockError, ChainSpec, ChunkInput, ChunkWitness, CodecError, DatabaseError, ExecutionWitness,
    NativeCrypto, ValidationError, CHUNK_WITNESS_VERSION, EMPTY_ROOT_HASH,
};

const CHAIN_ID: u64 = 534_352;
const SECRET: B256 = b256!("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
/// `SSTORE(calldata[0..32], calldata[32..64])`.
const STORE_CODE: [u8; 8] = [0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00];
/// `SSTORE(0, BLOCKHASH(0))`.
const BLOCKHASH_CODE: [u8; 7] = [0x60, 0x00, 0x40, 0x60, 0x00, 0x55, 0x00];
const STORE: Address = address!("0x1000000000000000000000000000000000000001");
const BLOCKHASHER: Address = address!("0x1000000000000000000000000000000000000002");
const EMPTY: Address = address!("0x1000000000000000000000000000000000000003");
const RECIPIENT: Address = address!("0x2000000000000000000000000000000000000001");
const COINBASE: Address = address!("0x3000000000000000000000000000000000000001");
const WITHDRAWAL_TO: Address = address!("0x4000000000000000000000000000000000000001");

fn sender() -> Address {
    let digest = keccak256(b"who am i");
    recover_signer(&sign_message(SECRET, digest).unwrap(), digest).unwrap()
}

fn sign(tx: TxEip1559) -> TxEnvelope {
    let signature = sign_message(SECRET, tx.signature_hash()).unwrap();
    tx.into_signed(signature).into()
}

fn tx(nonce: u64, to: TxKind, value: u64, input: Vec<u8>) -> TxEnvelope {
    sign(TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::from(value),
        input: input.into(),
        ..Default::default()
    })
}

fn store_call(nonce: u64, to: Address, slot: u64, value: u64) -> TxEnvelope {
    let mut input = U256::from(slot).to_be_bytes::<32>().to_vec();
    input.extend(U256::from(value).to_be_bytes::<32>());
    tx(nonce, TxKind::Call(to), 0, input)
}

/// Init code returning `STORE_CODE` as the runtime code.
fn deploy_store_code() -> Vec<u8> {
    let mut code = vec![0x67];
    code.extend(STORE_CODE);
    code.extend([0x60, 0x00, 0x52, 0x60, 0x08, 0x60, 0x18, 0xf3]);
    code
}

fn genesis_state(prague: bool) -> HostState {
    let mut state = HostState::default();
    if prague {
        for (address, code) in [
            (HISTORY_STORAGE_ADDRESS, &HISTORY_STORAGE_CODE),
            (
                WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
                &WITHDRAWAL_REQUEST_PREDEPLOY_CODE,
            ),
            (
                CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
                &CONSOLIDATION_REQUEST_PREDEPLOY_CODE,
            ),
        ] {
            state.accounts.insert(
                address,
                HostAccount {
                    nonce: 1,
                    code: code.clone(),
                    ..Default::default()
                },
            );
        }
    }
    state.accounts.insert(
        sender(),
        HostAccount {
            balance: U256::from(10u128.pow(20)),
            ..Default::default()
        },
    );
    state.accounts.insert(
        STORE,
        HostAccount {
            code: Bytes::from_static(&STORE_CODE),
            storage: (1..=6u64)
                .map(|i| (U256::from(i), U256::from(i + 4)))
                .collect(),
            ..Default::default()
        },
    );
    state.accounts.insert(
        BLOCKHASHER,
        HostAccount {
            code: Bytes::from_static(&BLOCKHASH_CODE),
            ..Default::default()
        },
    );
    state.accounts.insert(
        BEACON_ROOTS_ADDRESS,
        HostAccount {
            nonce: 1,
            code: BEACON_ROOTS_CODE.clone(),
            ..Default::default()
        },
    );
    // An empty account (EIP-161): touching it deletes it.
    state.accounts.insert(EMPTY, HostAccount::default());
    for i in 0..40u8 {
        state.accounts.insert(
            Address::repeat_byte(0x50 + i),
            HostAccount {
                nonce: 1,
                balance: U256::from(i),
                ..Default::default()
            },
        );
    }
    state
}

fn genesis_header(state: &HostState, prague: bool) -> Header {
    Header {
        requests_hash: prague.then_some(EMPTY_REQUESTS_HASH),
        number: 0,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000_000_000),
        excess_blob_gas: Some(0),
        blob_gas_used: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        state_root: state.state_root(),
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        ..Default::default()
    }
}

/// The chain built by the tests: headers from genesis, blocks, per-block witnesses.
struct Chain {
    spec: ChainSpec,
    state: HostState,
    headers: Vec<Header>,
    blocks: Vec<Block<TxEnvelope>>,
    witnesses: Vec<ExecutionWitness>,
}

impl Chain {
    fn new(fork: ForkName) -> Self {
        let prague = fork == ForkName::GalileoV2;
        let state = genesis_state(prague);
        let genesis = genesis_header(&state, prague);
        Self {
            spec: ChainSpec::from_fork(CHAIN_ID, fork),
            state,
            headers: vec![genesis],
            blocks: Vec::new(),
            witnesses: Vec::new(),
        }
    }

    fn push(&mut self, transactions: Vec<TxEnvelope>, extra_slots: &[(Address, U256)]) {
        let parent = self.headers.last().unwrap();
        let number = parent.number + 1;
        let header = Header {
            parent_hash: parent.hash_slow(),
            number,
            timestamp: parent.timestamp + 12,
            gas_limit: parent.gas_limit,
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: parent.next_block_excess_blob_gas(
                self.spec.blob_params_at(parent.timestamp + 12).unwrap(),
            ),
            parent_beacon_block_root: Some(B256::repeat_byte(number as u8)),
            beneficiary: COINBASE,
            mix_hash: B256::repeat_byte(0xaa),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            ..Default::default()
        };
        let withdrawals = vec![Withdrawal {
            index: number,
            validator_index: 7,
            address: WITHDRAWAL_TO,
            amount: 1_000,
        }];
        let mut block = Block {
            header,
            body: BlockBody {
                transactions,
                ommers: Vec::new(),
                withdrawals: Some(Withdrawals::new(withdrawals)),
            },
        };
        fill_body_roots(&mut block);
        let generated = self
            .state
            .generate_witness(&self.spec, &self.headers, &block, extra_slots)
            .unwrap();
        generated.outcome.seal(&mut block.header);
        self.state = generated.post_state;
        self.headers.push(block.header.clone());
        self.blocks.push(block);
        self.witnesses.push(generated.witness);
    }

    /// Chunk of blocks `range` (block numbers), with the merged witness.
    fn chunk(&self, range: std::ops::RangeInclusive<u64>) -> ChunkInput {
        let blocks: Vec<_> =
            self.blocks[*range.start() as usize - 1..*range.end() as usize].to_vec();
        let witnesses = &self.witnesses[*range.start() as usize - 1..*range.end() as usize];
        ChunkInput {
            blocks,
            witness: merge_witnesses(*range.start(), witnesses),
            prev_msg_queue_hash: B256::repeat_byte(0x11),
            withdraw_root_slot: None,
        }
    }
}

/// Block 1: transfer, deployment, new slot, cleared slot, emptied account deleted.
/// Block 2: call the new contract, clear another slot. Block 3: BLOCKHASH(0), more clears.
fn build_chain() -> Chain {
    build_chain_on(ForkName::Galileo)
}

fn build_chain_on(fork: ForkName) -> Chain {
    let mut chain = Chain::new(fork);
    chain.push(
        vec![
            tx(0, TxKind::Call(RECIPIENT), 1_000_000, Vec::new()),
            tx(1, TxKind::Create, 0, deploy_store_code()),
            store_call(2, STORE, 10, 0x42),
            store_call(3, STORE, 1, 0),
            tx(4, TxKind::Call(EMPTY), 0, Vec::new()),
        ],
        &[],
    );
    let deployed = sender().create(1);
    chain.push(
        vec![store_call(5, deployed, 0, 1), store_call(6, STORE, 2, 0)],
        &[],
    );
    chain.push(
        vec![
            tx(7, TxKind::Call(BLOCKHASHER), 0, Vec::new()),
            store_call(8, STORE, 4, 0),
            store_call(9, STORE, 5, 0),
        ],
        &[(STORE, U256::from(3))],
    );
    chain
}

fn validate(
    chain: &Chain,
    input: &ChunkInput,
) -> Result<rollproof_primitives::ChunkInfo, ValidationError> {
    rollproof_stateless::validate_chunk(&chain.spec, input, &NativeCrypto)
}

fn block_error(
    result: Result<rollproof_primitives::ChunkInfo, ValidationError>,
) -> (u64, BlockError) {
    match result {
        Err(ValidationError::Block { number, error }) => (number, error),
        other => panic!("expected a block error, got {other:?}"),
    }
}

#[test]
fn host_state_changes_as_expected() {
    let chain = build_chain();
    let state = &chain.state;
    assert!(
        !state.accounts.contains_key(&EMPTY),
        "touched empty account deleted"
    );
    assert_eq!(state.accounts[&RECIPIENT].balance, U256::from(1_000_000));
    assert_eq!(
        state.accounts[&WITHDRAWAL_TO].balance,
        U256::from(3 * 1_000_000_000_000u64)
    );
    let store = &state.accounts[&STORE].storage;
    assert_eq!(store.get(&U256::from(10)), Some(&U256::from(0x42)));
    for cleared in [1u64, 2, 4, 5] {
        assert!(!store.contains_key(&U256::from(cleared)));
    }
    let deployed = &state.accounts[&sender().create(1)];
    assert_eq!(deployed.code.as_ref(), STORE_CODE);
    assert_eq!(deployed.storage.get(&U256::ZERO), Some(&U256::from(1)));
    assert_eq!(
        state.accounts[&BLOCKHASHER].storage.get(&U256::ZERO),
        Some(&U256::from_be_bytes(chain.headers[0].hash_slow().0))
    );
    assert!(
        state.accounts[&BEACON_ROOTS_ADDRESS].storage.len() >= 2,
        "EIP-4788 system call ran"
    );
}

#[test]
fn single_block_chunk_validates() {
    let chain = build_chain();
    let input = chain.chunk(1..=1);
    let info = validate(&chain, &input).unwrap();
    let block = &chain.blocks[0];
    assert_eq!(info.chain_id, CHAIN_ID);
    assert_eq!(info.prev_state_root, chain.headers[0].state_root);
    assert_eq!(info.post_state_root, block.header.state_root);
    assert_eq!(info.withdraw_root, B256::ZERO);
    let tx_data: Vec<u8> = block
        .body
        .transactions
        .iter()
        .flat_map(|tx| tx.encoded_2718())
        .collect();
    assert_eq!(info.tx_data_digest, keccak256(&tx_data));
    assert_eq!(info.tx_data_length, tx_data.len() as u64);
    assert_eq!(
        input.tx_data(),
        tx_data,
        "what a batch's blob carries for this chunk"
    );
    assert_eq!(info.prev_msg_queue_hash, input.prev_msg_queue_hash);
    assert_eq!(info.post_msg_queue_hash, input.prev_msg_queue_hash);
    assert_eq!(info.initial_block_number, 1);
    assert_eq!(info.block_ctxs.len(), 1);
    assert_eq!(info.block_ctxs[0].num_txs, 5);
    assert_eq!(info.block_ctxs[0].num_l1_msgs, 0);
    assert_eq!(info.block_ctxs[0].timestamp, block.header.timestamp);
    assert_eq!(info.block_ctxs[0].gas_limit, block.header.gas_limit);
    assert_eq!(
        info.block_ctxs[0].base_fee,
        U256::from(block.header.base_fee_per_gas.unwrap())
    );
    assert_eq!(info.prev_blockhash, chain.headers[0].hash_slow());
    assert_eq!(info.post_blockhash, block.header.hash_slow());
}

#[test]
fn multi_block_chunk_validates_with_blockhash_and_withdraw_root() {
    let chain = build_chain();
    let mut input = chain.chunk(2..=3);
    input.withdraw_root_slot = Some((STORE, U256::from(3)));
    // BLOCKHASH(0) in block 3 needs header 0 below the chunk's parent (block 1).
    assert_eq!(input.witness.headers.len(), 2);
    let info = validate(&chain, &input).unwrap();
    assert_eq!(info.prev_state_root, chain.headers[1].state_root);
    assert_eq!(info.post_state_root, chain.headers[3].state_root);
    assert_eq!(info.withdraw_root, B256::from(U256::from(7)));
    assert_eq!(info.initial_block_number, 2);
    assert_eq!(info.block_ctxs.len(), 2);
    assert_eq!(info.prev_blockhash, chain.headers[1].hash_slow());
    assert_eq!(info.post_blockhash, chain.headers[3].hash_slow());

    let whole = validate(&chain, &chain.chunk(1..=3)).unwrap();
    assert_eq!(whole.post_state_root, chain.headers[3].state_root);
}

#[test]
fn witness_json_has_debug_execution_witness_shape() {
    let chain = build_chain();
    let witness = &chain.witnesses[0];
    let json = serde_json::to_value(witness).unwrap();
    for field in ["state", "codes", "keys", "headers"] {
        assert!(json[field].is_array(), "{field}");
    }
    let back: ExecutionWitness = serde_json::from_value(json).unwrap();
    assert_eq!(&back, witness);
    // `keys` and `headers` may be absent in other producers' output.
    let minimal: ExecutionWitness =
        serde_json::from_str(r#"{"state":["0x80"],"codes":[]}"#).unwrap();
    assert_eq!(minimal.state.len(), 1);
}

#[test]
fn tampered_post_state_root_is_rejected() {
    let chain = build_chain();
    let mut input = chain.chunk(1..=1);
    let honest = input.blocks[0].header.state_root;
    input.blocks[0].header.state_root = B256::repeat_byte(0x99);
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert_eq!(
        error,
        BlockError::StateRoot {
            expected: honest,
            found: B256::repeat_byte(0x99)
        }
    );
}

#[test]
fn missing_witness_node_is_rejected() {
    let chain = build_chain();
    let mut input = chain.chunk(1..=1);
    let root = chain.headers[0].state_root;
    input.witness.state.retain(|node| keccak256(node) != root);
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert!(
        matches!(error, BlockError::Witness(DatabaseError::State(_))),
        "{error:?}"
    );
}

#[test]
fn missing_deletion_sibling_is_rejected() {
    // Drop every node only the deletion neighbours need: the storage leaf of slot 2 (a
    // surviving neighbour of cleared slot 1) is such a node when it is not read by execution.
    let chain = build_chain();
    let input = chain.chunk(1..=1);
    let full = validate(&chain, &input);
    assert!(full.is_ok());
    let mut broken = 0;
    for (index, _) in input.witness.state.iter().enumerate() {
        let mut input = input.clone();
        input.witness.state.remove(index);
        if let Err(ValidationError::Block {
            error: BlockError::State(_),
            ..
        }) = validate(&chain, &input)
        {
            broken += 1;
        }
    }
    assert!(
        broken > 0,
        "some nodes are needed only by the post-state update"
    );
}

#[test]
fn wrong_parent_hash_is_rejected() {
    let chain = build_chain();
    let mut input = chain.chunk(1..=1);
    input.blocks[0].header.parent_hash = B256::repeat_byte(0x42);
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert_eq!(
        error,
        BlockError::ParentHash {
            expected: chain.headers[0].hash_slow(),
            found: B256::repeat_byte(0x42)
        }
    );

    // Inside a chunk: block 3 must follow block 2.
    let mut input = chain.chunk(2..=3);
    input.blocks[1].header.parent_hash = B256::repeat_byte(0x43);
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 3);
    assert!(matches!(error, BlockError::ParentHash { .. }), "{error:?}");
}

#[test]
fn wrong_gas_used_is_rejected() {
    let chain = build_chain();
    let mut input = chain.chunk(1..=1);
    let honest = input.blocks[0].header.gas_used;
    input.blocks[0].header.gas_used += 1;
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert_eq!(
        error,
        BlockError::GasUsed {
            expected: honest,
            found: honest + 1
        }
    );
}

#[test]
fn missing_code_is_rejected() {
    let chain = build_chain();
    // The EIP-4788 system call runs the beacon-roots contract's code first thing.
    let mut input = chain.chunk(1..=1);
    let hash = keccak256(&BEACON_ROOTS_CODE);
    input.witness.codes.retain(|code| keccak256(code) != hash);
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert_eq!(error, BlockError::Witness(DatabaseError::MissingCode(hash)));
}

#[test]
fn broken_ancestor_headers_are_rejected() {
    let chain = build_chain();
    let mut input = chain.chunk(2..=3);
    input.witness.headers.remove(0);
    input
        .witness
        .headers
        .push(alloy_rlp::encode(&chain.headers[3]).into());
    assert!(matches!(
        validate(&chain, &input),
        Err(ValidationError::AncestorNotContiguous { .. })
    ));
    let mut input = chain.chunk(2..=3);
    input.witness.headers.clear();
    assert_eq!(
        validate(&chain, &input),
        Err(ValidationError::NoAncestorHeaders)
    );
}

#[test]
fn prague_chunk_validates_with_requests_and_history_contract() {
    let chain = build_chain_on(ForkName::GalileoV2);
    for header in &chain.headers[1..] {
        assert_eq!(header.requests_hash, Some(EMPTY_REQUESTS_HASH));
    }
    // EIP-2935: each block stored its parent's hash.
    assert_eq!(
        chain.state.accounts[&HISTORY_STORAGE_ADDRESS]
            .storage
            .get(&U256::ZERO),
        Some(&U256::from_be_bytes(chain.headers[0].hash_slow().0))
    );
    let info = validate(&chain, &chain.chunk(1..=3)).unwrap();
    assert_eq!(info.post_state_root, chain.headers[3].state_root);
    let info = validate(&chain, &chain.chunk(2..=3)).unwrap();
    assert_eq!(info.post_state_root, chain.headers[3].state_root);

    // A Prague block must commit to its requests.
    let mut input = chain.chunk(1..=1);
    input.blocks[0].header.requests_hash = None;
    let (number, error) = block_error(validate(&chain, &input));
    assert_eq!(number, 1);
    assert_eq!(
        error,
        BlockError::RequestsHash {
            expected: Some(EMPTY_REQUESTS_HASH),
            found: None
        }
    );
}

#[test]
fn cancun_block_on_prague_rules_is_rejected() {
    // The same Cancun blocks validated under galileoV2 (Prague) rules fail a header check.
    let chain = build_chain();
    let prague = ChainSpec::from_fork(CHAIN_ID, ForkName::GalileoV2);
    let result = rollproof_stateless::validate_chunk(&prague, &chain.chunk(1..=1), &NativeCrypto);
    assert!(
        matches!(result, Err(ValidationError::Block { number: 1, .. })),
        "{result:?}"
    );
}

#[test]
fn self_check_agrees_with_the_full_state() {
    let chain = build_chain();
    let block = &chain.blocks[2];
    let state_before = {
        // Rebuild the pre-state of block 3 by replaying blocks 1 and 2.
        let mut state = genesis_state(false);
        for (i, b) in chain.blocks[..2].iter().enumerate() {
            state = state
                .generate_witness(&chain.spec, &chain.headers[..=i], b, &[])
                .unwrap()
                .post_state;
        }
        state
    };
    let (generated, info) =
        self_check(&chain.spec, &state_before, &chain.headers[..3], block).unwrap();
    assert_eq!(generated.outcome.state_root, block.header.state_root);
    assert_eq!(info.post_state_root, block.header.state_root);
}

#[test]
fn chunk_witness_round_trips_through_its_binary_encoding() {
    let chain = build_chain();
    let mut input = chain.chunk(1..=3);
    input.withdraw_root_slot = Some((STORE, U256::from(3)));
    let witness = ChunkWitness {
        chain_id: CHAIN_ID,
        fork: ForkName::Galileo,
        input,
    };
    let bytes = witness.encode();
    assert_eq!(bytes[0], CHUNK_WITNESS_VERSION);
    let decoded = ChunkWitness::decode(&bytes).unwrap();
    assert_eq!(decoded.encode(), bytes);
    assert_eq!(decoded.input.blocks, witness.input.blocks);
    assert_eq!(decoded.input.witness, witness.input.witness);
    assert_eq!(
        decoded.input.withdraw_root_slot,
        witness.input.withdraw_root_slot
    );
    let info = decoded.validate(&NativeCrypto).unwrap();
    assert_eq!(info, witness.validate(&NativeCrypto).unwrap());
    assert_eq!(info.post_state_root, chain.headers[3].state_root);
}

#[test]
fn malformed_chunk_witness_bytes_are_typed_errors() {
    let chain = build_chain();
    let bytes = ChunkWitness {
        chain_id: CHAIN_ID,
        fork: ForkName::GalileoV2,
        input: chain.chunk(1..=1),
    }
    .encode();
    assert_eq!(ChunkWitness::decode(&[]).unwrap_err(), CodecError::Empty);
    let mut wrong_version = bytes.clone();
    wrong_version[0] = 9;
    assert_eq!(
        ChunkWitness::decode(&wrong_version).unwrap_err(),
        CodecError::UnsupportedVersion {
            found: 9,
            supported: CHUNK_WITNESS_VERSION
        }
    );
    assert!(matches!(
        ChunkWitness::decode(&bytes[..bytes.len() - 1]).unwrap_err(),
        CodecError::Rlp(_)
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        ChunkWitness::decode(&trailing).unwrap_err(),
        CodecError::TrailingBytes(1)
    );
    // "galileov2" -> "galileov3": same length, unknown fork.
    let at = bytes.windows(9).position(|w| w == b"galileov2").unwrap();
    let mut unknown = bytes.clone();
    unknown[at + 8] = b'3';
    assert_eq!(
        ChunkWitness::decode(&unknown).unwrap_err(),
        CodecError::UnknownFork("galileov3".into())
    );
}

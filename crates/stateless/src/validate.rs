//! Stateless validation of a chunk of consecutive blocks against one execution witness.

use alloc::{boxed::Box, string::ToString, vec::Vec};

use alloy_consensus::{
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
    transaction::Recovered,
    Block, Header, TxEip4844Variant, TxEnvelope, TxReceipt, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::{
    eip1559::{BaseFeeParams, INITIAL_BASE_FEE},
    Encodable2718,
};
use alloy_hardforks::EthereumHardforks;
use alloy_primitives::{Address, Bloom, B256, B64, U256};
use alloy_rlp::Decodable;
use revm::{
    primitives::{StorageKey, StorageValue},
    state::{AccountInfo, Bytecode},
    Database,
};
use rollproof_primitives::{BlockContext, ChunkInfo};

use crate::{
    chain::ChainSpec,
    crypto::Crypto,
    database::{DatabaseError, WitnessDatabase},
    error::{BlockError, ValidationError},
    execute::{bundle_changes, execute_block},
    state::WitnessState,
    trie::WitnessNodes,
    witness::ExecutionWitness,
};

/// A chunk to validate: consecutive blocks, their witness, and what the public inputs need
/// besides the blocks.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChunkInput {
    /// Consecutive blocks, oldest first.
    pub blocks: Vec<Block<TxEnvelope>>,
    /// Witness of the whole chunk: pre-state nodes, codes, ancestor headers of the first block.
    pub witness: ExecutionWitness,
    /// L1 message-queue hash before the chunk (the chunk has no L1 messages yet: after = before).
    pub prev_msg_queue_hash: B256,
    /// The storage slot holding the withdraw root (`(contract, slot)`), read after the chunk;
    /// `None` gives a zero withdraw root.
    pub withdraw_root_slot: Option<(Address, U256)>,
}

impl ChunkInput {
    /// The chunk's L2 transaction data as the chunk proof commits to it (the digest and length
    /// in [`ChunkInfo`]) and a batch's blob carries it: every transaction's EIP-2718 encoding,
    /// in block order.
    pub fn tx_data(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for tx in self
            .blocks
            .iter()
            .flat_map(|block| &block.body.transactions)
        {
            tx.encode_2718(&mut out);
        }
        out
    }
}

/// Validates `input` under `chain`'s rules and returns the chunk's public inputs.
pub fn validate_chunk<C: Crypto>(
    chain: &ChainSpec,
    input: &ChunkInput,
    crypto: &C,
) -> Result<ChunkInfo, ValidationError> {
    let first = input.blocks.first().ok_or(ValidationError::NoBlocks)?;
    let ancestors = ancestor_headers(&input.witness, crypto)?;
    let (mut parent, mut parent_hash) = ancestors
        .last()
        .cloned()
        .ok_or(ValidationError::NoAncestorHeaders)?;
    let prev_state_root = parent.state_root;
    let block_hashes = ancestors
        .iter()
        .map(|(h, hash)| (h.number, *hash))
        .collect();
    let state = WitnessState::new(
        parent.state_root,
        WitnessNodes::from_rlp_nodes(input.witness.state.iter().map(|node| node.to_vec())),
    );
    let mut db = WitnessDatabase::new(state, input.witness.codes.iter().cloned(), block_hashes)
        .map_err(ValidationError::Codes)?;

    let mut tx_data = Vec::new();
    let mut block_ctxs = Vec::with_capacity(input.blocks.len());
    for block in &input.blocks {
        let number = block.header.number;
        let hash = validate_block(
            chain,
            crypto,
            &parent,
            parent_hash,
            block,
            &mut db,
            &mut tx_data,
        )
        .map_err(|error| ValidationError::Block { number, error })?;
        db.insert_block_hash(number, hash);
        let count = block.body.transactions.len();
        let num_txs = u16::try_from(count).map_err(|_| ValidationError::Block {
            number,
            error: BlockError::TooManyTransactions { count },
        })?;
        block_ctxs.push(BlockContext {
            timestamp: block.header.timestamp,
            base_fee: U256::from(block.header.base_fee_per_gas.unwrap_or_default()),
            gas_limit: block.header.gas_limit,
            num_txs,
            num_l1_msgs: 0,
        });
        parent = block.header.clone();
        parent_hash = hash;
    }

    let withdraw_root = match input.withdraw_root_slot {
        Some((address, slot)) => B256::from(
            db.state_mut()
                .storage(address, slot)
                .map_err(|e| ValidationError::WithdrawRoot(Box::new(e)))?,
        ),
        None => B256::ZERO,
    };
    Ok(ChunkInfo {
        chain_id: chain.chain_id,
        prev_state_root,
        post_state_root: parent.state_root,
        withdraw_root,
        tx_data_digest: crypto.keccak256(&tx_data),
        prev_msg_queue_hash: input.prev_msg_queue_hash,
        post_msg_queue_hash: input.prev_msg_queue_hash,
        tx_data_length: tx_data.len() as u64,
        initial_block_number: first.header.number,
        block_ctxs,
        prev_blockhash: first.header.parent_hash,
        post_blockhash: parent_hash,
    })
}

/// The witness's ancestor headers with their hashes, sorted, contiguous and hash-linked.
fn ancestor_headers<C: Crypto>(
    witness: &ExecutionWitness,
    crypto: &C,
) -> Result<Vec<(Header, B256)>, ValidationError> {
    let mut headers = witness
        .headers
        .iter()
        .enumerate()
        .map(|(index, rlp)| {
            let header = Header::decode(&mut rlp.as_ref())
                .map_err(|_| ValidationError::AncestorHeaderDecode { index })?;
            Ok((header, crypto.keccak256(rlp)))
        })
        .collect::<Result<Vec<_>, ValidationError>>()?;
    headers.sort_by_key(|(header, _)| header.number);
    for pair in headers.windows(2) {
        let ((prev, prev_hash), (next, _)) = (&pair[0], &pair[1]);
        let expected = prev.number + 1;
        if next.number != expected {
            return Err(ValidationError::AncestorNotContiguous {
                expected,
                found: next.number,
            });
        }
        if next.parent_hash != *prev_hash {
            return Err(ValidationError::AncestorHashLink {
                number: next.number,
                expected: *prev_hash,
                found: next.parent_hash,
            });
        }
    }
    Ok(headers)
}

/// Checks and executes one block on `db`, moving its state to the block's post-state; appends
/// the block's EIP-2718 transactions to `tx_data`. Returns the block hash.
fn validate_block<C: Crypto>(
    chain: &ChainSpec,
    crypto: &C,
    parent: &Header,
    parent_hash: B256,
    block: &Block<TxEnvelope>,
    db: &mut WitnessDatabase,
    tx_data: &mut Vec<u8>,
) -> Result<B256, BlockError> {
    let header = &block.header;
    check_header(chain, parent, parent_hash, header)?;

    // Body commitments.
    let expected = calculate_transaction_root(&block.body.transactions);
    if header.transactions_root != expected {
        return Err(BlockError::TransactionsRoot {
            expected,
            found: header.transactions_root,
        });
    }
    let shanghai = chain.is_shanghai_active_at_timestamp(header.timestamp);
    let expected = if shanghai {
        Some(calculate_withdrawals_root(
            block
                .body
                .withdrawals
                .as_ref()
                .map_or(&[][..], |w| w.as_slice()),
        ))
    } else {
        None
    };
    if header.withdrawals_root != expected || shanghai != block.body.withdrawals.is_some() {
        return Err(BlockError::WithdrawalsRoot {
            expected,
            found: header.withdrawals_root,
        });
    }

    // Senders.
    let transactions = block
        .body
        .transactions
        .iter()
        .enumerate()
        .map(|(index, tx)| {
            if tx
                .as_eip4844()
                .is_some_and(|tx| matches!(tx.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)))
            {
                return Err(BlockError::BlobSidecarInBlock { index });
            }
            tx.encode_2718(tx_data);
            crypto
                .recover_signer(tx.signature(), tx.signature_hash())
                .map(|signer| Recovered::new_unchecked(tx.clone(), signer))
                .ok_or(BlockError::InvalidSignature { index })
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Execution.
    let mut tracked = Tracked { db, error: None };
    let (result, bundle) = execute_block(
        chain,
        header,
        &transactions,
        &block.body.ommers,
        block.body.withdrawals.as_ref().map(|w| w.as_slice()),
        &mut tracked,
    )
    .map_err(|error| match tracked.error.take() {
        Some(db_error) => BlockError::Witness(db_error),
        None => BlockError::Execution(error.to_string()),
    })?;

    if header.gas_used != result.gas_used {
        return Err(BlockError::GasUsed {
            expected: result.gas_used,
            found: header.gas_used,
        });
    }
    let cancun = chain.is_cancun_active_at_timestamp(header.timestamp);
    let expected = cancun.then_some(result.blob_gas_used);
    if header.blob_gas_used != expected {
        return Err(BlockError::BlobGasUsed {
            expected,
            found: header.blob_gas_used,
        });
    }
    let expected = calculate_receipt_root(&result.receipts);
    if header.receipts_root != expected {
        return Err(BlockError::ReceiptsRoot {
            expected,
            found: header.receipts_root,
        });
    }
    let expected = result
        .receipts
        .iter()
        .fold(Bloom::ZERO, |bloom, receipt| bloom | receipt.bloom());
    if header.logs_bloom != expected {
        return Err(BlockError::LogsBloom {
            expected: Box::new(expected),
            found: Box::new(header.logs_bloom),
        });
    }
    let expected = chain
        .is_prague_active_at_timestamp(header.timestamp)
        .then(|| result.requests.requests_hash());
    if header.requests_hash != expected {
        return Err(BlockError::RequestsHash {
            expected,
            found: header.requests_hash,
        });
    }

    // Post-state.
    let expected = tracked
        .db
        .state_mut()
        .apply(&bundle_changes(&bundle))
        .map_err(|e| BlockError::State(Box::new(e)))?;
    if header.state_root != expected {
        return Err(BlockError::StateRoot {
            expected,
            found: header.state_root,
        });
    }
    Ok(crypto.keccak256(&alloy_rlp::encode(header)))
}

/// The lowest gas limit a block may have.
const MIN_GAS_LIMIT: u64 = 5000;
/// The highest gas limit a block may have (EIP-1985: 2^63 - 1).
const MAX_GAS_LIMIT: u64 = i64::MAX as u64;

/// The header checks that apply after the merge, against the parent.
fn check_header(
    chain: &ChainSpec,
    parent: &Header,
    parent_hash: B256,
    header: &Header,
) -> Result<(), BlockError> {
    let expected = parent.number + 1;
    if header.number != expected {
        return Err(BlockError::Number {
            expected,
            found: header.number,
        });
    }
    if header.parent_hash != parent_hash {
        return Err(BlockError::ParentHash {
            expected: parent_hash,
            found: header.parent_hash,
        });
    }
    if header.timestamp <= parent.timestamp {
        return Err(BlockError::Timestamp {
            parent: parent.timestamp,
            found: header.timestamp,
        });
    }
    if header.extra_data.len() > 32 {
        return Err(BlockError::ExtraData {
            found: header.extra_data.len(),
        });
    }
    if header.ommers_hash != EMPTY_OMMER_ROOT_HASH
        || !header.difficulty.is_zero()
        || header.nonce != B64::ZERO
    {
        return Err(BlockError::ProofOfWorkFields {
            difficulty: header.difficulty,
        });
    }
    let max_delta = parent.gas_limit / 1024;
    if header.gas_limit.abs_diff(parent.gas_limit) >= max_delta
        || header.gas_limit < MIN_GAS_LIMIT
        || header.gas_limit > MAX_GAS_LIMIT
    {
        return Err(BlockError::GasLimit {
            parent: parent.gas_limit,
            found: header.gas_limit,
        });
    }
    if header.gas_used > header.gas_limit {
        return Err(BlockError::GasUsedAboveLimit {
            limit: header.gas_limit,
            found: header.gas_used,
        });
    }
    let expected = Some(if chain.is_london_active_at_block(parent.number) {
        parent
            .next_block_base_fee(BaseFeeParams::ethereum())
            .unwrap_or(INITIAL_BASE_FEE)
    } else {
        INITIAL_BASE_FEE
    });
    if header.base_fee_per_gas != expected {
        return Err(BlockError::BaseFee {
            expected,
            found: header.base_fee_per_gas,
        });
    }
    let cancun = chain.is_cancun_active_at_timestamp(header.timestamp);
    let expected = chain.blob_params_at(header.timestamp).map(|params| {
        if chain.is_cancun_active_at_timestamp(parent.timestamp) {
            parent
                .next_block_excess_blob_gas(params)
                .unwrap_or_default()
        } else {
            0
        }
    });
    if header.excess_blob_gas != expected {
        return Err(BlockError::ExcessBlobGas {
            expected,
            found: header.excess_blob_gas,
        });
    }
    if header.parent_beacon_block_root.is_some() != cancun {
        return Err(BlockError::ParentBeaconBlockRoot {
            expected_present: cancun,
        });
    }
    Ok(())
}

#[derive(Debug)]
/// The witness database, remembering the last read it could not answer so execution failures
/// caused by an incomplete witness surface as typed [`DatabaseError`]s.
struct Tracked<'a> {
    db: &'a mut WitnessDatabase,
    error: Option<DatabaseError>,
}

impl Tracked<'_> {
    fn track<T>(&mut self, result: Result<T, DatabaseError>) -> Result<T, DatabaseError> {
        result.inspect_err(|error| self.error = Some(error.clone()))
    }
}

impl Database for Tracked<'_> {
    type Error = DatabaseError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DatabaseError> {
        let result = self.db.basic(address);
        self.track(result)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DatabaseError> {
        let result = self.db.code_by_hash(code_hash);
        self.track(result)
    }

    fn storage(
        &mut self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, DatabaseError> {
        let result = self.db.storage(address, index);
        self.track(result)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, DatabaseError> {
        let result = self.db.block_hash(number);
        self.track(result)
    }
}

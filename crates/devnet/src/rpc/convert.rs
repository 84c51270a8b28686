//! From the chain's consensus types to alloy's RPC types (standard Ethereum JSON).

use alloy_consensus::{
    constants::KECCAK_EMPTY,
    transaction::{Recovered, SignerRecoverable},
    Transaction as _, TxEnvelope,
};
use alloy_primitives::{Address, U256};
use alloy_rpc_types_eth::{
    Block, BlockTransactions, EIP1186AccountProofResponse, EIP1186StorageProof, Header, Log,
    Transaction, TransactionReceipt,
};
use alloy_serde::JsonStorageKey;
use rollproof_stateless::{host::AccountProof, EMPTY_ROOT_HASH};

use crate::node::ChainView;

/// Block `number` with full transactions or their hashes.
pub fn block(view: &ChainView, number: u64, full: bool) -> Option<Block> {
    let block = view.block(number)?;
    let hash = view.hash(number)?;
    let size = alloy_rlp::encode(&block).len();
    let transactions = if full {
        BlockTransactions::Full(
            (0..block.body.transactions.len())
                .filter_map(|index| transaction(view, number, index))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(
            block
                .body
                .transactions
                .iter()
                .map(|tx| *tx.tx_hash())
                .collect(),
        )
    };
    Some(Block {
        header: Header {
            hash,
            inner: block.header,
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(size)),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: block.body.withdrawals,
    })
}

/// The transaction at `index` of block `number`, with its sender and inclusion.
pub fn transaction(view: &ChainView, number: u64, index: usize) -> Option<Transaction> {
    let block = view
        .chain
        .blocks
        .get(usize::try_from(number).ok()?.checked_sub(1)?)?;
    let tx = block.body.transactions.get(index)?.clone();
    let sender = tx.recover_signer().ok()?;
    let effective_gas_price = tx.effective_gas_price(block.header.base_fee_per_gas);
    Some(Transaction {
        inner: Recovered::new_unchecked(tx, sender),
        block_hash: view.hash(number),
        block_number: Some(number),
        transaction_index: Some(index as u64),
        effective_gas_price: Some(effective_gas_price),
        block_timestamp: Some(block.header.timestamp),
    })
}

/// The receipt of the transaction at `index` of block `number`.
pub fn receipt(view: &ChainView, number: u64, index: usize) -> Option<TransactionReceipt> {
    let slot = usize::try_from(number).ok()?.checked_sub(1)?;
    let block = view.chain.blocks.get(slot)?;
    let receipts = view.chain.receipts.get(slot)?;
    let tx: &TxEnvelope = block.body.transactions.get(index)?;
    let receipt = receipts.get(index)?;
    let sender = tx.recover_signer().ok()?;
    let block_hash = view.hash(number)?;
    let transaction_hash = *tx.tx_hash();
    let before = &receipts[..index];
    let gas_before = before.last().map_or(0, |r| r.cumulative_gas_used());
    let mut log_index = before.iter().map(|r| r.logs().len() as u64).sum::<u64>();
    let inner = receipt.clone().map_logs(|log| {
        let log = Log {
            inner: log,
            block_hash: Some(block_hash),
            block_number: Some(number),
            block_timestamp: Some(block.header.timestamp),
            transaction_hash: Some(transaction_hash),
            transaction_index: Some(index as u64),
            log_index: Some(log_index),
            removed: false,
        };
        log_index += 1;
        log
    });
    Some(TransactionReceipt {
        inner,
        transaction_hash,
        transaction_index: Some(index as u64),
        block_hash: Some(block_hash),
        block_number: Some(number),
        gas_used: receipt.cumulative_gas_used() - gas_before,
        effective_gas_price: tx.effective_gas_price(block.header.base_fee_per_gas),
        blob_gas_used: None,
        blob_gas_price: None,
        from: sender,
        to: tx.to(),
        contract_address: tx.kind().is_create().then(|| sender.create(tx.nonce())),
    })
}

/// An [`AccountProof`] as the `eth_getProof` response, keys echoed as requested.
pub fn account_proof(
    address: Address,
    keys: &[JsonStorageKey],
    proof: AccountProof,
) -> EIP1186AccountProofResponse {
    // An absent account reads as the empty account.
    let (nonce, balance, storage_hash, code_hash) = proof
        .account
        .map_or((0, U256::ZERO, EMPTY_ROOT_HASH, KECCAK_EMPTY), |a| {
            (a.nonce, a.balance, a.storage_root, a.code_hash)
        });
    EIP1186AccountProofResponse {
        address,
        balance,
        code_hash,
        nonce,
        storage_hash,
        account_proof: proof.proof,
        storage_proof: keys
            .iter()
            .zip(proof.storage)
            .map(|(key, slot)| EIP1186StorageProof {
                key: *key,
                value: slot.value,
                proof: slot.proof,
            })
            .collect(),
    }
}

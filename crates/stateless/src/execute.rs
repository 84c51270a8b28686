//! One block through alloy-evm's Ethereum block executor over any revm database, and the
//! conversion of revm's bundle into the [`AccountChange`]s the witness state applies. Shared by
//! stateless validation and host witness generation, so both execute exactly alike.

use alloc::{borrow::Cow, vec::Vec};

use alloy_consensus::{transaction::Recovered, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip4895::Withdrawal;
use alloy_evm::{
    block::{BlockExecutionError, BlockExecutionResult, BlockExecutor},
    eth::{receipt_builder::AlloyReceiptBuilder, EthBlockExecutionCtx, EthBlockExecutor},
    EthEvmFactory, EvmEnv, EvmFactory,
};
use alloy_primitives::U256;
use revm::{
    database::{states::bundle_state::BundleRetention, BundleState, State},
    Database,
};

use crate::{
    chain::ChainSpec,
    state::{AccountChange, AccountFields},
};

/// What executing a block produced: receipts, requests, gas, and the state changes.
pub type BlockOutput = (BlockExecutionResult<ReceiptEnvelope>, BundleState);

/// Executes a block (system calls, transactions, withdrawals and rewards) over `db`.
/// `transactions` carry their recovered senders.
pub fn execute_block<DB: Database + core::fmt::Debug>(
    chain: &ChainSpec,
    header: &Header,
    transactions: &[Recovered<TxEnvelope>],
    ommers: &[Header],
    withdrawals: Option<&[Withdrawal]>,
    db: DB,
) -> Result<BlockOutput, BlockExecutionError> {
    let env = EvmEnv::for_eth_block(
        header,
        chain,
        chain.chain_id,
        chain.blob_params_at(header.timestamp),
    );
    let mut state = State::builder()
        .with_database(db)
        .with_bundle_update()
        .build();
    let evm = EthEvmFactory::default().create_evm(&mut state, env);
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers,
        withdrawals: withdrawals.map(Cow::Borrowed),
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(transactions.len()),
        slot_number: None,
    };
    let executor = EthBlockExecutor::new(evm, ctx, chain, AlloyReceiptBuilder::default());
    let result = executor.execute_block(transactions.iter())?;
    state.merge_transitions(BundleRetention::PlainState);
    Ok((result, state.take_bundle()))
}

/// The bundle's account changes, sorted by address: destroyed accounts are removed
/// (`account: None`), a destroyed-and-re-created account has its storage wiped, and only slots
/// whose value changed are listed (zero deletes the slot).
pub fn bundle_changes(bundle: &BundleState) -> Vec<AccountChange> {
    let mut changes: Vec<AccountChange> = bundle
        .state
        .iter()
        .filter(|(_, account)| account.info.is_some() || account.original_info.is_some())
        .map(|(&address, account)| {
            let storage_wiped = account.status.was_destroyed();
            let mut storage: Vec<(U256, U256)> = account
                .storage
                .iter()
                .filter(|(_, slot)| {
                    if storage_wiped {
                        !slot.present_value.is_zero()
                    } else {
                        slot.is_changed()
                    }
                })
                .map(|(&key, slot)| (key, slot.present_value))
                .collect();
            storage.sort_unstable();
            AccountChange {
                address,
                account: account.info.as_ref().map(|info| AccountFields {
                    nonce: info.nonce,
                    balance: info.balance,
                    code_hash: info.code_hash,
                }),
                storage_wiped,
                storage,
            }
        })
        .collect();
    changes.sort_unstable_by_key(|change| change.address);
    changes
}

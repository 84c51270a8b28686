//! Genesis states: the system contracts a fork's rules call into, plus funded accounts.

use alloy_eips::{
    eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
    eip4788::{BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE},
    eip7002::{WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, WITHDRAWAL_REQUEST_PREDEPLOY_CODE},
    eip7251::{CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, CONSOLIDATION_REQUEST_PREDEPLOY_CODE},
};
use alloy_hardforks::EthereumHardforks;
use alloy_primitives::{Address, U256};
use rollproof_stateless::{
    host::{HostAccount, HostState},
    ChainSpec,
};

/// A genesis state at `timestamp` under `spec`: the EIP-4788 beacon-roots contract from Cancun,
/// the EIP-2935 history, EIP-7002 and EIP-7251 contracts from Prague, and `funded` accounts.
pub fn genesis_state(
    spec: &ChainSpec,
    timestamp: u64,
    funded: impl IntoIterator<Item = (Address, U256)>,
) -> HostState {
    let mut state = HostState::default();
    let mut system = Vec::new();
    if spec.is_cancun_active_at_timestamp(timestamp) {
        system.push((BEACON_ROOTS_ADDRESS, &BEACON_ROOTS_CODE));
    }
    if spec.is_prague_active_at_timestamp(timestamp) {
        system.extend([
            (HISTORY_STORAGE_ADDRESS, &HISTORY_STORAGE_CODE),
            (
                WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
                &WITHDRAWAL_REQUEST_PREDEPLOY_CODE,
            ),
            (
                CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
                &CONSOLIDATION_REQUEST_PREDEPLOY_CODE,
            ),
        ]);
    }
    for (address, code) in system {
        let account = HostAccount {
            nonce: 1,
            code: code.clone(),
            ..Default::default()
        };
        state.accounts.insert(address, account);
    }
    for (address, balance) in funded {
        state.accounts.entry(address).or_default().balance = balance;
    }
    state
}

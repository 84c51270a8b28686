//! Genesis: a `genesis.json` in geth's shape ([`Genesis`]: chain config with the rollup's fork
//! schedule, `alloc`, timestamp, gas limit...) and the genesis state it describes, plus the
//! system contracts a fork's rules call into ([`genesis_state`]).

use std::{collections::BTreeMap, path::Path};

use alloy_eips::{
    eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
    eip4788::{BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE},
    eip7002::{WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, WITHDRAWAL_REQUEST_PREDEPLOY_CODE},
    eip7251::{CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, CONSOLIDATION_REQUEST_PREDEPLOY_CODE},
};
use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, Bytes, U256};
use rollproof_primitives::{ForkName, ForkSchedule};
use rollproof_stateless::{
    host::{HostAccount, HostState},
    ChainSpec,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{chain::BlockSettings, error::GenesisError};

/// The default devnet genesis (the same document as `crates/devnet/genesis.example.json`).
pub const DEFAULT_GENESIS_JSON: &str = include_str!("../genesis.example.json");

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

/// One `alloc` entry of a `genesis.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisAccount {
    /// Balance in wei (hex `0x..`, decimal string or number).
    #[serde(default, with = "quantity::u256")]
    pub balance: U256,
    /// Nonce.
    #[serde(default, with = "quantity::u64", skip_serializing_if = "is_zero")]
    pub nonce: u64,
    /// Code (empty for externally owned accounts).
    #[serde(default, skip_serializing_if = "is_empty_code")]
    pub code: Bytes,
    /// Storage slots (32-byte hex keys and values).
    #[serde(
        default,
        with = "quantity::storage",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub storage: BTreeMap<U256, U256>,
}

fn is_empty_code(code: &Bytes) -> bool {
    code.is_empty()
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// A `genesis.json` in geth's shape. Keys not listed here (`difficulty`, `extraData`,
/// `mixHash`, Ethereum fork blocks...) are accepted and ignored: the EVM rules come from the
/// rollup forks in `config` (`galileoBlock`/`galileoTime`, `galileoV2Block`/`galileoV2Time`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Genesis {
    /// The chain config: `chainId` and the fork activations, read by
    /// [`ForkSchedule::from_chain_config`]; other keys are kept as they are.
    pub config: Map<String, Value>,
    /// Genesis block timestamp (seconds).
    #[serde(default, with = "quantity::u64")]
    pub timestamp: u64,
    /// Gas limit of every block.
    #[serde(default = "default_gas_limit", with = "quantity::u64")]
    pub gas_limit: u64,
    /// Base fee of the genesis block (default 1 gwei).
    #[serde(default = "default_base_fee", with = "quantity::u64")]
    pub base_fee_per_gas: u64,
    /// Fee recipient of every block.
    #[serde(default = "default_coinbase")]
    pub coinbase: Address,
    /// Genesis accounts.
    #[serde(default)]
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

fn default_gas_limit() -> u64 {
    BlockSettings::default().gas_limit
}

fn default_base_fee() -> u64 {
    BlockSettings::default().genesis_base_fee
}

fn default_coinbase() -> Address {
    BlockSettings::default().coinbase
}

impl Genesis {
    /// Parses a `genesis.json` document and checks its fork schedule.
    pub fn from_json(json: &str) -> Result<Self, GenesisError> {
        let genesis: Self = serde_json::from_str(json)?;
        genesis.schedule()?;
        Ok(genesis)
    }

    /// Reads and parses a `genesis.json` file.
    pub fn load(path: &Path) -> Result<Self, GenesisError> {
        let json = std::fs::read_to_string(path).map_err(|source| GenesisError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&json)
    }

    /// The embedded default genesis ([`DEFAULT_GENESIS_JSON`]).
    pub fn devnet_default() -> Self {
        Self::from_json(DEFAULT_GENESIS_JSON).expect("the embedded genesis is valid")
    }

    /// The chain id (`config.chainId`).
    pub fn chain_id(&self) -> u64 {
        self.schedule().expect("checked when parsed").chain_id()
    }

    /// The rollup fork schedule from `config`.
    pub fn schedule(&self) -> Result<ForkSchedule, GenesisError> {
        Ok(ForkSchedule::from_chain_config(&self.config)?)
    }

    /// The fork of block `number`, whose timestamp advances `timestamp_step` seconds a block.
    pub fn fork_at(&self, number: u64, timestamp_step: u64) -> Result<ForkName, GenesisError> {
        let timestamp = self.timestamp + number * timestamp_step;
        Ok(self.schedule()?.fork_at(number, timestamp)?)
    }

    /// The execution rules: galileo (Cancun) must be active at genesis; galileoV2 (Prague)
    /// activates at its time, or at the timestamp of its block, whichever comes first. Devnet
    /// timestamps are logical (genesis timestamp + number × `timestamp_step`), so a block
    /// activation is exactly a time activation.
    pub fn chain_spec(&self, timestamp_step: u64) -> Result<ChainSpec, GenesisError> {
        if timestamp_step == 0 {
            return Err(GenesisError::ZeroTimestampStep);
        }
        let schedule = self.schedule()?;
        schedule.fork_at(0, self.timestamp)?;
        let spec = ChainSpec::from_fork(schedule.chain_id(), ForkName::Galileo);
        let v2 = schedule.activation(ForkName::GalileoV2);
        let by_block = v2.block.map(|n| self.timestamp + n * timestamp_step);
        let prague = match (by_block, v2.time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(match prague {
            Some(time) => {
                spec.with_activation(EthereumHardfork::Prague, ForkCondition::Timestamp(time))
            }
            None => spec,
        })
    }

    /// The block settings (gas limit, coinbase, base fee, timestamps) of this genesis.
    pub fn block_settings(&self, timestamp_step: u64) -> BlockSettings {
        BlockSettings {
            gas_limit: self.gas_limit,
            coinbase: self.coinbase,
            block_time: timestamp_step,
            genesis_base_fee: self.base_fee_per_gas,
            genesis_timestamp: self.timestamp,
        }
    }

    /// The genesis state: the system contracts of every fork scheduled at any time (so they
    /// are there when a later fork activates), then `alloc` as written.
    pub fn state(&self, spec: &ChainSpec) -> HostState {
        let mut state = genesis_state(spec, u64::MAX, []);
        for (address, account) in &self.alloc {
            state.accounts.insert(
                *address,
                HostAccount {
                    nonce: account.nonce,
                    balance: account.balance,
                    code: account.code.clone(),
                    storage: account
                        .storage
                        .iter()
                        .filter(|(_, v)| !v.is_zero())
                        .map(|(k, v)| (*k, *v))
                        .collect(),
                },
            );
        }
        state
    }

    /// Adds `balance` to `alloc` for each of `addresses` that has no entry yet.
    pub fn fund(&mut self, addresses: impl IntoIterator<Item = Address>, balance: U256) {
        for address in addresses {
            self.alloc.entry(address).or_insert_with(|| GenesisAccount {
                balance,
                ..Default::default()
            });
        }
    }
}

/// Serde helpers for geth's numbers: hex `0x..` strings, decimal strings or JSON numbers in,
/// hex strings out.
mod quantity {
    use alloy_primitives::U256;
    use serde::{de::Error, Deserialize, Deserializer};
    use serde_json::Value;

    fn parse_u256(value: &Value) -> Result<U256, String> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .map(U256::from)
                .ok_or_else(|| format!("{n} is not a non-negative integer")),
            Value::String(s) => {
                let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    Some("") => Ok(U256::ZERO),
                    Some(hex) => U256::from_str_radix(hex, 16),
                    None => U256::from_str_radix(s, 10),
                };
                parsed.map_err(|e| format!("{s:?}: {e}"))
            }
            other => Err(format!("{other} is not a number")),
        }
    }

    pub mod u256 {
        use super::*;

        pub fn serialize<S: serde::Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{value:#x}"))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
            parse_u256(&Value::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    pub mod u64 {
        use super::*;

        pub fn serialize<S: serde::Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{value:#x}"))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
            let value = parse_u256(&Value::deserialize(d)?).map_err(D::Error::custom)?;
            u64::try_from(value).map_err(|_| D::Error::custom(format!("{value} exceeds 64 bits")))
        }
    }

    pub mod storage {
        use std::collections::BTreeMap;

        use alloy_primitives::B256;

        use super::*;

        pub fn serialize<S: serde::Serializer>(
            value: &BTreeMap<U256, U256>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_map(value.iter().map(|(k, v)| (B256::from(*k), B256::from(*v))))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<U256, U256>, D::Error> {
            let raw = BTreeMap::<String, Value>::deserialize(d)?;
            raw.into_iter()
                .map(|(k, v)| {
                    let key = parse_u256(&Value::String(k)).map_err(D::Error::custom)?;
                    let value = parse_u256(&v).map_err(D::Error::custom)?;
                    Ok((key, value))
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geth_numbers_parse_in_every_spelling() {
        let genesis = Genesis::from_json(
            r#"{"config": {"chainId": 7, "galileoBlock": 0},
                "timestamp": "0x10", "gasLimit": 30000000, "baseFeePerGas": "7",
                "alloc": {"0x00000000000000000000000000000000000000aa":
                    {"balance": "1000000000000000000000", "nonce": "0x2", "code": "0x6000",
                     "storage": {"0x01": "0x02"}}}}"#,
        )
        .unwrap();
        assert_eq!(genesis.timestamp, 16);
        assert_eq!(genesis.gas_limit, 30_000_000);
        assert_eq!(genesis.base_fee_per_gas, 7);
        let account = &genesis.alloc[&Address::with_last_byte(0xaa)];
        assert_eq!(account.balance, U256::from(10u128.pow(21)));
        assert_eq!(account.nonce, 2);
        assert_eq!(account.storage[&U256::from(1)], U256::from(2));
        let again: Genesis =
            serde_json::from_str(&serde_json::to_string(&genesis).unwrap()).unwrap();
        assert_eq!(again, genesis);
    }

    #[test]
    fn the_example_genesis_funds_the_default_wallets() {
        let genesis = Genesis::devnet_default();
        for index in 0..8 {
            let wallet = crate::Wallet::derive(crate::node::DEFAULT_SEED.as_bytes(), index);
            assert!(
                !genesis.alloc[&wallet.address].balance.is_zero(),
                "wallet {index}"
            );
        }
        assert!(genesis.chain_spec(2).is_ok());
    }

    #[test]
    fn galileo_must_be_active_at_genesis() {
        let genesis =
            Genesis::from_json(r#"{"config": {"chainId": 7, "galileoBlock": 5}}"#).unwrap();
        assert!(matches!(
            genesis.chain_spec(1),
            Err(GenesisError::NoForkAtGenesis(_))
        ));
    }

    #[test]
    fn a_galileo_v2_block_activates_prague_at_that_block() {
        let genesis = Genesis::from_json(
            r#"{"config": {"chainId": 7, "galileoBlock": 0, "galileoV2Block": 4},
                "timestamp": 1000}"#,
        )
        .unwrap();
        let spec = genesis.chain_spec(2).unwrap();
        assert!(!spec.is_prague_active_at_timestamp(1000 + 3 * 2));
        assert!(spec.is_prague_active_at_timestamp(1000 + 4 * 2));
        assert_eq!(genesis.fork_at(3, 2).unwrap(), ForkName::Galileo);
        assert_eq!(genesis.fork_at(4, 2).unwrap(), ForkName::GalileoV2);
    }
}

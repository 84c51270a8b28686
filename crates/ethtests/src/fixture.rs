//! The BlockchainTests JSON format (ethereum/tests `BlockchainTests/**.json`): only the fields
//! the runner reads, and discovery of fixture files on disk.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy_primitives::{Address, Bytes, B256, U256};
use rollproof_stateless::host::{HostAccount, HostState};
use serde::Deserialize;

/// One test case: a genesis state and block, then blocks to import in order.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCase {
    /// Fork rules, e.g. `Cancun` or `ShanghaiToCancunAtTime15k`.
    pub network: String,
    /// Genesis state.
    pub pre: BTreeMap<Address, PreAccount>,
    /// RLP of the genesis block.
    #[serde(rename = "genesisRLP")]
    pub genesis_rlp: Bytes,
    /// Blocks to import, valid and invalid.
    pub blocks: Vec<TestBlock>,
    /// Hash of the chain head after importing every valid block.
    pub lastblockhash: B256,
}

/// An account of the genesis state.
#[derive(Clone, Debug, Deserialize)]
pub struct PreAccount {
    /// Nonce.
    pub nonce: U256,
    /// Balance in wei.
    pub balance: U256,
    /// Bytecode.
    pub code: Bytes,
    /// Storage (zero values may appear and mean "absent").
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// A block to import.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestBlock {
    /// The block's RLP (may be malformed for invalid blocks).
    pub rlp: Bytes,
    /// Set when the block must be rejected: the reason the test authors expect.
    #[serde(default)]
    pub expect_exception: Option<String>,
    /// The decoded header of a valid block.
    #[serde(default)]
    pub block_header: Option<HeaderSummary>,
}

/// The part of a valid block's decoded header the runner compares.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderSummary {
    /// Block hash.
    pub hash: B256,
    /// Post-state root.
    pub state_root: B256,
}

/// A fixture file: test name -> case, in name order.
pub type TestFile = BTreeMap<String, TestCase>;

/// Reads and parses one fixture file.
pub fn load(path: &Path) -> Result<TestFile, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// The genesis state of `pre` (zero storage values dropped).
pub fn pre_state(pre: &BTreeMap<Address, PreAccount>) -> Result<HostState, String> {
    let mut state = HostState::default();
    for (address, account) in pre {
        let nonce = u64::try_from(account.nonce)
            .map_err(|_| format!("account {address}: nonce {} overflows u64", account.nonce))?;
        state.accounts.insert(
            *address,
            HostAccount {
                nonce,
                balance: account.balance,
                code: account.code.clone(),
                storage: account
                    .storage
                    .iter()
                    .filter(|(_, value)| !value.is_zero())
                    .map(|(slot, value)| (*slot, *value))
                    .collect(),
            },
        );
    }
    Ok(state)
}

/// Every `.json` file at or under each of `paths` (files are taken as given), sorted and
/// deduplicated.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect_json(path, &mut files)?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Where the shared BlockchainTests fixtures are on this machine: `ROLLPROOF_ETHTESTS` when
/// set, else `shared/fixtures/ethereum-tests/BlockchainTests` beside the repository (or one of
/// its parents) or under `/work/shared`. `None` when none exists.
pub fn default_root() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ROLLPROOF_ETHTESTS") {
        return Some(PathBuf::from(path));
    }
    let tail = Path::new("shared/fixtures/ethereum-tests/BlockchainTests");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .ok()?;
    repo.ancestors()
        .map(|dir| dir.join(tail))
        .chain([Path::new("/work").join(tail)])
        .find(|candidate| candidate.is_dir())
}

//! Real Ethereum BlockchainTests (written by others) through host witness generation and
//! stateless validation, block by block. The fixtures live outside the repository
//! (`../shared/fixtures/ethereum-tests`, or `ROLLPROOF_ETHTESTS`); when absent the test says so
//! and passes. `ROLLPROOF_ETHTESTS_FILES` (comma-separated, relative to `BlockchainTests`, or
//! `all` for every file) replaces the default sample:
//! `ROLLPROOF_ETHTESTS_FILES=all cargo test -p rollproof-stateless --test ethereum_tests -- --nocapture`

use std::{collections::BTreeMap, path::PathBuf};

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_hardforks::{EthereumHardfork, ForkCondition};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use revm::primitives::hardfork::SpecId;
use rollproof_stateless::{
    host::{HostAccount, HostState},
    validate_chunk, ChainSpec, ChunkInput, NativeCrypto,
};
use serde_json::Value;

const SAMPLE: &[&str] = &[
    "ValidBlocks/bcStateTests/suicideCoinbaseState.json",
    "ValidBlocks/bcExample/optionsTest.json",
    "ValidBlocks/bcRandomBlockhashTest/randomStatetest101BC.json",
    "ValidBlocks/bcEIP1559/burnVerify.json",
    "ValidBlocks/bcExample/shanghaiExample.json",
    "ValidBlocks/bcEIP1559/highDemand.json",
    "InvalidBlocks/bcEIP1559/badBlocks.json",
    "GeneralStateTests/Pyspecs/cancun/eip4844_blobs/reject_valid_full_blob_in_block_rlp.json",
    "GeneralStateTests/Pyspecs/cancun/eip4844_blobs/point_evaluation_precompile_during_fork.json",
];

/// Files whose cases need EIP-7610 (CREATE into an address with storage but no code or nonce
/// is a collision). revm 43 only checks code and nonce, so these fail on any revm-based
/// executor (revm's own runner skips them); they cannot happen on a real chain. Counted apart,
/// never hidden.
const KNOWN_EIP7610: &[&str] = &[
    "InitCollision.json",
    "InitCollisionParis.json",
    "RevertInCreateInInit.json",
    "RevertInCreateInInit_Paris.json",
    "RevertInCreateInInitCreate2.json",
    "RevertInCreateInInitCreate2Paris.json",
    "create2collisionStorage.json",
    "create2collisionStorageParis.json",
    "dynamicAccountOverwriteEmpty.json",
    "dynamicAccountOverwriteEmpty_Paris.json",
];

fn root() -> PathBuf {
    std::env::var_os("ROLLPROOF_ETHTESTS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/ethereum-tests/BlockchainTests")
        },
        PathBuf::from,
    )
}

fn spec_of(network: &str) -> Option<SpecId> {
    Some(match network {
        "Paris" | "Merge" => SpecId::MERGE,
        "Shanghai" => SpecId::SHANGHAI,
        "Cancun" => SpecId::CANCUN,
        "Prague" => SpecId::PRAGUE,
        _ => return None,
    })
}

fn parse<T: std::str::FromStr>(value: &Value) -> T
where
    T::Err: std::fmt::Debug,
{
    value.as_str().unwrap().parse().unwrap()
}

fn pre_state(pre: &Value) -> HostState {
    let mut state = HostState::default();
    for (address, account) in pre.as_object().unwrap() {
        let storage: BTreeMap<U256, U256> = account["storage"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), parse::<U256>(v)))
            .filter(|(_, v)| !v.is_zero())
            .collect();
        state.accounts.insert(
            address.parse::<Address>().unwrap(),
            HostAccount {
                nonce: parse::<U256>(&account["nonce"]).to::<u64>(),
                balance: parse(&account["balance"]),
                code: parse::<Bytes>(&account["code"]),
                storage,
            },
        );
    }
    state
}

/// Runs one test case; returns the number of blocks validated, or why the case is skipped.
fn run_case(name: &str, case: &Value) -> Result<usize, String> {
    let network = case["network"].as_str().unwrap();
    let chain = match network {
        "ShanghaiToCancunAtTime15k" => ChainSpec::from_spec_id(1, SpecId::SHANGHAI)
            .with_activation(EthereumHardfork::Cancun, ForkCondition::Timestamp(15_000)),
        "CancunToPragueAtTime15k" => ChainSpec::from_spec_id(1, SpecId::CANCUN)
            .with_activation(EthereumHardfork::Prague, ForkCondition::Timestamp(15_000)),
        _ => ChainSpec::from_spec_id(
            1,
            spec_of(network).ok_or_else(|| format!("network {network} not supported"))?,
        ),
    };
    let state = pre_state(&case["pre"]);
    let genesis_rlp = parse::<Bytes>(&case["genesisRLP"]);
    let genesis = Block::<TxEnvelope>::decode(&mut genesis_rlp.as_ref()).unwrap();
    assert_eq!(
        genesis.header.state_root,
        state.state_root(),
        "{name}: genesis root"
    );
    // Blocks may build on side chains: index every accepted block by hash with its post-state.
    let genesis_hash = genesis.header.hash_slow();
    let mut known: BTreeMap<B256, (Header, HostState)> = BTreeMap::new();
    known.insert(genesis_hash, (genesis.header, state));
    let mut validated = 0;
    for (index, entry) in case["blocks"].as_array().unwrap().iter().enumerate() {
        let invalid = entry.get("expectException").is_some();
        let rlp = parse::<Bytes>(&entry["rlp"]);
        let Ok(block) = Block::<TxEnvelope>::decode(&mut rlp.as_ref()) else {
            assert!(invalid, "{name}: block {index} does not decode");
            continue;
        };
        let Some((_, state)) = known.get(&block.header.parent_hash) else {
            assert!(invalid, "{name}: block {index} has an unknown parent");
            continue;
        };
        // Ancestors, oldest first, ending with the parent.
        let mut headers = Vec::new();
        let mut cursor = block.header.parent_hash;
        while let Some((header, _)) = known.get(&cursor) {
            headers.push(header.clone());
            cursor = header.parent_hash;
        }
        headers.reverse();
        let outcome = state
            .generate_witness(&chain, &headers, &block, &[])
            .map_err(|e| e.to_string())
            .and_then(|generated| {
                let input = ChunkInput {
                    blocks: vec![block.clone()],
                    witness: generated.witness,
                    prev_msg_queue_hash: B256::ZERO,
                    withdraw_root_slot: None,
                };
                validate_chunk(&chain, &input, &NativeCrypto)
                    .map(|info| (info, generated.post_state))
                    .map_err(|e| e.to_string())
            });
        match (outcome, invalid) {
            (Ok((info, post_state)), false) => {
                assert_eq!(info.post_state_root, block.header.state_root, "{name}");
                assert_eq!(
                    info.post_blockhash,
                    parse::<B256>(&entry["blockHeader"]["hash"]),
                    "{name}: block {index} hash"
                );
                known.insert(info.post_blockhash, (block.header.clone(), post_state));
                validated += 1;
            }
            (Err(_), true) => {}
            (Ok(_), true) => panic!("{name}: invalid block {index} was accepted"),
            (Err(error), false) => panic!("{name}: block {index} rejected: {error}"),
        }
    }
    let last = parse::<B256>(&case["lastblockhash"]);
    assert!(
        known.contains_key(&last),
        "{name}: last block hash {last} not reached"
    );
    Ok(validated)
}

#[test]
fn ethereum_blockchain_tests_sample() {
    let root = root();
    if !root.is_dir() {
        eprintln!("skipping: no BlockchainTests at {}", root.display());
        return;
    }
    let files: Vec<String> = match std::env::var("ROLLPROOF_ETHTESTS_FILES") {
        Ok(list) if list == "all" => {
            let mut files = Vec::new();
            collect_json(&root, &root, &mut files);
            files
        }
        Ok(list) => list.split(',').map(str::to_string).collect(),
        Err(_) => SAMPLE.iter().map(|s| s.to_string()).collect(),
    };
    let (mut cases, mut blocks, mut skipped, mut failed, mut known) = (0, 0, 0, 0, 0);
    std::panic::set_hook(Box::new(|_| {}));
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let tests: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
        for (name, case) in &tests {
            match std::panic::catch_unwind(|| run_case(name, case)) {
                Ok(Ok(n)) => {
                    cases += 1;
                    blocks += n;
                }
                Ok(Err(_)) => skipped += 1,
                Err(panic) => {
                    let file_name = file.rsplit('/').next().unwrap_or(file);
                    if KNOWN_EIP7610.contains(&file_name) {
                        known += 1;
                    } else {
                        failed += 1;
                    }
                    let reason = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let tag = if KNOWN_EIP7610.contains(&file_name) {
                        "FAIL (known: EIP-7610, not in revm 43)"
                    } else {
                        "FAIL"
                    };
                    eprintln!("{tag} {file} {name}: {reason}");
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "{cases} passed ({blocks} blocks), {failed} failed, {known} failed as known (EIP-7610), \
         {skipped} skipped (unsupported networks)"
    );
    assert_eq!(failed, 0);
    assert!(cases > 0);
}

/// Every `.json` file under `dir`, relative to `root`, sorted.
fn collect_json(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_json(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

//! Host-side witness generation (feature `host`): execute a block over a full in-memory state,
//! record every account, slot, code and BLOCKHASH it touches, and prove them with alloy-trie's
//! `HashBuilder` + `ProofRetainer` into an [`ExecutionWitness`].

use std::{
    collections::{BTreeMap, BTreeSet},
    string::{String, ToString},
    vec::Vec,
};

use alloy_consensus::{
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
    transaction::{Recovered, SignerRecoverable},
    Block, Header, ReceiptEnvelope, TxEnvelope, TxReceipt,
};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_hardforks::EthereumHardforks;
use alloy_primitives::{keccak256, Address, Bloom, Bytes, B256, U256};
use alloy_trie::{
    proof::{ProofNodes, ProofRetainer},
    HashBuilder, Nibbles,
};
use revm::{
    database::{BundleState, CacheDB, EmptyDB},
    database_interface::DBErrorMarker,
    primitives::{StorageKey, StorageValue, KECCAK_EMPTY},
    state::{AccountInfo, Bytecode},
    Database,
};

use rollproof_primitives::ChunkInfo;

use crate::{
    chain::ChainSpec,
    crypto::NativeCrypto,
    error::ValidationError,
    execute::{bundle_changes, execute_block},
    state::{slot_key, AccountChange, StateAccount},
    trie::EMPTY_ROOT_HASH,
    validate::{validate_chunk, ChunkInput},
    witness::ExecutionWitness,
};

/// Re-exported from [`crate::witness`] (it needs no host state).
pub use crate::witness::merge_witnesses;

/// One account of the full state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Bytecode (empty for externally owned accounts).
    pub code: Bytes,
    /// Non-zero storage slots.
    pub storage: BTreeMap<U256, U256>,
}

impl HostAccount {
    /// keccak256 of the code ([`KECCAK_EMPTY`] when there is none).
    pub fn code_hash(&self) -> B256 {
        if self.code.is_empty() {
            KECCAK_EMPTY
        } else {
            keccak256(&self.code)
        }
    }
}

/// A full in-memory world state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostState {
    /// Every existing account.
    pub accounts: BTreeMap<Address, HostAccount>,
}

/// Why witness generation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// No parent header was given.
    #[error("no ancestor headers: the parent is needed")]
    NoParent,
    /// BLOCKHASH asked for a block the ancestors do not contain.
    #[error("no ancestor header for block {0}")]
    MissingHeader(u64),
    /// A transaction signature does not recover.
    #[error("transaction {0}: signature does not recover")]
    InvalidSignature(usize),
    /// Execution rejected the block.
    #[error("execution: {0}")]
    Execution(String),
}

impl DBErrorMarker for HostError {}

/// What executing a block on the host produced: the header fields that commit to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
    /// Gas used.
    pub gas_used: u64,
    /// Blob gas used (`Some` from Cancun).
    pub blob_gas_used: Option<u64>,
    /// Receipts root.
    pub receipts_root: B256,
    /// Logs bloom.
    pub logs_bloom: Bloom,
    /// Requests hash (`Some` from Prague).
    pub requests_hash: Option<B256>,
    /// Post-state root.
    pub state_root: B256,
}

impl BlockOutcome {
    /// Writes the outcome into `header` (to build a valid block from a template).
    pub fn seal(&self, header: &mut Header) {
        header.gas_used = self.gas_used;
        header.blob_gas_used = self.blob_gas_used;
        header.receipts_root = self.receipts_root;
        header.logs_bloom = self.logs_bloom;
        header.requests_hash = self.requests_hash;
        header.state_root = self.state_root;
    }
}

/// A block's witness, its outcome and the post-state.
#[derive(Clone, Debug)]
pub struct GeneratedWitness {
    /// The witness against the pre-state.
    pub witness: ExecutionWitness,
    /// Header fields that execution determines.
    pub outcome: BlockOutcome,
    /// The full state after the block.
    pub post_state: HostState,
    /// The block's receipts, in transaction order.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// An EIP-1186 (`eth_getProof`) proof of one account and some of its storage slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProof {
    /// The account's trie leaf; `None` when the account does not exist (the proof then shows
    /// its absence).
    pub account: Option<StateAccount>,
    /// RLP nodes from the state root down to the account's leaf (or to where it would be).
    pub proof: Vec<Bytes>,
    /// One proof per requested slot, in request order.
    pub storage: Vec<StorageProof>,
}

/// A proof of one storage slot against an account's storage root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageProof {
    /// The slot.
    pub slot: U256,
    /// Its value (zero when absent).
    pub value: U256,
    /// RLP nodes from the storage root down to the slot's leaf (or to where it would be).
    pub proof: Vec<Bytes>,
}

/// Every trie of a state, with the proof nodes retained for some keys.
struct ProvenTries {
    /// The state root.
    root: B256,
    /// Account-trie nodes on the paths of the account targets.
    account_nodes: ProofNodes,
    /// Per account: its storage root and the storage-trie nodes on the paths of its targets.
    storage: BTreeMap<Address, (B256, ProofNodes)>,
}

impl HostState {
    /// The state root.
    pub fn state_root(&self) -> B256 {
        self.prove_keys(&BTreeSet::new(), &BTreeMap::new()).0
    }

    /// Executes `block` on top of this state (`ancestors`: consecutive headers ending with the
    /// parent) and returns the witness, the outcome and the post-state. `extra_slots` are proven
    /// too (e.g. the withdraw-root slot read after a chunk). The block's own `state_root`,
    /// `receipts_root`, gas and bloom are not checked here: see [`BlockOutcome::seal`].
    pub fn generate_witness(
        &self,
        chain: &ChainSpec,
        ancestors: &[Header],
        block: &Block<TxEnvelope>,
        extra_slots: &[(Address, U256)],
    ) -> Result<GeneratedWitness, HostError> {
        let parent = ancestors.last().ok_or(HostError::NoParent)?;
        let transactions = block
            .body
            .transactions
            .iter()
            .enumerate()
            .map(|(index, tx)| {
                tx.recover_signer()
                    .map(|signer| Recovered::new_unchecked(tx.clone(), signer))
                    .map_err(|_| HostError::InvalidSignature(index))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut recorder = Recorder::new(self, ancestors);
        let header = &block.header;
        let (result, bundle) = execute_block(
            chain,
            header,
            &transactions,
            &block.body.ommers,
            block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            &mut recorder,
        )
        .map_err(|error| HostError::Execution(error.to_string()))?;
        let changes = bundle_changes(&bundle);

        // Keys to prove in the pre-state: everything read, everything changed, the extra slots,
        // and, for deletions, the nearest surviving neighbours.
        let mut targets: BTreeMap<Address, BTreeSet<U256>> = BTreeMap::new();
        for address in &recorder.accounts {
            targets.entry(*address).or_default();
        }
        for (address, slots) in &recorder.slots {
            targets.entry(*address).or_default().extend(slots);
        }
        for &(address, slot) in extra_slots {
            targets.entry(address).or_default().insert(slot);
        }
        let mut deleted_accounts = BTreeSet::new();
        for change in &changes {
            let slots = targets.entry(change.address).or_default();
            if change.account.is_none() {
                deleted_accounts.insert(change.address);
            }
            if !change.storage_wiped {
                slots.extend(change.storage.iter().map(|(slot, _)| *slot));
            }
        }
        let (_, state_nodes) = self.prove_with_deletions(&targets, &deleted_accounts, &changes);

        let post_state = self.apply(&changes, &bundle);
        let receipts = result.receipts;
        let outcome = BlockOutcome {
            gas_used: result.gas_used,
            blob_gas_used: chain
                .is_cancun_active_at_timestamp(header.timestamp)
                .then_some(result.blob_gas_used),
            receipts_root: calculate_receipt_root(&receipts),
            logs_bloom: receipts
                .iter()
                .fold(Bloom::ZERO, |bloom, receipt| bloom | receipt.bloom()),
            requests_hash: chain
                .is_prague_active_at_timestamp(header.timestamp)
                .then(|| result.requests.requests_hash()),
            state_root: post_state.state_root(),
        };

        let lowest = recorder
            .lowest_block_hash
            .unwrap_or(parent.number)
            .min(parent.number);
        let headers = ancestors
            .iter()
            .filter(|h| h.number >= lowest)
            .map(|h| Bytes::from(alloy_rlp::encode(h)))
            .collect();
        let mut keys: Vec<Bytes> = Vec::new();
        for (address, slots) in &targets {
            keys.push(Bytes::copy_from_slice(address.as_slice()));
            keys.extend(
                slots
                    .iter()
                    .map(|s| Bytes::from(s.to_be_bytes::<32>().to_vec())),
            );
        }
        Ok(GeneratedWitness {
            witness: ExecutionWitness {
                state: state_nodes,
                codes: recorder.codes.into_values().collect(),
                keys,
                headers,
            },
            outcome,
            post_state,
            receipts,
        })
    }

    /// Proves `targets` plus the neighbours that deleting `deleted_accounts` and the zeroed
    /// slots of `changes` need.
    fn prove_with_deletions(
        &self,
        targets: &BTreeMap<Address, BTreeSet<U256>>,
        deleted_accounts: &BTreeSet<Address>,
        changes: &[AccountChange],
    ) -> (B256, Vec<Bytes>) {
        let mut account_keys: BTreeSet<B256> = targets.keys().map(keccak256).collect();
        let existing: BTreeSet<B256> = self.accounts.keys().map(keccak256).collect();
        let deleted: BTreeSet<B256> = deleted_accounts
            .iter()
            .map(keccak256)
            .filter(|k| existing.contains(k))
            .collect();
        account_keys.extend(neighbours(&existing, &deleted));

        let mut slot_keys: BTreeMap<Address, BTreeSet<B256>> = targets
            .iter()
            .map(|(address, slots)| (*address, slots.iter().map(|s| slot_key(*s)).collect()))
            .collect();
        for change in changes {
            if change.storage_wiped || change.account.is_none() {
                continue;
            }
            let Some(account) = self.accounts.get(&change.address) else {
                continue;
            };
            let existing: BTreeSet<B256> = account.storage.keys().map(|s| slot_key(*s)).collect();
            let deleted: BTreeSet<B256> = change
                .storage
                .iter()
                .filter(|(slot, value)| value.is_zero() && account.storage.contains_key(slot))
                .map(|(slot, _)| slot_key(*slot))
                .collect();
            slot_keys
                .entry(change.address)
                .or_default()
                .extend(neighbours(&existing, &deleted));
        }
        self.prove_keys(&account_keys, &slot_keys)
    }

    /// The state root and the nodes proving `account_keys` (hashed addresses) and, per
    /// account, `slot_keys` (hashed slots).
    fn prove_keys(
        &self,
        account_keys: &BTreeSet<B256>,
        slot_keys: &BTreeMap<Address, BTreeSet<B256>>,
    ) -> (B256, Vec<Bytes>) {
        let tries = self.prove_tries(account_keys, slot_keys);
        let mut nodes: BTreeSet<Bytes> = tries.account_nodes.into_inner().into_values().collect();
        for (_, storage_nodes) in tries.storage.into_values() {
            nodes.extend(storage_nodes.into_inner().into_values());
        }
        (tries.root, nodes.into_iter().collect())
    }

    /// Builds every trie, retaining the nodes on the paths of `account_keys` (hashed addresses)
    /// and, per account, `slot_keys` (hashed slots).
    fn prove_tries(
        &self,
        account_keys: &BTreeSet<B256>,
        slot_keys: &BTreeMap<Address, BTreeSet<B256>>,
    ) -> ProvenTries {
        let mut storage = BTreeMap::new();
        let mut leaves = Vec::with_capacity(self.accounts.len());
        for (address, account) in &self.accounts {
            let slots = slot_keys.get(address);
            let storage_leaves = account
                .storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(slot, value)| (slot_key(*slot), alloy_rlp::encode(value)));
            let (storage_root, storage_nodes) =
                trie_root(storage_leaves, slots.into_iter().flatten());
            let leaf = StateAccount {
                nonce: account.nonce,
                balance: account.balance,
                storage_root,
                code_hash: account.code_hash(),
            };
            leaves.push((keccak256(address), alloy_rlp::encode(leaf)));
            storage.insert(*address, (storage_root, storage_nodes));
        }
        let (root, account_nodes) = trie_root(leaves, account_keys.iter());
        ProvenTries {
            root,
            account_nodes,
            storage,
        }
    }

    /// The state root and an EIP-1186 proof of `address` and its `slots` against it.
    pub fn account_proof(&self, address: Address, slots: &[U256]) -> (B256, AccountProof) {
        let account_key = keccak256(address);
        let slot_keys: BTreeSet<B256> = slots.iter().map(|s| slot_key(*s)).collect();
        let tries = self.prove_tries(
            &BTreeSet::from([account_key]),
            &BTreeMap::from([(address, slot_keys)]),
        );
        let path = |nodes: &ProofNodes, key: &B256| -> Vec<Bytes> {
            nodes
                .matching_nodes_sorted(&Nibbles::unpack(key))
                .into_iter()
                .map(|(_, rlp)| rlp)
                .collect()
        };
        let stored = self.accounts.get(&address);
        let (storage_root, storage_nodes) = tries
            .storage
            .get(&address)
            .cloned()
            .unwrap_or_else(|| (EMPTY_ROOT_HASH, ProofNodes::default()));
        let storage = slots
            .iter()
            .map(|&slot| StorageProof {
                slot,
                value: stored
                    .and_then(|a| a.storage.get(&slot).copied())
                    .unwrap_or_default(),
                proof: path(&storage_nodes, &slot_key(slot)),
            })
            .collect();
        let proof = AccountProof {
            account: stored.map(|a| StateAccount {
                nonce: a.nonce,
                balance: a.balance,
                storage_root,
                code_hash: a.code_hash(),
            }),
            proof: path(&tries.account_nodes, &account_key),
            storage,
        };
        (tries.root, proof)
    }

    /// This state as a plain in-memory revm database (no witness, no recording), with the
    /// `ancestors`' hashes for BLOCKHASH: the baseline a full node executes against.
    pub fn to_revm_db(&self, ancestors: &[Header]) -> CacheDB<EmptyDB> {
        let mut db = CacheDB::new(EmptyDB::default());
        for (address, account) in &self.accounts {
            let code = (!account.code.is_empty()).then(|| Bytecode::new_raw(account.code.clone()));
            db.insert_account_info(
                *address,
                AccountInfo {
                    balance: account.balance,
                    nonce: account.nonce,
                    code_hash: account.code_hash(),
                    code,
                    ..Default::default()
                },
            );
            for (slot, value) in &account.storage {
                db.insert_account_storage(*address, *slot, *value)
                    .expect("the cache database never fails");
            }
        }
        for header in ancestors {
            db.cache
                .block_hashes
                .insert(U256::from(header.number), header.hash_slow());
        }
        db
    }

    /// This state with `changes` applied (codes of new contracts from `bundle`).
    fn apply(&self, changes: &[AccountChange], bundle: &BundleState) -> HostState {
        let mut post = self.clone();
        for change in changes {
            let Some(fields) = change.account else {
                post.accounts.remove(&change.address);
                continue;
            };
            let account = post.accounts.entry(change.address).or_default();
            if change.storage_wiped {
                account.storage.clear();
            }
            account.nonce = fields.nonce;
            account.balance = fields.balance;
            if account.code_hash() != fields.code_hash {
                account.code = if fields.code_hash == KECCAK_EMPTY {
                    Bytes::new()
                } else {
                    bundle
                        .contracts
                        .get(&fields.code_hash)
                        .or_else(|| {
                            bundle.state[&change.address]
                                .info
                                .as_ref()
                                .and_then(|i| i.code.as_ref())
                        })
                        .map(|code| code.original_bytes())
                        .unwrap_or_default()
                };
            }
            for &(slot, value) in &change.storage {
                if value.is_zero() {
                    account.storage.remove(&slot);
                } else {
                    account.storage.insert(slot, value);
                }
            }
        }
        post
    }
}

/// For each deleted key, the nearest keys on either side in `existing` that are not deleted:
/// proving them reveals the child a collapsing branch keeps.
fn neighbours(existing: &BTreeSet<B256>, deleted: &BTreeSet<B256>) -> Vec<B256> {
    let mut out = Vec::new();
    for key in deleted {
        if let Some(k) = existing.range(..*key).rev().find(|k| !deleted.contains(*k)) {
            out.push(*k);
        }
        if let Some(k) = existing.range(*key..).find(|k| !deleted.contains(*k)) {
            out.push(*k);
        }
    }
    out
}

/// Root of the trie of `leaves` (any order) and the nodes proving `targets`, by path.
fn trie_root<'a>(
    leaves: impl IntoIterator<Item = (B256, Vec<u8>)>,
    targets: impl IntoIterator<Item = &'a B256>,
) -> (B256, ProofNodes) {
    let mut leaves: Vec<_> = leaves.into_iter().collect();
    if leaves.is_empty() {
        return (EMPTY_ROOT_HASH, ProofNodes::default());
    }
    leaves.sort_unstable_by_key(|(key, _)| *key);
    let targets: Vec<Nibbles> = targets.into_iter().map(|k| Nibbles::unpack(k)).collect();
    let mut builder = HashBuilder::default().with_proof_retainer(ProofRetainer::new(targets));
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    let root = builder.root();
    (root, builder.take_proof_nodes())
}

/// Why a self-check failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelfCheckError {
    /// Witness generation failed.
    #[error("witness generation: {0}")]
    Generate(#[from] HostError),
    /// Stateless validation rejected the block with its own witness.
    #[error("stateless validation: {0}")]
    Validate(#[from] ValidationError),
    /// Stateless validation and the full state disagree on the post-state root.
    #[error("post-state root: full state {full}, stateless {stateless}")]
    RootMismatch {
        /// Root of the full post-state.
        full: B256,
        /// Root stateless validation reached.
        stateless: B256,
    },
}

/// Generates `block`'s witness from the full state, validates the block statelessly with it,
/// and checks both agree on the post-state root. Returns the generated witness and the chunk
/// info of the one-block chunk.
pub fn self_check(
    chain: &ChainSpec,
    state: &HostState,
    ancestors: &[Header],
    block: &Block<TxEnvelope>,
) -> Result<(GeneratedWitness, ChunkInfo), SelfCheckError> {
    let generated = state.generate_witness(chain, ancestors, block, &[])?;
    let input = ChunkInput {
        blocks: std::vec![block.clone()],
        witness: generated.witness.clone(),
        prev_msg_queue_hash: B256::ZERO,
        withdraw_root_slot: None,
    };
    let info = validate_chunk(chain, &input, &NativeCrypto)?;
    if info.post_state_root != generated.outcome.state_root {
        return Err(SelfCheckError::RootMismatch {
            full: generated.outcome.state_root,
            stateless: info.post_state_root,
        });
    }
    Ok((generated, info))
}

/// Fills a block template's body commitments (transactions and withdrawals roots, empty
/// requests hash) before execution.
pub fn fill_body_roots(block: &mut Block<TxEnvelope>) {
    block.header.transactions_root = calculate_transaction_root(&block.body.transactions);
    block.header.withdrawals_root = block
        .body
        .withdrawals
        .as_ref()
        .map(|w| calculate_withdrawals_root(w));
    if block.header.requests_hash.is_some() {
        block.header.requests_hash = Some(EMPTY_REQUESTS_HASH);
    }
}

/// The full state as a revm database, recording what execution reads.
#[derive(Debug)]
struct Recorder<'a> {
    state: &'a HostState,
    codes_by_hash: BTreeMap<B256, Bytes>,
    hashes: BTreeMap<u64, B256>,
    accounts: BTreeSet<Address>,
    slots: BTreeMap<Address, BTreeSet<U256>>,
    codes: BTreeMap<B256, Bytes>,
    lowest_block_hash: Option<u64>,
}

impl<'a> Recorder<'a> {
    fn new(state: &'a HostState, ancestors: &[Header]) -> Self {
        Self {
            state,
            codes_by_hash: state
                .accounts
                .values()
                .filter(|a| !a.code.is_empty())
                .map(|a| (a.code_hash(), a.code.clone()))
                .collect(),
            hashes: ancestors
                .iter()
                .map(|h| (h.number, h.hash_slow()))
                .collect(),
            accounts: BTreeSet::new(),
            slots: BTreeMap::new(),
            codes: BTreeMap::new(),
            lowest_block_hash: None,
        }
    }
}

impl Database for Recorder<'_> {
    type Error = HostError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, HostError> {
        self.accounts.insert(address);
        Ok(self.state.accounts.get(&address).map(|a| AccountInfo {
            balance: a.balance,
            nonce: a.nonce,
            code_hash: a.code_hash(),
            code: None,
            ..Default::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, HostError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        let code = self
            .codes_by_hash
            .get(&code_hash)
            .cloned()
            .unwrap_or_default();
        self.codes.insert(code_hash, code.clone());
        Ok(Bytecode::new_raw(code))
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, HostError> {
        self.accounts.insert(address);
        self.slots.entry(address).or_default().insert(index);
        Ok(self
            .state
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&index).copied())
            .unwrap_or_default())
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, HostError> {
        let hash = *self
            .hashes
            .get(&number)
            .ok_or(HostError::MissingHeader(number))?;
        self.lowest_block_hash = Some(self.lowest_block_hash.map_or(number, |n| n.min(number)));
        Ok(hash)
    }
}

//! Ethereum world state over sparse tries: the account trie and, opened lazily, one storage
//! trie per account, all revealed from one witness.

use alloc::{collections::BTreeMap, vec::Vec};

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};

use crate::trie::{SparseTrie, TrieError, WitnessNodes, EMPTY_ROOT_HASH};

/// An account as the state trie stores it (RLP list of four fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct StateAccount {
    /// Transactions sent (or contracts created, for contracts).
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Root of the account's storage trie.
    pub storage_root: B256,
    /// keccak256 of the account's code.
    pub code_hash: B256,
}

/// Why a state read or update failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The account trie cannot answer for `address`.
    #[error("account {address}: {source}")]
    Account {
        /// The account read or written.
        address: Address,
        /// The trie failure.
        source: TrieError,
    },
    /// The storage trie of `address` cannot answer for `slot`.
    #[error("storage slot {slot} of {address}: {source}")]
    Storage {
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
        /// The trie failure.
        source: TrieError,
    },
    /// An account leaf is not a valid RLP account.
    #[error("account {address}: invalid account leaf: {reason}")]
    InvalidAccount {
        /// The account.
        address: Address,
        /// The decoding failure.
        reason: &'static str,
    },
    /// A storage leaf is not a valid RLP integer.
    #[error("storage slot {slot} of {address}: invalid storage leaf: {reason}")]
    InvalidStorage {
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
        /// The decoding failure.
        reason: &'static str,
    },
}

/// The new state of one account after a block, as an executor reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChange {
    /// The account.
    pub address: Address,
    /// Nonce, balance and code hash; `None` when the account no longer exists.
    pub account: Option<AccountFields>,
    /// The account's storage was wiped (destroyed and possibly re-created) before `storage`.
    pub storage_wiped: bool,
    /// Slots and their new values (zero deletes the slot).
    pub storage: Vec<(U256, U256)>,
}

/// The account fields an execution can change directly (the storage root follows from storage).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountFields {
    /// New nonce.
    pub nonce: u64,
    /// New balance.
    pub balance: U256,
    /// New code hash.
    pub code_hash: B256,
}

/// World state revealed from a witness: reads prove presence or absence against the state root,
/// and [`WitnessState::apply`] moves to the post-state and its root.
#[derive(Clone, Debug)]
pub struct WitnessState {
    nodes: WitnessNodes,
    accounts: SparseTrie,
    storage: BTreeMap<Address, SparseTrie>,
}

impl WitnessState {
    /// The state with root `state_root`, revealed from `nodes` (account and storage trie nodes
    /// together, as in `debug_executionWitness`'s `state`).
    pub fn new(state_root: B256, nodes: WitnessNodes) -> Self {
        Self {
            nodes,
            accounts: SparseTrie::new(state_root),
            storage: BTreeMap::new(),
        }
    }

    /// The account at `address`, or `None` when the witness proves it absent.
    pub fn account(&mut self, address: Address) -> Result<Option<StateAccount>, StateError> {
        let leaf = self
            .accounts
            .get(&self.nodes, keccak256(address).as_slice())
            .map_err(|source| StateError::Account { address, source })?;
        leaf.map(|mut rlp| {
            let account =
                StateAccount::decode(&mut rlp).map_err(|e| invalid_account(address, e))?;
            if rlp.is_empty() {
                Ok(account)
            } else {
                Err(StateError::InvalidAccount {
                    address,
                    reason: "trailing bytes",
                })
            }
        })
        .transpose()
    }

    /// The value of `slot` in the storage of `address` (zero when absent, or when the account
    /// does not exist).
    pub fn storage(&mut self, address: Address, slot: U256) -> Result<U256, StateError> {
        self.open_storage(address)?;
        let trie = self.storage.get_mut(&address).expect("opened above");
        let leaf = trie
            .get(&self.nodes, slot_key(slot).as_slice())
            .map_err(|source| StateError::Storage {
                address,
                slot,
                source,
            })?;
        let Some(mut rlp) = leaf else {
            return Ok(U256::ZERO);
        };
        let invalid = |reason| StateError::InvalidStorage {
            address,
            slot,
            reason,
        };
        let value = U256::decode(&mut rlp).map_err(|e| invalid(rlp_reason(e)))?;
        if !rlp.is_empty() {
            return Err(invalid("trailing bytes"));
        }
        if value.is_zero() {
            return Err(invalid("zero is stored by deleting the slot"));
        }
        Ok(value)
    }

    /// Applies one block's changes and returns the new state root. Within each trie, upserts go
    /// before removals: a removal that collapses a branch then needs no sibling the insertions
    /// already revealed or re-created.
    ///
    /// After an error the state is unusable: the block is invalid.
    pub fn apply(&mut self, changes: &[AccountChange]) -> Result<B256, StateError> {
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        for change in changes {
            let address = change.address;
            let Some(fields) = change.account else {
                removals.push(address);
                self.storage.remove(&address);
                continue;
            };
            let storage_root = if change.storage_wiped || !change.storage.is_empty() {
                if change.storage_wiped {
                    self.storage
                        .insert(address, SparseTrie::new(EMPTY_ROOT_HASH));
                }
                self.update_storage(address, &change.storage)?
            } else {
                match self.account(address)? {
                    Some(existing) => existing.storage_root,
                    None => EMPTY_ROOT_HASH,
                }
            };
            let account = StateAccount {
                nonce: fields.nonce,
                balance: fields.balance,
                storage_root,
                code_hash: fields.code_hash,
            };
            upserts.push((address, alloy_rlp::encode(account)));
        }
        for (address, rlp) in upserts {
            self.accounts
                .insert(&self.nodes, keccak256(address).as_slice(), rlp)
                .map_err(|source| StateError::Account { address, source })?;
        }
        for address in removals {
            self.accounts
                .remove(&self.nodes, keccak256(address).as_slice())
                .map_err(|source| StateError::Account { address, source })?;
        }
        Ok(self.root())
    }

    /// The current state root.
    pub fn root(&self) -> B256 {
        self.accounts.root()
    }

    /// Writes `slots` into the storage trie of `address`; returns its new root.
    fn update_storage(
        &mut self,
        address: Address,
        slots: &[(U256, U256)],
    ) -> Result<B256, StateError> {
        self.open_storage(address)?;
        let trie = self.storage.get_mut(&address).expect("opened above");
        let (upserts, removals): (Vec<_>, Vec<_>) = slots.iter().partition(|(_, v)| !v.is_zero());
        for &(slot, value) in upserts {
            trie.insert(
                &self.nodes,
                slot_key(slot).as_slice(),
                alloy_rlp::encode(value),
            )
            .map_err(|source| StateError::Storage {
                address,
                slot,
                source,
            })?;
        }
        for &(slot, _) in removals {
            trie.remove(&self.nodes, slot_key(slot).as_slice())
                .map_err(|source| StateError::Storage {
                    address,
                    slot,
                    source,
                })?;
        }
        Ok(trie.root())
    }

    /// Opens the storage trie of `address` from the account's storage root, once.
    fn open_storage(&mut self, address: Address) -> Result<(), StateError> {
        if !self.storage.contains_key(&address) {
            let root = self
                .account(address)?
                .map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
            self.storage.insert(address, SparseTrie::new(root));
        }
        Ok(())
    }
}

/// The storage trie key of a slot: keccak256 of its 32-byte big-endian form.
pub fn slot_key(slot: U256) -> B256 {
    keccak256(slot.to_be_bytes::<32>())
}

fn invalid_account(address: Address, error: alloy_rlp::Error) -> StateError {
    StateError::InvalidAccount {
        address,
        reason: rlp_reason(error),
    }
}

fn rlp_reason(error: alloy_rlp::Error) -> &'static str {
    match error {
        alloy_rlp::Error::Overflow => "integer overflow",
        alloy_rlp::Error::LeadingZero => "integer with leading zero",
        alloy_rlp::Error::InputTooShort => "input too short",
        alloy_rlp::Error::NonCanonicalSingleByte | alloy_rlp::Error::NonCanonicalSize => {
            "non-canonical RLP"
        }
        alloy_rlp::Error::UnexpectedList | alloy_rlp::Error::UnexpectedString => {
            "unexpected RLP item kind"
        }
        alloy_rlp::Error::ListLengthMismatch { .. } => "wrong number of fields",
        _ => "malformed RLP",
    }
}

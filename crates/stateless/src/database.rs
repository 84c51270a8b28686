//! The witness as a revm [`Database`]: accounts and storage from the sparse tries, code by hash
//! and BLOCKHASH from the witness. Anything the witness does not prove is an error, never a
//! default value.

use alloc::{boxed::Box, collections::BTreeMap};

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use revm::{
    database_interface::DBErrorMarker,
    primitives::{StorageKey, StorageValue, KECCAK_EMPTY},
    state::{AccountInfo, Bytecode},
    Database,
};

use crate::state::{StateError, WitnessState};

/// Why the witness database cannot answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseError {
    /// An account or storage read failed (boxed: trie errors carry paths).
    #[error(transparent)]
    State(Box<StateError>),
    /// Code with this hash is not in the witness.
    #[error("witness lacks the code with hash {0}")]
    MissingCode(B256),
    /// A witness code entry is not valid bytecode.
    #[error("witness code {hash} is invalid: {reason}")]
    InvalidCode {
        /// keccak256 of the code.
        hash: B256,
        /// Why it does not decode.
        reason: &'static str,
    },
    /// BLOCKHASH asked for a block whose header the witness lacks.
    #[error("witness lacks the header of block {0} (BLOCKHASH)")]
    MissingBlockHash(u64),
}

impl DBErrorMarker for DatabaseError {}

impl From<StateError> for DatabaseError {
    fn from(error: StateError) -> Self {
        Self::State(Box::new(error))
    }
}

/// A revm database over a [`WitnessState`], the witness's codes and its ancestor block hashes.
#[derive(Clone, Debug)]
pub struct WitnessDatabase {
    state: WitnessState,
    codes: BTreeMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
}

impl WitnessDatabase {
    /// Indexes `codes` by their keccak hash. `block_hashes` maps block numbers to hashes (from
    /// the witness's verified ancestor headers).
    pub fn new<I, C>(
        state: WitnessState,
        codes: I,
        block_hashes: BTreeMap<u64, B256>,
    ) -> Result<Self, DatabaseError>
    where
        I: IntoIterator<Item = C>,
        C: Into<Bytes>,
    {
        let codes = codes
            .into_iter()
            .map(|code| {
                let code = code.into();
                let hash = keccak256(&code);
                Bytecode::new_raw_checked(code)
                    .map(|bytecode| (hash, bytecode))
                    .map_err(|_| DatabaseError::InvalidCode {
                        hash,
                        reason: "malformed EIP-7702 delegation",
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            state,
            codes,
            block_hashes,
        })
    }

    /// Records the hash of a block validated in this chunk, for later blocks' BLOCKHASH.
    pub fn insert_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }

    /// The state, to apply a block's changes and read the post-state root.
    pub fn state_mut(&mut self) -> &mut WitnessState {
        &mut self.state
    }
}

impl Database for WitnessDatabase {
    type Error = DatabaseError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DatabaseError> {
        Ok(self.state.account(address)?.map(|account| AccountInfo {
            balance: account.balance,
            nonce: account.nonce,
            code_hash: account.code_hash,
            code: None,
            ..Default::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DatabaseError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        self.codes
            .get(&code_hash)
            .cloned()
            .ok_or(DatabaseError::MissingCode(code_hash))
    }

    fn storage(
        &mut self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, DatabaseError> {
        Ok(self.state.storage(address, U256::from(index))?)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, DatabaseError> {
        self.block_hashes
            .get(&number)
            .copied()
            .ok_or(DatabaseError::MissingBlockHash(number))
    }
}

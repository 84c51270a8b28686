//! The execution witness, shaped like geth/reth's `debug_executionWitness` result.

use alloc::vec::Vec;

use alloy_primitives::Bytes;
use serde::{Deserialize, Serialize};

/// Everything stateless validation reads besides the blocks: trie nodes, codes and ancestor
/// headers (JSON field names as in `debug_executionWitness`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionWitness {
    /// RLP trie nodes (account and storage tries) proving every touched account and slot in the
    /// pre-state, plus the siblings that deletions need.
    pub state: Vec<Bytes>,
    /// Bytecode of every contract whose code execution loaded.
    pub codes: Vec<Bytes>,
    /// Preimages of the touched trie keys (addresses and slots); informational.
    #[serde(default)]
    pub keys: Vec<Bytes>,
    /// RLP ancestor headers: the parent of the first block and back to the lowest block
    /// BLOCKHASH asked for.
    #[serde(default)]
    pub headers: Vec<Bytes>,
}

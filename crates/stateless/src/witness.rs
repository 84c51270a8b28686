//! The execution witness, shaped like geth/reth's `debug_executionWitness` result.

use alloc::{
    collections::{BTreeMap, BTreeSet},
    vec::Vec,
};

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use alloy_rlp::Decodable;
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

/// Merges the witnesses of a chunk's consecutive blocks (each against its own pre-state) into
/// one chunk witness: nodes, codes and keys deduplicated (sorted), ancestor headers kept only
/// below `first_block` (one per number). Malformed header RLP is dropped here; validation then
/// reports the header it misses.
pub fn merge_witnesses<'a>(
    first_block: u64,
    witnesses: impl IntoIterator<Item = &'a ExecutionWitness>,
) -> ExecutionWitness {
    let mut state = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut headers = BTreeMap::new();
    for witness in witnesses {
        state.extend(witness.state.iter().cloned());
        codes.extend(witness.codes.iter().cloned());
        keys.extend(witness.keys.iter().cloned());
        for rlp in &witness.headers {
            if let Ok(header) = Header::decode(&mut rlp.as_ref()) {
                if header.number < first_block {
                    headers.insert(header.number, rlp.clone());
                }
            }
        }
    }
    ExecutionWitness {
        state: state.into_iter().collect(),
        codes: codes.into_iter().collect(),
        keys: keys.into_iter().collect(),
        headers: headers.into_values().collect(),
    }
}

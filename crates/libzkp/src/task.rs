//! The universal task: what a prover receives for any task type, as in the original stack:
//! `{serialized_witness, aggregated_proofs, fork_name, vk, identifier}`. For a chunk the
//! witness list holds one encoded [`ChunkWitness`] and there are no child proofs; the
//! identifier is `"<first block>-<last block>"`.

use alloy_primitives::B256;
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChunkWitness, NativeCrypto};
use serde::{Deserialize, Serialize};

use crate::{
    proof::{base64_bytes, ChunkProofMetadata},
    Error,
};

/// A task as the prover receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniversalTask {
    /// Serialized witnesses (base64 each); one [`ChunkWitness`] for a chunk.
    #[serde(with = "base64_list")]
    pub serialized_witness: Vec<Vec<u8>>,
    /// Child proofs (wrapped-proof JSON) for batches and bundles; empty for chunks.
    pub aggregated_proofs: Vec<serde_json::Value>,
    /// The fork whose circuit must prove it.
    pub fork_name: ForkName,
    /// The verifying key the proof must be for (base64).
    #[serde(with = "base64_bytes")]
    pub vk: Vec<u8>,
    /// Human-readable task id (chunk: `first-last` block numbers).
    pub identifier: String,
}

/// A chunk task ready to hand out, with what its proof must claim.
#[derive(Clone, Debug)]
pub struct ChunkTask {
    /// The task for the prover.
    pub task: UniversalTask,
    /// The metadata a valid proof carries.
    pub metadata: ChunkProofMetadata,
    /// The public-input hash a valid proof reveals.
    pub expected_pi_hash: B256,
}

/// Builds a chunk's universal task for the fork's verifying key `vk`. The chunk is validated
/// natively first, so a task that cannot be proven is refused here, not after proving.
pub fn chunk_task(witness: &ChunkWitness, vk: &[u8]) -> Result<ChunkTask, Error> {
    let chunk_info = witness.validate(&NativeCrypto)?;
    let blocks = &witness.input.blocks;
    let (first, last) = match (blocks.first(), blocks.last()) {
        (Some(first), Some(last)) => (first.header.number, last.header.number),
        _ => unreachable!("validation rejects empty chunks"),
    };
    let metadata = ChunkProofMetadata {
        chunk_info,
        chunk_total_gas: blocks.iter().map(|b| b.header.gas_used).sum(),
        fork_name: witness.fork,
    };
    Ok(ChunkTask {
        task: UniversalTask {
            serialized_witness: vec![witness.encode()],
            aggregated_proofs: Vec::new(),
            fork_name: witness.fork,
            vk: vk.to_vec(),
            identifier: format!("{first}-{last}"),
        },
        expected_pi_hash: metadata.pi_hash(),
        metadata,
    })
}

impl UniversalTask {
    /// The chunk witness of a chunk task (exactly one, for the task's fork).
    pub fn chunk_witness(&self) -> Result<ChunkWitness, Error> {
        let [bytes] = self.serialized_witness.as_slice() else {
            return Err(Error::Task(format!(
                "a chunk task carries one witness, found {}",
                self.serialized_witness.len()
            )));
        };
        let witness = ChunkWitness::decode(bytes)?;
        if witness.fork != self.fork_name {
            return Err(Error::Task(format!(
                "the witness is for fork {}, the task for {}",
                witness.fork, self.fork_name
            )));
        }
        Ok(witness)
    }
}

/// Serde for a list of byte strings as base64 strings.
mod base64_list {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(items: &[Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(items.iter().map(|bytes| STANDARD.encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .into_iter()
            .map(|text| {
                STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
            })
            .collect()
    }
}

//! The universal task: what a prover receives for any task type, as in the original stack:
//! `{serialized_witness, aggregated_proofs, fork_name, vk, identifier}`. For a chunk the
//! witness list holds one encoded [`ChunkWitness`] and there are no child proofs; the
//! identifier is `"<first block>-<last block>"`.
//!
//! [`ChunkTaskInput`] is the coordinator's chunk task as rollproof defines it: unlike the
//! original (block hashes the library expands through an L2 node), it carries the encoded
//! witness itself, because our coordinator builds chunk witnesses from its database.
//!
//! Batch and bundle tasks are in [`crate::aggregation`].

use alloy_primitives::B256;
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChunkWitness, NativeCrypto};
use serde::{Deserialize, Serialize};

use crate::{
    proof::{base64_bytes, ChunkProofMetadata, ProofMetadata},
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
    /// The [`vk_id`](crate::verifier::vk_id) of the key the proof must be for (base64).
    #[serde(with = "base64_bytes")]
    pub vk: Vec<u8>,
    /// Human-readable task id (chunk: `first-last` block numbers).
    pub identifier: String,
}

/// A task ready to hand out, with what its proof must claim (`M`: the proof type's metadata).
#[derive(Clone, Debug)]
pub struct ProvingTask<M> {
    /// The task for the prover.
    pub task: UniversalTask,
    /// The metadata a valid proof carries.
    pub metadata: M,
    /// The public-input hash a valid proof reveals.
    pub expected_pi_hash: B256,
}

impl<M: Serialize> ProvingTask<M> {
    /// The universal task as JSON (what the prover receives).
    pub fn task_json(&self) -> String {
        serde_json::to_string(&self.task).expect("a task always serializes")
    }

    /// The metadata as JSON (what the proof's metadata must be).
    pub fn metadata_json(&self) -> String {
        serde_json::to_string(&self.metadata).expect("proof metadata always serializes")
    }
}

/// A chunk task ready to hand out, with what its proof must claim.
pub type ChunkTask = ProvingTask<ChunkProofMetadata>;

/// Builds a chunk's universal task for the fork's verifying key, identified by `vk` (its
/// [`vk_id`](crate::verifier::vk_id)). The chunk is validated
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
    Ok(ProvingTask {
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

/// The coordinator's chunk task: `{"witness": "<base64 of ChunkWitness::encode()>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkTaskInput {
    /// The encoded [`ChunkWitness`] (base64 on the wire).
    #[serde(with = "base64_bytes")]
    pub witness: Vec<u8>,
}

impl ChunkTaskInput {
    /// The task input for `witness`.
    pub fn new(witness: &ChunkWitness) -> Self {
        Self {
            witness: witness.encode(),
        }
    }

    /// Parses the task input from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| Error::Task(format!("malformed chunk task: {e}")))
    }

    /// Decodes the witness, checks it is for `fork` and builds its universal task for the
    /// verifying key `vk` (which must not be empty) with [`chunk_task`].
    pub fn to_task(&self, fork: ForkName, vk: &[u8]) -> Result<ChunkTask, Error> {
        if vk.is_empty() {
            return Err(Error::Task("no verifying key given for the task".into()));
        }
        let witness = ChunkWitness::decode(&self.witness)?;
        if witness.fork != fork {
            return Err(Error::Task(format!(
                "the witness is for fork {}, the task for {fork}",
                witness.fork
            )));
        }
        chunk_task(&witness, vk)
    }
}

impl UniversalTask {
    /// Checks that the task is for `vk` (the verifying key of the prover's `circuit`) and
    /// returns the key's [`vk_id`](crate::verifier::vk_id) for the wrapped proof.
    pub fn require_vk(
        &self,
        vk: &rollproof_zkvm::StarkVerifyingKey,
        circuit: &'static str,
    ) -> Result<Vec<u8>, Error> {
        let id = crate::verifier::vk_id(vk);
        if self.vk != id {
            return Err(Error::WrongVk(circuit));
        }
        Ok(id)
    }

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

#[cfg(test)]
mod tests {
    use rollproof_devnet::sample::sample_chunk;

    use super::*;

    #[test]
    fn chunk_task_input_builds_the_universal_task() {
        let witness = sample_chunk();
        let input = ChunkTaskInput::new(&witness);
        let json = serde_json::to_vec(&input).unwrap();
        let parsed = ChunkTaskInput::from_json(&json).unwrap();
        assert_eq!(parsed, input);

        let built = parsed.to_task(ForkName::Galileo, b"vk").unwrap();
        let direct = chunk_task(&witness, b"vk").unwrap();
        assert_eq!(built.task, direct.task);
        assert_eq!(built.metadata, direct.metadata);
        assert_eq!(built.expected_pi_hash, built.metadata.pi_hash());
        assert_eq!(built.task.identifier, "1-1");
        assert_eq!(built.task.vk, b"vk");
        assert_eq!(
            built.task.chunk_witness().unwrap().encode(),
            witness.encode()
        );
    }

    #[test]
    fn chunk_task_input_refuses_bad_input() {
        let input = ChunkTaskInput::new(&sample_chunk());
        let task_error = |result: Result<ChunkTask, Error>| match result {
            Err(Error::Task(message)) => message,
            other => panic!("expected a task error, got {other:?}"),
        };
        assert!(task_error(input.to_task(ForkName::GalileoV2, b"vk")).contains("for fork galileo"));
        assert!(task_error(input.to_task(ForkName::Galileo, b"")).contains("verifying key"));
        let garbage = ChunkTaskInput {
            witness: vec![0xff, 1, 2],
        };
        assert!(matches!(
            garbage.to_task(ForkName::Galileo, b"vk"),
            Err(Error::Codec(_))
        ));
        for bad in [
            &b"garbage"[..],
            br#"{"witness": "not base64!"}"#,
            br#"{"witness": "AA==", "extra": 1}"#,
            br#"{"block_hashes": []}"#,
        ] {
            assert!(
                matches!(ChunkTaskInput::from_json(bad), Err(Error::Task(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}

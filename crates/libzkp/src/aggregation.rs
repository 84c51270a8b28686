//! Batch and bundle tasks: what the coordinator hands in ([`BatchTaskInput`],
//! [`BundleTaskInput`], JSON with the reference's field names), the universal tasks built from
//! them ([`BatchTaskInput::to_task`], [`BundleTaskInput::to_task`]) and what a prover reads back
//! out of a universal task ([`UniversalTask::batch_input`], [`UniversalTask::bundle_batches`]).
//!
//! A batch's universal task carries its chunk proofs in `aggregated_proofs` and one serialized
//! witness, the JSON of [`BatchTaskData`] (header, blob data, KZG commitment and proof); a
//! bundle's carries its batch proofs and no witness. Identifiers are the reference's: a batch's
//! hash, a bundle's `<first batch hash>-<last batch hash>`.
//!
//! Building a batch task recomputes the blob's KZG commitment, the challenge digest and the KZG
//! proof from the blob data, refuses a task whose supplied values differ, and checks the batch
//! natively ([`BatchInput::check`]), so a batch that cannot be proven never reaches a prover.

use alloy_primitives::B256;
use rollproof_primitives::{
    BatchHeader, Blob, BlobDataProof, BundleInfo, ChunkInfo, ForkName, KzgPoint,
};
use rollproof_zkvm::StarkProof;
use serde::{Deserialize, Serialize};

use crate::{
    bundle::ProvenBatch,
    proof::{base64_bytes, BatchProof, BatchProofMetadata, BundleProofMetadata, ProofMetadata},
    task::{ProvingTask, UniversalTask},
    BatchInput, ChunkProof, Error,
};

/// A batch task ready to hand out, with what its proof must claim.
pub type BatchTask = ProvingTask<BatchProofMetadata>;
/// A bundle task ready to hand out, with what its proof must claim.
pub type BundleTask = ProvingTask<BundleProofMetadata>;

/// The coordinator's batch task: `{chunk_proofs, batch_header, blob_bytes, kzg_commitment,
/// kzg_proof, challenge_digest?, chunk_infos?}`. `batch_header` and `blob_bytes` (the blob's
/// data: the codec envelope) are base64; the KZG values and the digest 0x-hex. `chunk_infos`,
/// when given, must be the chunk proofs' infos.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchTaskInput {
    /// The batch's chunk proofs, in chunk order (each verified when it was submitted).
    pub chunk_proofs: Vec<ChunkProof>,
    /// The chunks' infos; redundant with the proofs' metadata and checked against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_infos: Option<Vec<ChunkInfo>>,
    /// The encoded batch header (the fork's codec version).
    #[serde(with = "base64_bytes")]
    pub batch_header: Vec<u8>,
    /// The blob's data: the codec envelope of the batch payload.
    #[serde(with = "base64_bytes")]
    pub blob_bytes: Vec<u8>,
    /// The blob's KZG commitment, as the batch was committed with.
    pub kzg_commitment: KzgPoint,
    /// The KZG proof of the blob at the challenge point.
    pub kzg_proof: KzgPoint,
    /// The challenge digest, when the caller has it (checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_digest: Option<B256>,
}

/// The batch data inside a batch's universal task (its one serialized witness, as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchTaskData {
    /// The encoded batch header.
    #[serde(with = "base64_bytes")]
    pub batch_header: Vec<u8>,
    /// The blob's data (codec envelope).
    #[serde(with = "base64_bytes")]
    pub blob_bytes: Vec<u8>,
    /// The blob's KZG commitment.
    pub kzg_commitment: KzgPoint,
    /// The KZG proof at the challenge point.
    pub kzg_proof: KzgPoint,
}

fn task_error(message: String) -> Error {
    Error::Task(message)
}

fn require_vk(vk: &[u8]) -> Result<(), Error> {
    if vk.is_empty() {
        return Err(task_error("no verifying key given for the task".into()));
    }
    Ok(())
}

fn header_for(bytes: &[u8], fork: ForkName) -> Result<BatchHeader, Error> {
    BatchHeader::decode_for_fork(bytes, fork).map_err(|e| task_error(format!("batch header: {e}")))
}

impl BatchTaskInput {
    /// Parses the task input from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| task_error(format!("malformed batch task: {e}")))
    }

    /// The task input of `input` (as [`BatchInput::assemble`] made it).
    pub fn from_input(input: &BatchInput) -> Self {
        Self {
            chunk_proofs: input.chunk_proofs.clone(),
            chunk_infos: None,
            batch_header: input.header.to_bytes().to_vec(),
            blob_bytes: input.blob_envelope.clone(),
            kzg_commitment: input.kzg_commitment,
            kzg_proof: input.kzg_proof,
            challenge_digest: None,
        }
    }

    /// The batch input for `fork`, after recomputing the blob's commitment, challenge digest
    /// and KZG proof and comparing them with the supplied ones.
    pub fn to_input(&self, fork: ForkName) -> Result<BatchInput, Error> {
        if let Some(infos) = &self.chunk_infos {
            let from_proofs: Vec<&ChunkInfo> = self
                .chunk_proofs
                .iter()
                .map(|proof| &proof.metadata.chunk_info)
                .collect();
            if infos.iter().collect::<Vec<_>>() != from_proofs {
                return Err(task_error(
                    "chunk_infos are not the chunk proofs' infos".into(),
                ));
            }
        }
        let header = header_for(&self.batch_header, fork)?;
        let blob = Blob::from_envelope_bytes(&self.blob_bytes)
            .map_err(|e| task_error(format!("blob_bytes: {e}")))?;
        let digest = blob.challenge_digest(&header.blob_versioned_hash);
        if let Some(supplied) = self.challenge_digest {
            if supplied != digest {
                return Err(task_error(format!(
                    "challenge_digest {supplied} is not the blob's ({digest})"
                )));
            }
        }
        let opening = BlobDataProof::compute(&blob, &digest)
            .map_err(|e| task_error(format!("opening the blob: {e}")))?;
        if opening.commitment != self.kzg_commitment {
            return Err(task_error(format!(
                "kzg_commitment {} is not the blob's ({})",
                self.kzg_commitment, opening.commitment
            )));
        }
        if opening.proof != self.kzg_proof {
            return Err(task_error(format!(
                "kzg_proof {} is not the blob's at the challenge point ({})",
                self.kzg_proof, opening.proof
            )));
        }
        Ok(BatchInput {
            fork,
            chunk_proofs: self.chunk_proofs.clone(),
            header,
            blob_envelope: self.blob_bytes.clone(),
            kzg_commitment: self.kzg_commitment,
            kzg_proof: self.kzg_proof,
        })
    }

    /// Builds the batch's universal task for `fork` and the batch verifying key `vk` (its
    /// [`vk_id`](crate::verifier::vk_id), not empty): recomputes and compares the blob values
    /// ([`Self::to_input`]), then checks the batch natively ([`BatchInput::check`]).
    pub fn to_task(&self, fork: ForkName, vk: &[u8]) -> Result<BatchTask, Error> {
        require_vk(vk)?;
        let input = self.to_input(fork)?;
        let info = input.check()?;
        let data = BatchTaskData {
            batch_header: self.batch_header.clone(),
            blob_bytes: self.blob_bytes.clone(),
            kzg_commitment: self.kzg_commitment,
            kzg_proof: self.kzg_proof,
        };
        let identifier = info.batch_hash.to_string();
        let metadata = BatchProofMetadata::new(info, fork);
        Ok(ProvingTask {
            task: UniversalTask {
                serialized_witness: vec![
                    serde_json::to_vec(&data).expect("batch data always serializes")
                ],
                aggregated_proofs: self.chunk_proofs.iter().map(to_value).collect(),
                fork_name: fork,
                vk: vk.to_vec(),
                identifier,
            },
            expected_pi_hash: metadata.pi_hash(),
            metadata,
        })
    }
}

fn to_value<T: Serialize>(proof: &T) -> serde_json::Value {
    serde_json::to_value(proof).expect("a proof always serializes")
}

/// The coordinator's bundle task: `{batch_proofs, bundle_info?}`. `bundle_info`, when given,
/// must be the info the batches make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleTaskInput {
    /// The bundle's batch proofs, in batch order (each verified when it was submitted).
    pub batch_proofs: Vec<BatchProof>,
    /// The bundle's info, when the caller has it (checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_info: Option<BundleInfo>,
}

impl BundleTaskInput {
    /// Parses the task input from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| task_error(format!("malformed bundle task: {e}")))
    }

    /// Builds the bundle's universal task for `fork` and the bundle verifying key `vk`: every
    /// batch proof must be for `fork` with consistent metadata, and the batches must chain.
    pub fn to_task(&self, fork: ForkName, vk: &[u8]) -> Result<BundleTask, Error> {
        require_vk(vk)?;
        let infos = batch_infos(&self.batch_proofs, fork)?;
        let info = BundleInfo::from_batches(&infos)
            .map_err(|e| task_error(format!("bundle does not check: {e}")))?;
        if let Some(supplied) = &self.bundle_info {
            if *supplied != info {
                return Err(task_error(format!(
                    "bundle_info is not the batches' bundle: supplied {supplied:?}, the batches \
                     make {info:?}"
                )));
            }
        }
        let (first, last) = (&infos[0], &infos[infos.len() - 1]);
        let identifier = format!("{}-{}", first.batch_hash, last.batch_hash);
        let metadata = BundleProofMetadata::new(info, fork);
        Ok(ProvingTask {
            task: UniversalTask {
                serialized_witness: Vec::new(),
                aggregated_proofs: self.batch_proofs.iter().map(to_value).collect(),
                fork_name: fork,
                vk: vk.to_vec(),
                identifier,
            },
            expected_pi_hash: metadata.pi_hash(),
            metadata,
        })
    }
}

/// The batch infos of `proofs`, each checked to be a consistent proof for `fork`.
fn batch_infos(
    proofs: &[BatchProof],
    fork: ForkName,
) -> Result<Vec<rollproof_primitives::BatchInfo>, Error> {
    proofs
        .iter()
        .enumerate()
        .map(|(position, proof)| {
            if proof.metadata.fork_name != fork {
                return Err(task_error(format!(
                    "batch proof {position} is for fork {}, the bundle for {fork}",
                    proof.metadata.fork_name
                )));
            }
            proof
                .metadata
                .check_consistent()
                .map_err(|e| task_error(format!("batch proof {position}: {e}")))?;
            Ok(proof.metadata.batch_info.clone())
        })
        .collect()
}

/// The wrapped proofs in a task's `aggregated_proofs`.
fn child_proofs<M: serde::de::DeserializeOwned>(
    task: &UniversalTask,
    what: &str,
) -> Result<Vec<crate::WrappedProof<M>>, Error> {
    task.aggregated_proofs
        .iter()
        .enumerate()
        .map(|(position, value)| {
            serde_json::from_value(value.clone())
                .map_err(|e| task_error(format!("{what} proof {position}: {e}")))
        })
        .collect()
}

impl UniversalTask {
    /// The batch input of a batch task: its chunk proofs and its one [`BatchTaskData`] witness,
    /// the header decoded for the task's fork.
    pub fn batch_input(&self) -> Result<BatchInput, Error> {
        let [bytes] = self.serialized_witness.as_slice() else {
            return Err(task_error(format!(
                "a batch task carries one witness, found {}",
                self.serialized_witness.len()
            )));
        };
        let data: BatchTaskData = serde_json::from_slice(bytes)
            .map_err(|e| task_error(format!("batch task data: {e}")))?;
        Ok(BatchInput {
            fork: self.fork_name,
            chunk_proofs: child_proofs(self, "chunk")?,
            header: header_for(&data.batch_header, self.fork_name)?,
            blob_envelope: data.blob_bytes,
            kzg_commitment: data.kzg_commitment,
            kzg_proof: data.kzg_proof,
        })
    }

    /// The batches of a bundle task: each batch proof's info (checked for the task's fork) and
    /// bare proof.
    pub fn bundle_batches(&self) -> Result<Vec<ProvenBatch>, Error> {
        if !self.serialized_witness.is_empty() {
            return Err(task_error(format!(
                "a bundle task carries no witness, found {}",
                self.serialized_witness.len()
            )));
        }
        let proofs: Vec<BatchProof> = child_proofs(self, "batch")?;
        let infos = batch_infos(&proofs, self.fork_name)?;
        Ok(proofs
            .into_iter()
            .zip(infos)
            .map(|(proof, info)| ProvenBatch {
                info,
                proof: StarkProof(proof.proof),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use rollproof_primitives::{BatchInfo, Domain, PiVersion, PublicInputs};

    use super::*;
    use crate::WrappedProof;

    const FORK: ForkName = ForkName::Galileo;

    /// Batch `i` of a chain whose roots and hashes are derived from `i`.
    fn info(i: u8) -> BatchInfo {
        BatchInfo {
            parent_state_root: B256::repeat_byte(i),
            parent_batch_hash: B256::repeat_byte(0x80 + i),
            state_root: B256::repeat_byte(i + 1),
            batch_hash: B256::repeat_byte(0x80 + i + 1),
            chain_id: 7,
            withdraw_root: B256::repeat_byte(0x40 + i),
            prev_msg_queue_hash: B256::repeat_byte(0x20 + i),
            post_msg_queue_hash: B256::repeat_byte(0x20 + i + 1),
        }
    }

    fn proof(info: BatchInfo) -> BatchProof {
        WrappedProof {
            metadata: BatchProofMetadata::new(info, FORK),
            proof: vec![1, 2, 3],
            vk: b"batch-vk".to_vec(),
            git_version: "test".into(),
        }
    }

    fn refused(input: &BundleTaskInput) -> String {
        match input.to_task(FORK, b"vk") {
            Err(Error::Task(message)) => message,
            other => panic!("expected a task error, got {other:?}"),
        }
    }

    #[test]
    fn bundle_tasks_carry_chained_batches_and_read_back() {
        let input = BundleTaskInput {
            batch_proofs: vec![proof(info(1)), proof(info(2))],
            bundle_info: None,
        };
        let json = serde_json::to_vec(&input).unwrap();
        assert_eq!(BundleTaskInput::from_json(&json).unwrap(), input);
        let built = input.to_task(FORK, b"bundle-vk").unwrap();
        let expected = BundleInfo::from_batches(&[info(1), info(2)]).unwrap();
        assert_eq!(built.metadata.bundle_info, expected);
        assert_eq!(
            built.metadata.bundle_pi_hash,
            expected.pi_hash(PiVersion::new(FORK, Domain::Rollup).byte())
        );
        assert_eq!(built.expected_pi_hash, built.metadata.bundle_pi_hash);
        assert_eq!(
            built.task.identifier,
            format!("{}-{}", info(1).batch_hash, info(2).batch_hash)
        );
        assert!(built.task.serialized_witness.is_empty());

        let batches = built.task.bundle_batches().unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[1].info, info(2));
        assert_eq!(batches[0].proof.0, vec![1, 2, 3]);
        assert!(
            built.task.batch_input().is_err(),
            "a bundle task is no batch task"
        );

        // The supplied info must be the batches'.
        let mut given = input.clone();
        given.bundle_info = Some(expected.clone());
        given.to_task(FORK, b"vk").unwrap();
        given.bundle_info = Some(BundleInfo {
            num_batches: 3,
            ..expected
        });
        assert!(refused(&given).contains("bundle_info"));
    }

    #[test]
    fn bundle_tasks_refuse_broken_chains_forks_and_inconsistent_metadata() {
        let gap = BundleTaskInput {
            batch_proofs: vec![proof(info(1)), proof(info(3))],
            bundle_info: None,
        };
        assert!(refused(&gap).contains("bundle does not check"));
        let empty = BundleTaskInput {
            batch_proofs: vec![],
            bundle_info: None,
        };
        assert!(refused(&empty).contains("bundle does not check"));

        let mut other_fork = proof(info(1));
        other_fork.metadata.fork_name = ForkName::GalileoV2;
        let input = BundleTaskInput {
            batch_proofs: vec![other_fork],
            bundle_info: None,
        };
        assert!(refused(&input)
            .to_lowercase()
            .contains("is for fork galileov2"));

        let mut inconsistent = proof(info(1));
        inconsistent.metadata.batch_hash = B256::repeat_byte(9);
        let input = BundleTaskInput {
            batch_proofs: vec![inconsistent],
            bundle_info: None,
        };
        assert!(refused(&input).contains("batch_hash"));

        let fine = BundleTaskInput {
            batch_proofs: vec![proof(info(1))],
            bundle_info: None,
        };
        assert!(
            matches!(fine.to_task(FORK, b""), Err(Error::Task(m)) if m.contains("verifying key"))
        );
        for malformed in [&b"{}"[..], b"[]", br#"{"batch_proofs": [], "extra": 1}"#] {
            assert!(matches!(
                BundleTaskInput::from_json(malformed),
                Err(Error::Task(message)) if message.contains("malformed bundle task")
            ));
        }
    }
}

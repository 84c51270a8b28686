//! The bundle guest's witness.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::{batch::BatchInfo, bundle::BundleInfo, error::ChainError, fork::ForkName};

/// What the bundle guest reads: the batches' public inputs and one proof handle each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleWitness {
    /// The bundle's fork (its public-input version).
    pub fork: ForkName,
    /// The batches' public inputs, in order.
    pub batch_infos: Vec<BatchInfo>,
    /// One deferral input commit per batch proof, in order (see `rollproof_zkvm::ChildVerifier`).
    pub batch_proof_commits: Vec<[u8; 32]>,
}

impl BundleWitness {
    /// The bundle's public inputs; the batches must be non-empty and chained.
    pub fn bundle_info(&self) -> Result<BundleInfo, ChainError> {
        BundleInfo::from_batches(&self.batch_infos)
    }
}

//! Proof verification. The real verifier comes from libzkp (not built yet); until then the
//! shipped default, [`NoVerifier`], rejects every proof with "no verifier configured for fork X".

use rollproof_primitives::TaskType;

/// Verifies a submitted proof of a task of `task_type` made for `fork`.
pub trait ProofVerifier: Send + Sync + 'static {
    /// `Ok(())` when the proof verifies; `Err(reason)` otherwise.
    fn verify(&self, fork: &str, task_type: TaskType, proof: &[u8]) -> Result<(), String>;
}

/// The default: no verifier assets are loaded, so no proof can be accepted.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVerifier;

impl ProofVerifier for NoVerifier {
    fn verify(&self, fork: &str, task_type: TaskType, _proof: &[u8]) -> Result<(), String> {
        Err(format!(
            "no verifier configured for fork {fork} ({task_type} proofs need libzkp)"
        ))
    }
}

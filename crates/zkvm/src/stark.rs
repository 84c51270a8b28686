//! Aggregated STARK proofs: one constant-size proof of a whole program run (every continuation
//! segment folded through OpenVM's leaf and internal aggregation layers). This is the proof
//! provers submit and that batch and bundle guests verify through deferral.
//!
//! Wire forms: a [`StarkProof`] is the SDK's encoded `VmStarkProof`, zstd-compressed (what
//! `openvm-verify-stark-host` verifies); a [`StarkVerifyingKey`] is the aggregation verifying
//! key plus the program's verification baseline (program commitment, memory layout, number of
//! public values, the aggregation layers' commitments), bitcode-encoded as the SDK stores it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use openvm_stark_backend::codec::{Decode, Encode};
use openvm_verify_stark_host::{
    verify_vm_stark_proof_decoded, vk::VmStarkVerifyingKey, VmStarkProof,
};

use crate::{
    app::{panic_message, public_value_bytes},
    AppProgram, ChildInputs, StdIn, ZkvmError,
};

/// An aggregated STARK proof (compressed bytes; untrusted until verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarkProof(pub Vec<u8>);

/// The key that verifies one program's aggregated proofs under one VM configuration.
#[derive(Clone, Debug)]
pub struct StarkVerifyingKey(VmStarkVerifyingKey);

/// zstd level for proofs: proofs are mostly field elements, so higher levels gain little.
const ZSTD_LEVEL: i32 = 3;

impl AppProgram {
    /// Proves one run of the program on `input` and aggregates it into one STARK proof.
    /// Generates the app and aggregation keys on first use.
    pub fn prove_stark(&self, input: StdIn) -> Result<StarkProof, ZkvmError> {
        self.prove_stark_with(input, None)
    }

    /// [`Self::prove_stark`] for a parent program: `children` (made by the program's
    /// [`ChildVerifier`](crate::ChildVerifier)) are verified inside the proof.
    pub fn prove_stark_with(
        &self,
        mut input: StdIn,
        children: Option<&ChildInputs>,
    ) -> Result<StarkProof, ZkvmError> {
        let sdk = self.aggregating_sdk()?;
        let deferral_inputs = match children {
            Some(children) => {
                children.attach(&mut input);
                children.proving_inputs()
            }
            None => Vec::new(),
        };
        // The SDK panics on some internal failures; a prover must report them, not abort.
        let (proof, _baseline) = catch_unwind(AssertUnwindSafe(|| {
            sdk.prove(self.exe(), input, &deferral_inputs)
        }))
        .map_err(|panic| ZkvmError::Proving(panic_message(&panic)))?
        .map_err(|e| ZkvmError::Proving(e.to_string()))?;
        let encoded = proof
            .encode_to_vec()
            .map_err(|e| ZkvmError::Proving(format!("encoding the proof: {e}")))?;
        zstd::encode_all(encoded.as_slice(), ZSTD_LEVEL)
            .map(StarkProof)
            .map_err(|e| ZkvmError::Proving(format!("compressing the proof: {e}")))
    }

    /// The verifying key of this program's aggregated proofs. Generates the app and
    /// aggregation keys on first use.
    pub fn stark_verifying_key(&self) -> Result<StarkVerifyingKey, ZkvmError> {
        let sdk = self.aggregating_sdk()?;
        let prover = sdk
            .prover(self.exe())
            .map_err(|e| ZkvmError::Proving(e.to_string()))?;
        Ok(StarkVerifyingKey(VmStarkVerifyingKey {
            mvk: sdk.agg_vk().as_ref().clone(),
            baseline: prover.generate_baseline(),
        }))
    }
}

/// Decompresses and decodes a proof (untrusted bytes: errors, never panics).
pub(crate) fn decode_stark_proof(proof: &StarkProof) -> Result<VmStarkProof, ZkvmError> {
    let decoded = zstd::decode_all(proof.0.as_slice())
        .map_err(|e| ZkvmError::InvalidProof(format!("proof is not zstd data: {e}")))?;
    catch_unwind(AssertUnwindSafe(|| {
        VmStarkProof::decode_from_bytes(&decoded)
    }))
    .map_err(|panic| {
        ZkvmError::InvalidProof(format!("decoder panicked: {}", panic_message(&panic)))
    })?
    .map_err(|e| ZkvmError::InvalidProof(format!("malformed proof: {e}")))
}

impl StarkVerifyingKey {
    pub(crate) fn inner(&self) -> &VmStarkVerifyingKey {
        &self.0
    }

    /// The key's bytes (bitcode, as the SDK writes verifying keys).
    pub fn to_bytes(&self) -> Vec<u8> {
        bitcode::serialize(&self.0).expect("a verifying key always serializes")
    }

    /// Parses a key written by [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkvmError> {
        bitcode::deserialize(bytes)
            .map(Self)
            .map_err(|e| ZkvmError::InvalidKey(format!("malformed verifying key: {e}")))
    }
}

/// Verifies an aggregated proof against `vk` (which fixes the program and VM) and returns the
/// public values the program revealed. Proofs come from untrusted provers: malformed bytes and
/// verifier panics are errors, never panics.
pub fn verify_stark_proof(
    vk: &StarkVerifyingKey,
    proof: &StarkProof,
) -> Result<Vec<u8>, ZkvmError> {
    let proof = decode_stark_proof(proof)?;
    catch_unwind(AssertUnwindSafe(|| {
        verify_vm_stark_proof_decoded(&vk.0, &proof)
            .map_err(|e| ZkvmError::InvalidProof(e.to_string()))?;
        public_value_bytes(&proof.user_pvs_proof.public_values)
    }))
    .map_err(|panic| {
        ZkvmError::InvalidProof(format!("verifier panicked: {}", panic_message(&panic)))
    })?
}

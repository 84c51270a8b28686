//! The EVM-verifiable form of a program's proof (feature `evm`): the aggregated STARK is folded
//! once more by OpenVM's root prover and wrapped in a halo2 SNARK over BN254 (the static
//! verifier), which a generated Solidity contract checks on L1.
//!
//! What it needs, and this crate checks before any work:
//! - the KZG structured reference string for the halo2 circuits, as OpenVM reads it: a folder
//!   holding `kzg_bn254_<k>.srs` files (raw bytes), `k` up to 23 for the default static verifier
//!   shape. The published setup cannot be generated; it is fetched once by the operator (e.g.
//!   from the OpenVM releases) and placed with the assets ([`SRS_FILE`], [`check_srs_dir`]);
//! - memory: the root and halo2 key generation and proof need well over 24 GB;
//! - `solc` on `PATH` for [`AppProgram::evm_verifier`] (the verifier contract is compiled, then
//!   [`verify_evm_proof`] runs it in a local EVM).

use std::path::{Path, PathBuf};

use openvm_sdk::types::{EvmHalo2Verifier, EvmProof as SdkEvmProof};

pub use crate::srs::{check_srs_dir, SRS_FILE, SRS_MAX_K};
use crate::{app::panic_message, AppProgram, ChildInputs, StdIn, ZkvmError};

/// An EVM-verifiable proof: the halo2 proof bytes, the program and VM commitments and the
/// public values, in the SDK's JSON form (what the Solidity verifier's `verify` takes).
#[derive(Clone, Debug)]
pub struct EvmProof(SdkEvmProof);

impl EvmProof {
    /// The proof as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, ZkvmError> {
        serde_json::to_vec(&self.0)
            .map_err(|e| ZkvmError::Proving(format!("serializing the EVM proof: {e}")))
    }

    /// Parses a proof from JSON (untrusted input: verify before use).
    pub fn from_json(bytes: &[u8]) -> Result<Self, ZkvmError> {
        serde_json::from_slice(bytes)
            .map(Self)
            .map_err(|e| ZkvmError::InvalidProof(format!("malformed EVM proof JSON: {e}")))
    }

    /// The public values the proof claims, one byte each (meaningful once verified).
    pub fn public_values(&self) -> &[u8] {
        &self.0.user_public_values
    }
}

/// The Solidity verifier of a program's EVM proofs: the contracts' sources and the compiled
/// bytecode.
#[derive(Clone, Debug)]
pub struct EvmVerifier(EvmHalo2Verifier);

/// The file of [`EvmVerifier::write_to`] that [`EvmVerifier::read_from`] reads back: the
/// sources plus the compiled bytecode and compiler settings, as JSON.
pub const VERIFIER_FILE: &str = "verifier.json";

impl EvmVerifier {
    /// Writes `Halo2Verifier.sol`, `OpenVmHalo2Verifier.sol`, `IOpenVmHalo2Verifier.sol` and
    /// [`VERIFIER_FILE`] (everything, with the deployable bytecode) into `dir`; returns the
    /// files written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, ZkvmError> {
        let io = |path: &Path, e: std::io::Error| {
            ZkvmError::Proving(format!("writing {}: {e}", path.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let json = serde_json::to_string_pretty(&self.0)
            .map_err(|e| ZkvmError::Proving(format!("serializing the verifier: {e}")))?;
        let files = [
            ("Halo2Verifier.sol", self.0.halo2_verifier_code.as_str()),
            (
                "OpenVmHalo2Verifier.sol",
                self.0.openvm_verifier_code.as_str(),
            ),
            (
                "IOpenVmHalo2Verifier.sol",
                self.0.openvm_verifier_interface.as_str(),
            ),
            (VERIFIER_FILE, json.as_str()),
        ];
        files
            .into_iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text).map_err(|e| io(&path, e))?;
                Ok(path)
            })
            .collect()
    }

    /// Reads a verifier written by [`Self::write_to`].
    pub fn read_from(dir: &Path) -> Result<Self, ZkvmError> {
        let path = dir.join(VERIFIER_FILE);
        let invalid = |reason: String| ZkvmError::InvalidAsset {
            name: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|e| invalid(e.to_string()))?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| invalid(format!("not an EVM verifier: {e}")))
    }
}

impl AppProgram {
    /// An SDK with this program's keys that reads the halo2 SRS from `srs_dir`.
    fn evm_sdk(&self, srs_dir: &Path) -> Result<openvm_sdk::Sdk, ZkvmError> {
        check_srs_dir(srs_dir)?;
        self.aggregating_sdk_with(|builder| builder.halo2_params_dir(srs_dir))
    }

    /// Proves one run of the program on `input` (with `children` verified inside, for a parent
    /// program) all the way to an EVM-verifiable proof: app, aggregation, root STARK, halo2.
    /// Generates the root and halo2 keys on first use (very large; see the module docs).
    pub fn prove_evm(
        &self,
        mut input: StdIn,
        children: Option<&ChildInputs>,
        srs_dir: &Path,
    ) -> Result<EvmProof, ZkvmError> {
        let sdk = self.evm_sdk(srs_dir)?;
        let deferral_inputs = match children {
            Some(children) => {
                children.attach(&mut input);
                children.proving_inputs()
            }
            None => Vec::new(),
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sdk.prove_evm(self.exe(), input, &deferral_inputs)
        }))
        .map_err(|panic| ZkvmError::Proving(panic_message(&panic)))?
        .map(EvmProof)
        .map_err(|e| ZkvmError::Proving(e.to_string()))
    }

    /// The Solidity verifier of this program's EVM proofs (needs `solc` on `PATH`).
    pub fn evm_verifier(&self, srs_dir: &Path) -> Result<EvmVerifier, ZkvmError> {
        let sdk = self.evm_sdk(srs_dir)?;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sdk.generate_halo2_verifier_solidity()
        }))
        .map_err(|panic| ZkvmError::Proving(panic_message(&panic)))?
        .map(EvmVerifier)
        .map_err(|e| ZkvmError::Proving(e.to_string()))
    }
}

/// Runs `proof` through `verifier`'s contract in a local EVM; returns the gas it used.
pub fn verify_evm_proof(verifier: &EvmVerifier, proof: &EvmProof) -> Result<u64, ZkvmError> {
    openvm_sdk::Sdk::verify_evm_halo2_proof(&verifier.0, proof.0.clone(), None)
        .map_err(|e| ZkvmError::InvalidProof(format!("EVM verification failed: {e}")))
}

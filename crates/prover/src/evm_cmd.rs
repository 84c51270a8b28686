//! `prover evm` (feature `evm`): the bundle's EVM-verifiable proof, offline.
//!
//! - `prover evm prove <bundle dump>`: reads a bundle dump (`prover dump bundle <id>`), proves
//!   it with the fork's bundle circuit all the way to a halo2 SNARK and writes
//!   `evm_proof.json` into the dump folder; with `--verifier` it also checks the proof in a
//!   local EVM against that contract.
//! - `prover evm verifier --fork <fork> --out <dir>`: writes the Solidity verifier of the
//!   fork's bundle circuit (needs `solc` on `PATH`).
//!
//! The halo2 KZG SRS is an asset: by default `<workspace_path>/<fork>/bundle/srs/` must hold
//! `kzg_bn254_23.srs` (OpenVM's published BN254 setup; place or link it there), `--srs-dir`
//! overrides. Both commands need far more memory than a STARK prover (see the README).

use std::path::{Path, PathBuf};

use rollproof_libzkp::{assets::load_bundle_program, bundle::verify_bundle_evm_proof};
use rollproof_primitives::{ForkName, TaskType};
use rollproof_zkvm::{
    evm::{check_srs_dir, EvmVerifier},
    ProvingParams,
};

use crate::{config::Config, tools::read_dump};

/// The EVM proof `evm prove` writes into the dump folder.
pub const EVM_PROOF_FILE: &str = "evm_proof.json";

/// The SRS folder of `fork`: `srs_dir` when given, else `<workspace_path>/<fork>/bundle/srs`.
pub fn srs_dir_of(
    config: &Config,
    fork: ForkName,
    srs_dir: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let dir = match srs_dir {
        Some(dir) => dir.to_path_buf(),
        None => {
            let circuit = config
                .circuits
                .get(&fork)
                .ok_or_else(|| anyhow::anyhow!("circuits.{fork} is not configured"))?;
            circuit
                .workspace_path
                .join(fork.as_str())
                .join("bundle")
                .join("srs")
        }
    };
    check_srs_dir(&dir)?;
    Ok(dir)
}

/// `prover evm prove`: the EVM proof of the bundle dump in `dir`, written to
/// [`EVM_PROOF_FILE`] there (and checked against `verifier`'s contract when given). Returns the
/// proof's path.
pub fn prove(
    config: &Config,
    dir: &Path,
    srs_dir: Option<&Path>,
    verifier: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let dump = read_dump(dir)?;
    anyhow::ensure!(
        dump.task_type == TaskType::Bundle,
        "{}: a {} task; EVM proofs are made of bundles",
        dir.display(),
        dump.task_type
    );
    let fork = dump.task.fork_name;
    let srs = srs_dir_of(config, fork, srs_dir)?;
    let verifier = verifier.map(read_verifier).transpose()?;
    let program = load_bundle(config, fork)?;
    let batches = dump.task.bundle_batches()?;
    let started = std::time::Instant::now();
    let (proof, info) = program.prove_evm(fork, &batches, &srs)?;
    let pi_hash = rollproof_primitives::PublicInputs::pi_hash(
        &info,
        rollproof_primitives::PiVersion::new(fork, rollproof_primitives::Domain::Rollup).byte(),
    );
    tracing::info!(%fork, secs = started.elapsed().as_secs_f64(), %pi_hash, "EVM proof made");
    if let Some(verifier) = &verifier {
        let gas = verify_bundle_evm_proof(verifier, &proof, pi_hash)?;
        tracing::info!(gas, "EVM proof verified in a local EVM");
    }
    let path = dir.join(EVM_PROOF_FILE);
    std::fs::write(&path, proof.to_json()?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(path)
}

/// `prover evm verifier`: the Solidity verifier of `fork`'s bundle circuit, written to `out`.
pub fn write_verifier(
    config: &Config,
    fork: ForkName,
    srs_dir: Option<&Path>,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let srs = srs_dir_of(config, fork, srs_dir)?;
    let program = load_bundle(config, fork)?;
    Ok(program.evm_verifier(&srs)?.write_to(out)?)
}

fn load_bundle(config: &Config, fork: ForkName) -> anyhow::Result<rollproof_libzkp::BundleProgram> {
    let circuit = config
        .circuits
        .get(&fork)
        .ok_or_else(|| anyhow::anyhow!("circuits.{fork} is not configured"))?;
    tracing::info!(%fork, "loading the bundle circuit (deferral keys, ~2 min)");
    load_bundle_program(&circuit.workspace_path, fork, ProvingParams::default())
        .map_err(|e| anyhow::anyhow!("circuits.{fork}: bundle program: {e}"))
}

/// A verifier folder written by [`write_verifier`].
fn read_verifier(dir: &Path) -> anyhow::Result<EvmVerifier> {
    Ok(EvmVerifier::read_from(dir)?)
}

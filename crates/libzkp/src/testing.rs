//! Test support (feature `testing`): the suite's chunk assets and real chunk proofs, made once
//! and reused.
//!
//! A real chunk proof costs minutes on a CPU, and several test binaries (libzkp, libzkp-c, the
//! coordinator, the prover) need one. [`proven_chunk`] builds the chunk guest, writes its
//! assets for the witness's fork under the target dir, and proves the witness, keeping the
//! proof on disk keyed by the verifying key and the witness bytes. A later call with the same
//! guest build and witness loads the proof instead of proving again, after checking that it
//! still verifies. Nothing here fakes a proof: a cached file that does not verify is proven
//! again.
//!
//! Tests that need a fork's verifying key but no proof (a coordinator's login, task and
//! verification-failure paths) use [`chunk_assets`]: the guest build (cached by cargo) and its
//! keys (generated once, then cached on disk keyed by the built program), no proving.
//! [`write_unloadable_assets`] makes assets that fail to load without any build.

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

use rollproof_primitives::{ForkName, PublicInputs, TaskType};
use rollproof_stateless::ChunkWitness;
use rollproof_zkvm::{GuestToolchain, ProvingParams};
use sha2::{Digest, Sha256};

use crate::{assets::write_assets, ChunkProgram, ChunkProof, Error, Verifier};

/// A real chunk proof with the asset folder whose verifying key it is for.
#[derive(Clone, Debug)]
pub struct ProvenChunk {
    /// The assets root: `<assets>/<fork>/manifest.json` etc., as `prover assets build` writes.
    pub assets: PathBuf,
    /// The fork the chunk was proven under.
    pub fork: ForkName,
    /// The wrapped proof.
    pub proof: ChunkProof,
    /// The wrapped proof as the prover submits it (JSON).
    pub proof_json: String,
}

/// One proof at a time per process: two proofs at once do not fit a small machine.
static PROVING: Mutex<()> = Mutex::new(());

/// Where the suite keeps its assets and proofs: `$CARGO_TARGET_DIR/rollproof-test` (the
/// system temp dir when the variable is unset).
pub fn test_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("rollproof-test")
}

/// The assets root (`<root>/<fork>/manifest.json` ...) of the current chunk guest built with
/// `params`, for every fork of `forks`. Keys are generated only when no asset folder exists yet
/// for this exact program (executable + VM config) and parameters; later calls only rebuild the
/// guest (a cargo no-op when nothing changed) and check the cached folder against its manifest.
pub fn chunk_assets(forks: &[ForkName], params: ProvingParams) -> Result<PathBuf, Error> {
    let _one_at_a_time = PROVING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let toolchain = GuestToolchain::from_env()?;
    let program = ChunkProgram::build(&toolchain, params)?;
    assets_of(&program, forks, params)
}

/// The cached asset folder of `program` for `forks`, written (with key generation) only where
/// missing.
fn assets_of(
    program: &ChunkProgram,
    forks: &[ForkName],
    params: ProvingParams,
) -> Result<PathBuf, Error> {
    let mut hasher = Sha256::new();
    hasher.update(program.app().exe_bytes());
    hasher.update(program.app().vm_config_toml()?.as_bytes());
    hasher.update(params.log_stacked_height.to_be_bytes());
    let id = alloy_primitives::hex::encode(&hasher.finalize()[..8]);
    let root = test_dir().join(format!("assets-exe-{id}"));
    for &fork in forks {
        if crate::assets::load_chunk_vk(&root, fork).is_err() {
            eprintln!(
                "testing: writing {fork} chunk assets (key generation) under {}",
                root.display()
            );
            write_assets(&root, fork, program, None)
                .map_err(|e| Error::Task(format!("writing test assets: {e}")))?;
        }
    }
    Ok(root)
}

/// A real proof of `witness` by the current chunk guest (built with the project toolchain and
/// default proving parameters), reused from disk when this exact guest build already proved
/// this exact witness: then no key is generated at all (the verifying key comes from the
/// cached assets). Logs to stderr what it does and how long proving took.
pub fn proven_chunk(witness: &ChunkWitness) -> Result<ProvenChunk, Error> {
    let _one_at_a_time = PROVING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let toolchain = GuestToolchain::from_env()?;
    let params = ProvingParams::default();
    let program = ChunkProgram::build(&toolchain, params)?;
    let assets = assets_of(&program, &[witness.fork], params)?;
    let vk = crate::assets::load_chunk_vk(&assets, witness.fork)
        .map_err(|e| Error::Task(format!("loading the test assets' key: {e}")))?;

    let mut hasher = Sha256::new();
    hasher.update(vk.to_bytes());
    hasher.update(witness.encode());
    let proof_id = alloy_primitives::hex::encode(&hasher.finalize()[..8]);
    let mut verifier = Verifier::default();
    verifier.insert(witness.fork, TaskType::Chunk, vk);

    let cached = test_dir()
        .join("proofs")
        .join(format!("chunk-{proof_id}.json"));
    if let Some(proof) = load_verified(&cached, &verifier, witness.fork) {
        eprintln!("testing: reusing the chunk proof {}", cached.display());
        return Ok(proven(assets, witness.fork, proof));
    }

    eprintln!(
        "testing: proving a chunk of {} block(s)",
        witness.input.blocks.len()
    );
    let started = std::time::Instant::now();
    let proof = program.prove(witness, "rollproof-test")?;
    eprintln!(
        "testing: chunk proof in {:.0} s, {} bytes",
        started.elapsed().as_secs_f64(),
        proof.proof.len()
    );
    verifier
        .verify(witness.fork, &proof)
        .map_err(|e| Error::Task(format!("a fresh proof does not verify: {e}")))?;
    let json = serde_json::to_vec(&proof).expect("a proof always serializes");
    write_atomically(&cached, &json).map_err(|e| Error::Task(format!("caching the proof: {e}")))?;
    Ok(proven(assets, witness.fork, proof))
}

fn proven(assets: PathBuf, fork: ForkName, proof: ChunkProof) -> ProvenChunk {
    let proof_json = serde_json::to_string(&proof).expect("a proof always serializes");
    ProvenChunk {
        assets,
        fork,
        proof,
        proof_json,
    }
}

fn load_verified(path: &Path, verifier: &Verifier, fork: ForkName) -> Option<ChunkProof> {
    let bytes = std::fs::read(path).ok()?;
    let proof: ChunkProof = serde_json::from_slice(&bytes).ok()?;
    verifier.verify(fork, &proof).ok()?;
    Some(proof)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

/// A real batch proof over one real chunk proof, with the program that made it.
pub struct BatchFixture {
    /// The batch program (deferral keys for the chunk key, guest built).
    pub program: crate::BatchProgram,
    /// What was proven.
    pub input: crate::BatchInput,
    /// The batch's public inputs.
    pub info: rollproof_primitives::BatchInfo,
    /// The aggregated STARK proof, verified against the program's key.
    pub proof: rollproof_zkvm::StarkProof,
}

/// A real proof of the one-chunk batch over `chunk` (the suite's chunk proof of `witness`):
/// builds the batch program for the chunk's key (deferral keys, guest build: minutes) and loads
/// it again from its saved deferral keys as a prover does from assets, assembles batch 1 (parent hash 0x11..11, compressed blob) and proves it, or reuses the proof cached on
/// disk for this exact batch program and input after verifying it again.
pub fn proven_batch(chunk: &ProvenChunk, witness: &ChunkWitness) -> Result<BatchFixture, Error> {
    let _one_at_a_time = PROVING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let toolchain = GuestToolchain::from_env()?;
    let params = ProvingParams::default();
    let chunk_vk = crate::assets::load_chunk_vk(&chunk.assets, chunk.fork)
        .map_err(|e| Error::Task(format!("loading the test assets' key: {e}")))?;
    let started = std::time::Instant::now();
    let built = crate::BatchProgram::build(&toolchain, params, &chunk_vk)?;
    eprintln!(
        "testing: batch program (deferral keys, guest build) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // Provers load the batch program from assets, its deferral keys from their saved form:
    // prove with a program made that way.
    let app = built.app();
    let keys = app
        .children()
        .expect("a batch program verifies child proofs")
        .proving_keys()?;
    let program = crate::BatchProgram::from_app(
        rollproof_zkvm::AppProgram::from_assets(
            crate::batch::BATCH_GUEST,
            &app.vm_config_toml()?,
            &app.exe_bytes(),
            params,
        )?
        .with_saved_children(&chunk_vk, &keys)?,
    )?;
    let tx_data = witness.input.tx_data();
    let (input, _opening) = crate::BatchInput::assemble(
        chunk.fork,
        1,
        alloy_primitives::B256::repeat_byte(0x11),
        vec![chunk.proof.clone()],
        &[&tx_data],
        true,
    )?;
    let (_witness, info, _children) = program.witness(&input)?;
    let started = std::time::Instant::now();
    let vk = program.verifying_key()?;
    eprintln!(
        "testing: batch verifying key in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let expected = info.pi_hash(
        rollproof_primitives::PiVersion::new(chunk.fork, rollproof_primitives::Domain::Rollup)
            .byte(),
    );

    let mut hasher = Sha256::new();
    hasher.update(vk.to_bytes());
    hasher.update(&chunk.proof.proof);
    hasher.update(&input.blob_envelope);
    let proof_id = alloy_primitives::hex::encode(&hasher.finalize()[..8]);
    let cached = test_dir()
        .join("proofs")
        .join(format!("batch-{proof_id}.bin"));
    let verified = |proof: &rollproof_zkvm::StarkProof| {
        rollproof_zkvm::verify_stark_proof(&vk, proof)
            .ok()
            .filter(|revealed| revealed.as_slice() == expected.as_slice())
            .is_some()
    };
    if let Ok(bytes) = std::fs::read(&cached) {
        let proof = rollproof_zkvm::StarkProof(bytes);
        if verified(&proof) {
            eprintln!("testing: reusing the batch proof {}", cached.display());
            return Ok(BatchFixture {
                program,
                input,
                info,
                proof,
            });
        }
    }
    eprintln!("testing: proving a batch of 1 chunk");
    let started = std::time::Instant::now();
    let (proof, _) = program.prove(&input)?;
    eprintln!(
        "testing: batch proof in {:.0} s, {} bytes",
        started.elapsed().as_secs_f64(),
        proof.0.len()
    );
    if !verified(&proof) {
        return Err(Error::Task("a fresh batch proof does not verify".into()));
    }
    write_atomically(&cached, &proof.0)
        .map_err(|e| Error::Task(format!("caching the batch proof: {e}")))?;
    Ok(BatchFixture {
        program,
        input,
        info,
        proof,
    })
}

/// Writes `<root>/<fork>/` with a manifest that checks out and a `chunk/vk.bin` that is not a
/// verifying key: assets that pass every file check yet fail to load (no guest build needed).
pub fn write_unloadable_assets(root: &Path, fork: ForkName) -> std::io::Result<()> {
    use crate::assets::{AssetManifest, CHUNK_VK, MANIFEST};

    let files = std::collections::BTreeMap::from([(CHUNK_VK.to_string(), b"not a key".to_vec())]);
    let dir = root.join(fork.as_str());
    let manifest = serde_json::to_vec(&AssetManifest::new(fork, &files))?;
    for (name, bytes) in files.iter().chain([(&MANIFEST.to_string(), &manifest)]) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("asset paths have a folder"))?;
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// A copy of the chunk assets `chunk_assets` (of `fork`) under `out`, with the CHUNK verifying
/// key also listed as the batch and bundle keys (`batch/vk.bin`, `bundle/vk.bin`). For the
/// coordinator's batch and bundle task paths in tests that cannot afford the real aggregation
/// assets (tens of minutes): tasks build against these keys, and a proof submitted for them
/// verifies only if it is a proof of the chunk program, which no batch or bundle proof is.
/// Writes nothing when `out` holds such a copy already. Returns `out`.
pub fn assets_with_chunk_key_as_aggregation_keys(
    chunk_assets: &Path,
    fork: ForkName,
    out: &Path,
) -> std::io::Result<PathBuf> {
    use crate::assets::{AssetManifest, CHUNK_EXE, CHUNK_VK, CHUNK_VM_CONFIG, MANIFEST};

    let from = chunk_assets.join(fork.as_str());
    let mut files = std::collections::BTreeMap::new();
    for name in [CHUNK_EXE, CHUNK_VM_CONFIG, CHUNK_VK] {
        files.insert(name.to_string(), std::fs::read(from.join(name))?);
    }
    let vk = files[CHUNK_VK].clone();
    files.insert("batch/vk.bin".to_string(), vk.clone());
    files.insert("bundle/vk.bin".to_string(), vk);
    let manifest = serde_json::to_vec_pretty(&AssetManifest::new(fork, &files))?;
    let dir = out.join(fork.as_str());
    if std::fs::read(dir.join(MANIFEST)).ok().as_deref() == Some(manifest.as_slice()) {
        return Ok(out.to_path_buf());
    }
    for (name, bytes) in files.iter().chain([(&MANIFEST.to_string(), &manifest)]) {
        write_atomically(&dir.join(name), bytes)?;
    }
    Ok(out.to_path_buf())
}

/// The process's peak resident set since the last [`reset_peak_rss`], in GiB.
pub fn peak_rss_gib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / (1024.0 * 1024.0)
}

/// Resets the kernel's peak-RSS counter of this process (Linux `clear_refs` 5).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

//! Per-fork circuit assets: what provers download and verifiers load, built deterministically
//! from the guest sources.
//!
//! Layout of `<out>/<fork>/`:
//! - `chunk/app.vmexe`: the transpiled chunk program (bitcode `VmExe`);
//! - `chunk/openvm.toml`: its VM configuration;
//! - `chunk/vk.bin`: the verifying key of its aggregated proofs;
//! - optionally (assets built with the aggregation circuits) the same three files under
//!   `batch/` (the batch program, bound to this chunk program) and `bundle/` (bound to the batch
//!   program), plus `batch/def_hook_commit.bin`: the deferral hook commit of batch proofs, which
//!   a bundle verifier needs and which otherwise costs the batch program's deferral key
//!   generation to learn; and `batch/deferral_keys.bin`, `bundle/deferral_keys.bin`: the
//!   programs' deferral proving keys (what verifies their child proofs), saved so that loading
//!   does not generate them again;
//! - `manifest.json`: fork, OpenVM version, ZK version and the sha256 + size of every file.
//!
//! Loading a batch or bundle program ([`load_batch_program`], [`load_bundle_program`]) reads its
//! saved deferral keys, checked against its VM configuration (assets without them: the keys are
//! generated for the child key, about two minutes each on 2 cores); loading only a verifying
//! key ([`load_vk`]) is instant.
//!
//! The ZK version is `openvm-<version>-<first 16 hex digits of sha256 over the file list>`, so
//! any change to a program or key changes it.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use std::sync::Arc;

use rollproof_primitives::{ForkName, TaskType};
use rollproof_zkvm::{AppProgram, ChildVerifier, CommitBytes, ProvingParams, StarkVerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{BatchProgram, BundleProgram, ChunkProgram};

/// The OpenVM release the assets are built with.
pub const OPENVM_VERSION: &str = "2.0.2";
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The chunk program's executable, relative to a fork's folder.
pub const CHUNK_EXE: &str = "chunk/app.vmexe";
/// The chunk program's VM configuration.
pub const CHUNK_VM_CONFIG: &str = "chunk/openvm.toml";
/// The chunk proofs' verifying key.
pub const CHUNK_VK: &str = "chunk/vk.bin";
/// The deferral hook commit of batch proofs (32 bytes), relative to a fork's folder.
pub const BATCH_DEF_HOOK_COMMIT: &str = "batch/def_hook_commit.bin";

/// The folder of a circuit's files inside a fork's folder (`chunk`, `batch`, `bundle`).
pub fn circuit_dir(circuit: TaskType) -> Result<&'static str, AssetError> {
    match circuit {
        TaskType::Chunk => Ok("chunk"),
        TaskType::Batch => Ok("batch"),
        TaskType::Bundle => Ok("bundle"),
        TaskType::Undefined => Err(AssetError::Manifest(
            "task type undefined has no circuit".to_string(),
        )),
    }
}

/// A circuit's files, relative to a fork's folder.
struct CircuitFiles {
    exe: String,
    vm_config: String,
    vk: String,
    /// A parent program's saved deferral proving keys.
    deferral_keys: String,
}

impl CircuitFiles {
    fn of(circuit: TaskType) -> Result<Self, AssetError> {
        let dir = circuit_dir(circuit)?;
        Ok(Self {
            exe: format!("{dir}/app.vmexe"),
            vm_config: format!("{dir}/openvm.toml"),
            vk: format!("{dir}/vk.bin"),
            deferral_keys: format!("{dir}/deferral_keys.bin"),
        })
    }
}

/// One file of a fork's assets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Lower-case hex sha256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// `manifest.json`: what a fork's asset folder holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetManifest {
    /// The fork.
    pub fork: ForkName,
    /// The OpenVM release.
    pub openvm_version: String,
    /// The ZK version provers and the coordinator match on.
    pub zk_version: String,
    /// Every file (path relative to the fork's folder, `/`-separated).
    pub files: BTreeMap<String, FileEntry>,
}

/// Why assets cannot be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A file is missing from the manifest or the folder.
    #[error("asset {0} is missing")]
    Missing(String),
    /// A file's content does not match the manifest.
    #[error("asset {file}: expected sha256 {expected} ({expected_size} bytes), found {found} ({found_size} bytes)")]
    Corrupt {
        /// The file.
        file: String,
        /// The manifest's hash.
        expected: String,
        /// Its size.
        expected_size: u64,
        /// The file's hash.
        found: String,
        /// Its size.
        found_size: u64,
    },
    /// The manifest is malformed or for another fork.
    #[error("manifest: {0}")]
    Manifest(String),
    /// Building or loading a program or key failed.
    #[error(transparent)]
    Zkvm(#[from] rollproof_zkvm::ZkvmError),
    /// Building a program failed.
    #[error(transparent)]
    Program(#[from] crate::Error),
    /// The assets hold no such circuit (built without the aggregation circuits).
    #[error(
        "the {fork} assets have no {circuit} circuit (build them with the aggregation circuits)"
    )]
    NoCircuit {
        /// The fork.
        fork: ForkName,
        /// The circuit asked for.
        circuit: TaskType,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AssetError + '_ {
    move |source| AssetError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode(Sha256::digest(bytes))
}

/// `openvm-<version>-<first 16 hex digits of sha256 over the file list>`.
fn zk_version_of_files(files: &BTreeMap<String, FileEntry>) -> String {
    let listing: String = files
        .iter()
        .map(|(path, entry)| format!("{path} {} {}\n", entry.sha256, entry.size))
        .collect();
    format!(
        "openvm-{OPENVM_VERSION}-{}",
        &sha256_hex(listing.as_bytes())[..16]
    )
}

impl AssetManifest {
    /// A manifest for `files` (relative path -> content).
    pub fn new(fork: ForkName, files: &BTreeMap<String, Vec<u8>>) -> Self {
        let files: BTreeMap<String, FileEntry> = files
            .iter()
            .map(|(path, bytes)| {
                let entry = FileEntry {
                    sha256: sha256_hex(bytes),
                    size: bytes.len() as u64,
                };
                (path.clone(), entry)
            })
            .collect();
        Self {
            fork,
            openvm_version: OPENVM_VERSION.to_string(),
            zk_version: zk_version_of_files(&files),
            files,
        }
    }

    /// Parses a manifest (`manifest.json`'s bytes, from `origin`: a path or URL for messages)
    /// and checks it is for `fork`, that its ZK version is the one its file list gives, and
    /// that every file path is relative and stays inside the fork's folder (a manifest from a
    /// server decides where downloaded files go).
    pub fn parse(bytes: &[u8], origin: &str, fork: ForkName) -> Result<Self, AssetError> {
        let manifest: Self = serde_json::from_slice(bytes)
            .map_err(|e| AssetError::Manifest(format!("{origin}: {e}")))?;
        if manifest.fork != fork {
            return Err(AssetError::Manifest(format!(
                "{origin} is for fork {}, expected {fork}",
                manifest.fork
            )));
        }
        for path in manifest.files.keys() {
            let safe = !path.is_empty()
                && path.split('/').all(|part| {
                    !part.is_empty() && part != "." && part != ".." && !part.contains('\\')
                });
            if !safe {
                return Err(AssetError::Manifest(format!(
                    "{origin}: file path {path:?} is not a plain relative path"
                )));
            }
        }
        let expected = zk_version_of_files(&manifest.files);
        if manifest.zk_version != expected {
            return Err(AssetError::Manifest(format!(
                "{origin}: ZK version {} does not match its file list ({expected})",
                manifest.zk_version
            )));
        }
        Ok(manifest)
    }

    /// Reads `<dir>/manifest.json` and checks it is for `fork`.
    pub fn read(dir: &Path, fork: ForkName) -> Result<Self, AssetError> {
        let path = dir.join(MANIFEST);
        let bytes = fs::read(&path).map_err(io(&path))?;
        Self::parse(&bytes, &path.display().to_string(), fork)
    }

    /// Whether the assets hold `circuit` (its verifying key is listed).
    pub fn has_circuit(&self, circuit: TaskType) -> bool {
        CircuitFiles::of(circuit).is_ok_and(|files| self.files.contains_key(&files.vk))
    }

    /// The [`vk_id`](crate::verifier::vk_id) of `circuit`'s verifying key: the sha256 the
    /// manifest lists for it, known without loading the key.
    pub fn vk_id(&self, circuit: TaskType) -> Option<Vec<u8>> {
        let files = CircuitFiles::of(circuit).ok()?;
        let entry = self.files.get(&files.vk)?;
        alloy_primitives::hex::decode(&entry.sha256).ok()
    }

    /// Reads `file` from `dir` and checks it against the manifest.
    pub fn read_checked(&self, dir: &Path, file: &str) -> Result<Vec<u8>, AssetError> {
        let entry = self
            .files
            .get(file)
            .ok_or_else(|| AssetError::Missing(file.to_string()))?;
        let path = dir.join(file);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AssetError::Missing(path.display().to_string()))
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let found = sha256_hex(&bytes);
        if found != entry.sha256 || bytes.len() as u64 != entry.size {
            return Err(AssetError::Corrupt {
                file: path.display().to_string(),
                expected: entry.sha256.clone(),
                expected_size: entry.size,
                found,
                found_size: bytes.len() as u64,
            });
        }
        Ok(bytes)
    }
}

/// The aggregation programs of a fork: the batch program built for the fork's chunk program and
/// the bundle program built for that batch program.
#[derive(Clone, Copy)]
pub struct AggregationPrograms<'a> {
    /// The batch program.
    pub batch: &'a BatchProgram,
    /// The bundle program.
    pub bundle: &'a BundleProgram,
}

fn insert_circuit(
    files: &mut BTreeMap<String, Vec<u8>>,
    circuit: TaskType,
    app: &AppProgram,
) -> Result<(), AssetError> {
    let names = CircuitFiles::of(circuit)?;
    files.insert(names.exe, app.exe_bytes());
    files.insert(names.vm_config, app.vm_config_toml()?.into_bytes());
    files.insert(names.vk, app.stark_verifying_key()?.to_bytes());
    if let Some(children) = app.children() {
        files.insert(names.deferral_keys, children.proving_keys()?);
    }
    Ok(())
}

/// Builds a fork's assets from the chunk program (and, when given, the aggregation programs)
/// into `<out>/<fork>/` and returns the manifest. Generates the verifying keys that are not
/// generated yet (minutes for the aggregation programs). Files are written to a temporary name
/// and renamed, so a crash leaves no half-written asset.
pub fn write_assets(
    out: &Path,
    fork: ForkName,
    chunk: &ChunkProgram,
    aggregation: Option<AggregationPrograms<'_>>,
) -> Result<AssetManifest, AssetError> {
    let mut files = BTreeMap::new();
    insert_circuit(&mut files, TaskType::Chunk, chunk.app())?;
    if let Some(aggregation) = aggregation {
        insert_circuit(&mut files, TaskType::Batch, aggregation.batch.app())?;
        insert_circuit(&mut files, TaskType::Bundle, aggregation.bundle.app())?;
        let hook = aggregation
            .batch
            .app()
            .def_hook_commit()
            .expect("a batch program verifies child proofs");
        files.insert(BATCH_DEF_HOOK_COMMIT.to_string(), hook.as_slice().to_vec());
    }
    let manifest = AssetManifest::new(fork, &files);
    let dir = out.join(fork.as_str());
    let manifest_json = serde_json::to_vec_pretty(&manifest).expect("a manifest always serializes");
    files.insert(MANIFEST.to_string(), manifest_json);
    for (name, bytes) in &files {
        let path = dir.join(name);
        let parent = path.parent().expect("asset paths have a folder");
        fs::create_dir_all(parent).map_err(io(parent))?;
        let partial = path.with_extension("partial");
        fs::write(&partial, bytes).map_err(io(&partial))?;
        fs::rename(&partial, &path).map_err(io(&path))?;
    }
    Ok(manifest)
}

/// A fork's asset folder with its checked manifest.
struct ForkAssets {
    dir: PathBuf,
    fork: ForkName,
    manifest: AssetManifest,
}

impl ForkAssets {
    fn open(assets: &Path, fork: ForkName) -> Result<Self, AssetError> {
        let dir = assets.join(fork.as_str());
        let manifest = AssetManifest::read(&dir, fork)?;
        Ok(Self {
            dir,
            fork,
            manifest,
        })
    }

    fn files(&self, circuit: TaskType) -> Result<CircuitFiles, AssetError> {
        if !self.manifest.has_circuit(circuit) {
            return Err(AssetError::NoCircuit {
                fork: self.fork,
                circuit,
            });
        }
        CircuitFiles::of(circuit)
    }

    fn vk(&self, circuit: TaskType) -> Result<StarkVerifyingKey, AssetError> {
        let files = self.files(circuit)?;
        let bytes = self.manifest.read_checked(&self.dir, &files.vk)?;
        Ok(StarkVerifyingKey::from_bytes(&bytes)?)
    }

    /// The program of `circuit` (guest `guest`), every file checked against the manifest.
    fn app(
        &self,
        circuit: TaskType,
        guest: &str,
        params: ProvingParams,
    ) -> Result<AppProgram, AssetError> {
        let files = self.files(circuit)?;
        let exe = self.manifest.read_checked(&self.dir, &files.exe)?;
        let config = self.manifest.read_checked(&self.dir, &files.vm_config)?;
        let config = String::from_utf8(config)
            .map_err(|_| AssetError::Manifest(format!("{} is not UTF-8", files.vm_config)))?;
        Ok(AppProgram::from_assets(guest, &config, &exe, params)?)
    }

    /// `circuit`'s program made a parent of the proofs `child_vk` verifies (deferral key
    /// generation).
    fn parent_app(
        &self,
        circuit: TaskType,
        guest: &str,
        params: ProvingParams,
        child_vk: &StarkVerifyingKey,
        child_def_hook_commit: Option<CommitBytes>,
    ) -> Result<AppProgram, AssetError> {
        let app = self.app(circuit, guest, params)?;
        let keys = self.files(circuit)?.deferral_keys;
        if self.manifest.files.contains_key(&keys) {
            let saved = self.manifest.read_checked(&self.dir, &keys)?;
            return Ok(app.with_saved_children(child_vk, &saved)?);
        }
        // Assets written before the keys were saved: generate them (minutes).
        let children = ChildVerifier::new(child_vk, child_def_hook_commit, params)?;
        Ok(app.with_children(Arc::new(children))?)
    }
}

/// The chunk program of a fork's asset folder (`<assets>/<fork>/`), every file checked
/// against the manifest.
pub fn load_chunk_program(
    assets: &Path,
    fork: ForkName,
    params: ProvingParams,
) -> Result<ChunkProgram, AssetError> {
    let app =
        ForkAssets::open(assets, fork)?.app(TaskType::Chunk, crate::chunk::CHUNK_GUEST, params)?;
    Ok(ChunkProgram::from_app(app))
}

/// The batch program of a fork's asset folder, ready to prove: its files checked against the
/// manifest, its deferral keys for the fork's chunk key loaded (or, when the assets lack them,
/// generated: about two minutes).
pub fn load_batch_program(
    assets: &Path,
    fork: ForkName,
    params: ProvingParams,
) -> Result<BatchProgram, AssetError> {
    let assets = ForkAssets::open(assets, fork)?;
    let chunk_vk = assets.vk(TaskType::Chunk)?;
    let app = assets.parent_app(
        TaskType::Batch,
        crate::batch::BATCH_GUEST,
        params,
        &chunk_vk,
        None,
    )?;
    Ok(BatchProgram::from_app(app)?)
}

/// The bundle program of a fork's asset folder, ready to prove: its files checked against the
/// manifest, its deferral keys for the fork's batch key and the batch proofs' deferral hook
/// commit (`batch/def_hook_commit.bin`) loaded (or, when the assets lack them, generated: about
/// two minutes).
pub fn load_bundle_program(
    assets: &Path,
    fork: ForkName,
    params: ProvingParams,
) -> Result<BundleProgram, AssetError> {
    let assets = ForkAssets::open(assets, fork)?;
    let batch_vk = assets.vk(TaskType::Batch)?;
    let hook = assets
        .manifest
        .read_checked(&assets.dir, BATCH_DEF_HOOK_COMMIT)?;
    let hook = <[u8; 32]>::try_from(hook.as_slice())
        .ok()
        .and_then(|bytes| CommitBytes::try_new(bytes).ok())
        .ok_or_else(|| {
            AssetError::Manifest(format!("{BATCH_DEF_HOOK_COMMIT} is not a commitment"))
        })?;
    let app = assets.parent_app(
        TaskType::Bundle,
        crate::bundle::BUNDLE_GUEST,
        params,
        &batch_vk,
        Some(hook),
    )?;
    Ok(BundleProgram::from_app(app)?)
}

/// `circuit`'s verifying key from a fork's asset folder, checked against the manifest.
pub fn load_vk(
    assets: &Path,
    fork: ForkName,
    circuit: TaskType,
) -> Result<StarkVerifyingKey, AssetError> {
    ForkAssets::open(assets, fork)?.vk(circuit)
}

/// The chunk verifying key of a fork's asset folder, checked against the manifest.
pub fn load_chunk_vk(assets: &Path, fork: ForkName) -> Result<StarkVerifyingKey, AssetError> {
    load_vk(assets, fork, TaskType::Chunk)
}

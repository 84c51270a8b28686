//! Per-fork circuit assets: what provers download and verifiers load, built deterministically
//! from the guest sources.
//!
//! Layout of `<out>/<fork>/`:
//! - `chunk/app.vmexe`: the transpiled chunk program (bitcode `VmExe`);
//! - `chunk/openvm.toml`: its VM configuration;
//! - `chunk/vk.bin`: the verifying key of its aggregated proofs;
//! - `manifest.json`: fork, OpenVM version, ZK version and the sha256 + size of every file.
//!
//! The ZK version is `openvm-<version>-<first 16 hex digits of sha256 over the file list>`, so
//! any change to a program or key changes it.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use rollproof_primitives::ForkName;
use rollproof_zkvm::{AppProgram, ProvingParams, StarkVerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ChunkProgram;

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
    /// Building the chunk program failed.
    #[error(transparent)]
    Program(#[from] crate::Error),
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

/// Builds a fork's assets from the chunk program into `<out>/<fork>/` and returns the manifest.
/// Files are written to a temporary name and renamed, so a crash leaves no half-written asset.
pub fn write_assets(
    out: &Path,
    fork: ForkName,
    chunk: &ChunkProgram,
) -> Result<AssetManifest, AssetError> {
    let mut files = BTreeMap::new();
    files.insert(CHUNK_EXE.to_string(), chunk.app().exe_bytes());
    files.insert(
        CHUNK_VM_CONFIG.to_string(),
        chunk.app().vm_config_toml()?.into_bytes(),
    );
    files.insert(CHUNK_VK.to_string(), chunk.verifying_key()?.to_bytes());
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

/// The chunk program of a fork's asset folder (`<assets>/<fork>/`), every file checked
/// against the manifest.
pub fn load_chunk_program(
    assets: &Path,
    fork: ForkName,
    params: ProvingParams,
) -> Result<ChunkProgram, AssetError> {
    let dir = assets.join(fork.as_str());
    let manifest = AssetManifest::read(&dir, fork)?;
    let exe = manifest.read_checked(&dir, CHUNK_EXE)?;
    let config = manifest.read_checked(&dir, CHUNK_VM_CONFIG)?;
    let config = String::from_utf8(config)
        .map_err(|_| AssetError::Manifest(format!("{CHUNK_VM_CONFIG} is not UTF-8")))?;
    let app = AppProgram::from_assets(crate::chunk::CHUNK_GUEST, &config, &exe, params)?;
    Ok(ChunkProgram::from_app(app))
}

/// The chunk verifying key of a fork's asset folder, checked against the manifest.
pub fn load_chunk_vk(assets: &Path, fork: ForkName) -> Result<StarkVerifyingKey, AssetError> {
    let dir = assets.join(fork.as_str());
    let manifest = AssetManifest::read(&dir, fork)?;
    let bytes = manifest.read_checked(&dir, CHUNK_VK)?;
    Ok(StarkVerifyingKey::from_bytes(&bytes)?)
}

//! Fetching a fork's circuit assets from where they are published (`circuits.<fork>.base_url`)
//! into its local folder, `<workspace_path>/<fork>/` — the layout `prover assets build --out`
//! writes, so any static HTTP server over that folder is a publisher.
//!
//! [`sync_fork_assets`] downloads `<base_url><fork>/manifest.json`, then every file it lists
//! from `<base_url><fork>/<file>`, or from `asset_detours[<vk id>]<file>` when the manifest's
//! verifying key has a detour (the key is named by its id, the sha256 of `chunk/vk.bin`, in hex
//! or in base64 as the coordinator sees it). Each file is:
//! - kept when the local copy already has the manifest's size and sha256;
//! - otherwise streamed into `<file>.part`, resumed with an HTTP range request when a previous
//!   attempt left part of it (servers that ignore ranges send it whole), checked against the
//!   size and sha256, then renamed into place; a copy that does not match is deleted and
//!   fetched again, up to [`ATTEMPTS_PER_FILE`] times.
//!
//! The manifest is written last, so a folder with a manifest always holds its files. When the
//! server cannot be reached and the local assets match their manifest, they are used with a
//! warning. `debug_mode` (development only) uses local assets without asking the server at all.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_libzkp::assets::{AssetManifest, CHUNK_VK, MANIFEST};
use rollproof_primitives::ForkName;
use sha2::{Digest, Sha256};

use crate::config::{CircuitConfig, Config};

/// Downloads of one file before it is given up (each failed check deletes the copy).
pub const ATTEMPTS_PER_FILE: u32 = 3;

/// Why a fork's assets cannot be made available.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The request failed (connection, timeout, body cut off) on every attempt.
    #[error("GET {url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("GET {url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The manifest is unusable.
    #[error(transparent)]
    Manifest(#[from] rollproof_libzkp::assets::AssetError),
    /// A downloaded file kept differing from the manifest.
    #[error(
        "{file} from {url} does not match the manifest after {ATTEMPTS_PER_FILE} downloads: \
         {found_size} bytes with sha256 {found}, expected {expected_size} bytes with {expected}"
    )]
    Mismatch {
        /// The file.
        file: String,
        /// Where it came from.
        url: String,
        /// The manifest's sha256.
        expected: String,
        /// The manifest's size.
        expected_size: u64,
        /// What the last download gave.
        found: String,
        /// Its size.
        found_size: u64,
    },
    /// A local file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
}

/// What [`sync_fork_assets`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Files fetched (wholly or in part).
    pub downloaded: Vec<String>,
    /// Files whose download resumed from a partial copy.
    pub resumed: Vec<String>,
    /// Local files that were present but did not match the manifest (deleted and fetched).
    pub replaced: Vec<String>,
    /// Bytes received.
    pub bytes: u64,
    /// The local assets were used without the server (debug mode, or the server unreachable).
    pub offline: bool,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes `fork`'s assets available in `<workspace_path>/<fork>/` as described in the module
/// documentation. Without a `base_url` nothing is fetched (the folder is used as it is).
pub async fn sync_fork_assets(
    http: &reqwest::Client,
    fork: ForkName,
    circuit: &CircuitConfig,
) -> Result<SyncReport, DownloadError> {
    let dir = circuit.workspace_path.join(fork.as_str());
    let Some(base_url) = &circuit.base_url else {
        return Ok(SyncReport::default());
    };
    if circuit.debug_mode && dir.join(MANIFEST).exists() {
        tracing::warn!(%fork, dir = %dir.display(), "debug_mode: using the local assets without checking them against {base_url}");
        return Ok(SyncReport {
            offline: true,
            ..SyncReport::default()
        });
    }
    let manifest_url = format!("{base_url}{fork}/{MANIFEST}");
    let manifest_bytes = match get_bytes(http, &manifest_url).await {
        Ok(bytes) => bytes,
        Err(e) => {
            if let Some(report) = local_assets_verify(&dir, fork) {
                tracing::warn!(%fork, error = %e, dir = %dir.display(), "the asset server is unreachable: using the local assets, which match their manifest");
                return Ok(report);
            }
            return Err(e);
        }
    };
    let manifest = AssetManifest::parse(&manifest_bytes, &manifest_url, fork)?;
    let files_base = files_base_url(&manifest, circuit, &format!("{base_url}{fork}/"));
    let mut report = SyncReport::default();
    for (file, entry) in &manifest.files {
        let path = dir.join(file);
        if file_matches(&path, &entry.sha256, entry.size)? {
            continue;
        }
        if path.exists() {
            tracing::warn!(%fork, file, "local asset does not match the manifest: fetching it again");
            std::fs::remove_file(&path).map_err(io_error(&path))?;
            report.replaced.push(file.clone());
        }
        let url = format!("{files_base}{file}");
        fetch_file(
            http,
            &url,
            &path,
            file,
            &entry.sha256,
            entry.size,
            &mut report,
        )
        .await?;
        report.downloaded.push(file.clone());
    }
    let manifest_path = dir.join(MANIFEST);
    write_atomically(&manifest_path, &manifest_bytes)?;
    tracing::info!(%fork, zk_version = %manifest.zk_version, downloaded = report.downloaded.len(), bytes = report.bytes, "assets in sync with {base_url}");
    Ok(report)
}

/// Syncs every configured fork's assets ([`sync_fork_assets`]) before the circuits are loaded.
/// Connections time out after `connect_timeout`; transfers themselves are not limited.
pub async fn sync_all(config: &Config, connect_timeout: Duration) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .build()?;
    for (fork, circuit) in &config.circuits {
        sync_fork_assets(&http, *fork, circuit)
            .await
            .map_err(|e| anyhow::anyhow!("circuits.{fork}: assets: {e}"))?;
    }
    Ok(())
}

/// The URL the manifest's files come from: the detour of its verifying key's id, if any.
fn files_base_url(manifest: &AssetManifest, circuit: &CircuitConfig, default: &str) -> String {
    let Some(vk) = manifest.files.get(CHUNK_VK) else {
        return default.to_string();
    };
    let base64_id = hex::decode(&vk.sha256)
        .map(|id| STANDARD.encode(id))
        .unwrap_or_default();
    circuit
        .asset_detours
        .get(&vk.sha256)
        .or_else(|| circuit.asset_detours.get(&base64_id))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

/// The local assets, when their manifest and every file check out.
fn local_assets_verify(dir: &Path, fork: ForkName) -> Option<SyncReport> {
    let manifest = AssetManifest::read(dir, fork).ok()?;
    let all_match = manifest
        .files
        .iter()
        .all(|(file, e)| file_matches(&dir.join(file), &e.sha256, e.size).unwrap_or(false));
    all_match.then(|| SyncReport {
        offline: true,
        ..SyncReport::default()
    })
}

/// Whether `path` exists with this size and sha256 (the size is checked first: cheap).
fn file_matches(path: &Path, sha256: &str, size: u64) -> Result<bool, DownloadError> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == size => Ok(sha256_of_file(path)? == sha256),
        Ok(_) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(path)(e)),
    }
}

fn sha256_of_file(path: &Path) -> Result<String, DownloadError> {
    let mut file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io_error(path))?;
    Ok(hex::encode(hasher.finalize()))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DownloadError> {
    let parent = path.parent().expect("asset paths have a folder");
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let part = part_path(path);
    std::fs::write(&part, bytes).map_err(io_error(&part))?;
    std::fs::rename(&part, path).map_err(io_error(path))
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().expect("a file").to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

async fn get_bytes(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, DownloadError> {
    let failed = |e: reqwest::Error| DownloadError::Http {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let response = http.get(url).send().await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(DownloadError::Status {
            url: url.to_string(),
            status: response.status().as_u16(),
        });
    }
    Ok(response.bytes().await.map_err(failed)?.to_vec())
}

/// Downloads `url` into `path` through `<path>.part`, resuming a partial copy, until the result
/// has `size` bytes with `sha256` (at most [`ATTEMPTS_PER_FILE`] times).
async fn fetch_file(
    http: &reqwest::Client,
    url: &str,
    path: &Path,
    file: &str,
    sha256: &str,
    size: u64,
    report: &mut SyncReport,
) -> Result<(), DownloadError> {
    let parent = path.parent().expect("asset paths have a folder");
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let part = part_path(path);
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS_PER_FILE {
        match stream_into(http, url, &part, size, report, file).await {
            Ok(()) => {}
            Err(e @ DownloadError::Status { .. }) => return Err(e),
            Err(e) => {
                tracing::warn!(file, attempt, error = %e, "asset download interrupted");
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                continue;
            }
        }
        let found_size = std::fs::metadata(&part).map_err(io_error(&part))?.len();
        let found = sha256_of_file(&part)?;
        if found == sha256 && found_size == size {
            std::fs::rename(&part, path).map_err(io_error(path))?;
            return Ok(());
        }
        tracing::warn!(file, attempt, found_size, %found, "downloaded asset does not match the manifest: deleting it");
        std::fs::remove_file(&part).map_err(io_error(&part))?;
        last_error = Some(DownloadError::Mismatch {
            file: file.to_string(),
            url: url.to_string(),
            expected: sha256.to_string(),
            expected_size: size,
            found,
            found_size,
        });
    }
    Err(last_error.expect("at least one attempt"))
}

/// Appends `url`'s body to `part` (asking for the rest when `part` already has some of it).
async fn stream_into(
    http: &reqwest::Client,
    url: &str,
    part: &Path,
    size: u64,
    report: &mut SyncReport,
    file: &str,
) -> Result<(), DownloadError> {
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let have = if have >= size {
        // Nothing left to ask for: start over (the checks after this found it wrong before).
        std::fs::remove_file(part).map_err(io_error(part))?;
        0
    } else {
        have
    };
    let failed = |e: reqwest::Error| DownloadError::Http {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let mut request = http.get(url);
    if have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let mut response = request.send().await.map_err(failed)?;
    let status = response.status();
    let mut out = if have > 0 && status == reqwest::StatusCode::PARTIAL_CONTENT {
        report.resumed.push(file.to_string());
        tracing::info!(file, from = have, "resuming asset download");
        std::fs::OpenOptions::new()
            .append(true)
            .open(part)
            .map_err(io_error(part))?
    } else if status.is_success() {
        std::fs::File::create(part).map_err(io_error(part))?
    } else if have > 0 {
        // The range was refused (the file changed on the server?): start over next attempt.
        std::fs::remove_file(part).map_err(io_error(part))?;
        return Err(DownloadError::Http {
            url: url.to_string(),
            reason: format!("HTTP {status} to a range request"),
        });
    } else {
        return Err(DownloadError::Status {
            url: url.to_string(),
            status: status.as_u16(),
        });
    };
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        out.write_all(&chunk).map_err(io_error(part))?;
        report.bytes += chunk.len() as u64;
    }
    out.sync_all().map_err(io_error(part))
}

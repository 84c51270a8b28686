//! Asset downloads against a static HTTP server started in the test (it serves a published
//! assets folder, honours `Range: bytes=N-`, logs every request and can cut a transfer short
//! or serve corrupt bytes on demand): fresh download, nothing re-fetched when in sync, a
//! corrupt local file replaced, an interrupted transfer resumed, a server that keeps serving
//! corrupt bytes refused, the server down (local assets used only when they verify),
//! `debug_mode`, a detour by verifying-key id, a manifest with an escaping path, and a 404.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, StatusCode, Uri},
    response::Response,
};
use rollproof_libzkp::assets::{AssetManifest, CHUNK_EXE, CHUNK_VK, CHUNK_VM_CONFIG, MANIFEST};
use rollproof_primitives::ForkName;
use rollproof_prover::{
    config::CircuitConfig,
    download::{sync_fork_assets, DownloadError, ATTEMPTS_PER_FILE},
};

const FORK: ForkName = ForkName::Galileo;

/// What the server is told to do to the next requests of a path.
#[derive(Clone, Debug)]
enum Fault {
    /// Send the first `n` bytes of the body, then break the connection.
    CutAfter(usize),
    /// Send the file with its first byte flipped.
    Corrupt,
}

#[derive(Default)]
struct ServerState {
    root: PathBuf,
    /// (path, first byte asked for) of every request.
    requests: Mutex<Vec<(String, u64)>>,
    /// Faults per path, each used by one request.
    faults: Mutex<BTreeMap<String, Vec<Fault>>>,
}

struct StaticServer {
    base: String,
    state: Arc<ServerState>,
}

impl StaticServer {
    async fn start(root: &Path) -> Self {
        let state = Arc::new(ServerState {
            root: root.to_path_buf(),
            ..ServerState::default()
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    fn fault(&self, path: &str, faults: Vec<Fault>) {
        self.state
            .faults
            .lock()
            .unwrap()
            .insert(path.to_string(), faults);
    }

    /// The requests so far, then forgets them.
    fn take_requests(&self) -> Vec<(String, u64)> {
        std::mem::take(&mut *self.state.requests.lock().unwrap())
    }
}

async fn serve(State(state): State<Arc<ServerState>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let from: u64 = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.strip_suffix('-'))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    state.requests.lock().unwrap().push((path.clone(), from));
    let Ok(mut bytes) = std::fs::read(state.root.join(&path)) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap();
    };
    let fault = state
        .faults
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(|f| (!f.is_empty()).then(|| f.remove(0)));
    if matches!(fault, Some(Fault::Corrupt)) {
        bytes[0] ^= 1;
    }
    let total = bytes.len() as u64;
    let body = bytes[from as usize..].to_vec();
    let mut response = Response::builder().header(header::CONTENT_LENGTH, body.len());
    response = if from > 0 {
        response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {from}-{}/{total}", total - 1),
        )
    } else {
        response.status(StatusCode::OK)
    };
    let body = match fault {
        Some(Fault::CutAfter(n)) => Body::from_stream(cut_short(body[..n].to_vec())),
        _ => Body::from(body),
    };
    response.body(body).unwrap()
}

/// A body that sends `first`, then (once it had time to reach the client) fails: a transfer
/// cut short.
fn cut_short(
    first: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    use futures_util::StreamExt;
    futures_util::stream::iter([Ok(first)]).chain(futures_util::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Err(std::io::Error::other("transfer cut by the test"))
    }))
}

/// A published assets folder for [`FORK`] in `root`: the manifest and three files with
/// pseudo-random content (the executable 600 KB). Returns the manifest.
fn publish(root: &Path) -> AssetManifest {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    let mut files = BTreeMap::new();
    files.insert(CHUNK_EXE.to_string(), noise(600_000));
    files.insert(CHUNK_VM_CONFIG.to_string(), b"[app_vm_config]\n".to_vec());
    files.insert(CHUNK_VK.to_string(), noise(1_000));
    let manifest = AssetManifest::new(FORK, &files);
    files.insert(
        MANIFEST.to_string(),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    );
    for (name, bytes) in files {
        let path = root.join(FORK.as_str()).join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    manifest
}

fn circuit(workspace: &Path, base_url: Option<&str>) -> CircuitConfig {
    CircuitConfig {
        workspace_path: workspace.to_path_buf(),
        base_url: base_url.map(str::to_string),
        asset_detours: BTreeMap::new(),
        debug_mode: false,
    }
}

/// Whether `workspace` holds exactly the published files of `published`.
fn same_files(published: &Path, workspace: &Path, manifest: &AssetManifest) -> bool {
    manifest
        .files
        .keys()
        .chain([&MANIFEST.to_string()])
        .all(|f| {
            let (a, b) = (
                published.join(FORK.as_str()).join(f),
                workspace.join(FORK.as_str()).join(f),
            );
            std::fs::read(a).ok() == std::fs::read(b).ok()
        })
}

fn exe_path() -> String {
    format!("{FORK}/{CHUNK_EXE}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_checks_resumes_and_replaces_assets() {
    let published = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let manifest = publish(published.path());
    let server = StaticServer::start(published.path()).await;
    let http = reqwest::Client::new();
    let config = circuit(workspace.path(), Some(&server.base));

    // Fresh: the manifest and every file.
    let report = sync_fork_assets(&http, FORK, &config).await.unwrap();
    assert_eq!(report.downloaded.len(), 3, "{report:?}");
    assert!(report.bytes >= 601_000);
    assert!(same_files(published.path(), workspace.path(), &manifest));
    server.take_requests();

    // In sync: only the manifest is asked for.
    let report = sync_fork_assets(&http, FORK, &config).await.unwrap();
    assert!(report.downloaded.is_empty(), "{report:?}");
    assert_eq!(
        server.take_requests(),
        vec![(format!("{FORK}/{MANIFEST}"), 0)]
    );

    // A corrupt local file (same size) is detected, deleted and fetched again.
    let local_exe = workspace.path().join(FORK.as_str()).join(CHUNK_EXE);
    let mut bytes = std::fs::read(&local_exe).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&local_exe, &bytes).unwrap();
    let report = sync_fork_assets(&http, FORK, &config).await.unwrap();
    assert_eq!(report.replaced, vec![CHUNK_EXE.to_string()]);
    assert!(same_files(published.path(), workspace.path(), &manifest));

    // A transfer cut after 200,000 bytes resumes from there.
    std::fs::remove_file(&local_exe).unwrap();
    server.fault(&exe_path(), vec![Fault::CutAfter(200_000)]);
    server.take_requests();
    let report = sync_fork_assets(&http, FORK, &config).await.unwrap();
    assert_eq!(
        report.resumed,
        vec![CHUNK_EXE.to_string()],
        "{report:?} {:?}",
        server.state.requests.lock().unwrap()
    );
    let exe_requests: Vec<u64> = server
        .take_requests()
        .into_iter()
        .filter(|(p, _)| *p == exe_path())
        .map(|(_, from)| from)
        .collect();
    assert_eq!(exe_requests, vec![0, 200_000]);
    assert!(same_files(published.path(), workspace.path(), &manifest));
    assert!(!workspace
        .path()
        .join(FORK.as_str())
        .join(format!("{CHUNK_EXE}.part"))
        .exists());

    // One corrupt transfer is retried; a server that keeps serving corrupt bytes is refused,
    // and neither a file nor a partial copy is left behind.
    std::fs::remove_file(&local_exe).unwrap();
    server.fault(&exe_path(), vec![Fault::Corrupt]);
    sync_fork_assets(&http, FORK, &config).await.unwrap();
    assert!(same_files(published.path(), workspace.path(), &manifest));
    std::fs::remove_file(&local_exe).unwrap();
    server.fault(
        &exe_path(),
        vec![Fault::Corrupt; ATTEMPTS_PER_FILE as usize],
    );
    let error = sync_fork_assets(&http, FORK, &config).await.unwrap_err();
    assert!(matches!(error, DownloadError::Mismatch { .. }), "{error}");
    assert!(error.to_string().contains(CHUNK_EXE), "{error}");
    assert!(!local_exe.exists());
    assert!(!local_exe.with_extension("vmexe.part").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_debug_mode_detours_and_bad_manifests() {
    let published = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let manifest = publish(published.path());
    let server = StaticServer::start(published.path()).await;
    let http = reqwest::Client::new();

    // Nothing listens on the port of a dropped listener.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    let error = sync_fork_assets(&http, FORK, &circuit(workspace.path(), Some(&down)))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DownloadError::Http { url, .. } if url.starts_with(&down)),
        "{error}"
    );

    // A detour for the verifying key's id (hex) moves the files, not the manifest.
    let moved = published.path().join("moved");
    std::fs::create_dir_all(&moved).unwrap();
    for f in manifest.files.keys() {
        let to = moved.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(published.path().join(FORK.as_str()).join(f), to).unwrap();
    }
    let mut detoured = circuit(workspace.path(), Some(&server.base));
    let vk_id = manifest.files[CHUNK_VK].sha256.clone();
    detoured
        .asset_detours
        .insert(vk_id, format!("{}moved/", server.base));
    sync_fork_assets(&http, FORK, &detoured).await.unwrap();
    let requests = server.take_requests();
    assert!(
        requests.contains(&(format!("moved/{CHUNK_EXE}"), 0)),
        "{requests:?}"
    );
    assert!(!requests.contains(&(exe_path(), 0)), "{requests:?}");
    assert!(same_files(published.path(), workspace.path(), &manifest));

    // Server down, local assets verify: used, offline.
    let report = sync_fork_assets(&http, FORK, &circuit(workspace.path(), Some(&down)))
        .await
        .unwrap();
    assert!(report.offline);
    // ... but not once a local file is damaged.
    let local_vk = workspace.path().join(FORK.as_str()).join(CHUNK_VK);
    let mut vk = std::fs::read(&local_vk).unwrap();
    vk[0] ^= 1;
    std::fs::write(&local_vk, &vk).unwrap();
    assert!(
        sync_fork_assets(&http, FORK, &circuit(workspace.path(), Some(&down)))
            .await
            .is_err()
    );
    // debug_mode trusts the local folder without asking anybody.
    let mut debug = circuit(workspace.path(), Some(&server.base));
    debug.debug_mode = true;
    server.take_requests();
    assert!(sync_fork_assets(&http, FORK, &debug).await.unwrap().offline);
    assert!(server.take_requests().is_empty());

    // A manifest whose file would land outside the fork's folder is refused; nothing is
    // written.
    let evil_root = tempfile::tempdir().unwrap();
    let mut evil = manifest.clone();
    let entry = evil.files.remove(CHUNK_VK).unwrap();
    evil.files.insert("../escaped.bin".to_string(), entry);
    let evil_dir = evil_root.path().join(FORK.as_str());
    std::fs::create_dir_all(&evil_dir).unwrap();
    std::fs::write(evil_dir.join(MANIFEST), serde_json::to_vec(&evil).unwrap()).unwrap();
    let evil_server = StaticServer::start(evil_root.path()).await;
    let fresh = tempfile::tempdir().unwrap();
    let error = sync_fork_assets(&http, FORK, &circuit(fresh.path(), Some(&evil_server.base)))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("escaped.bin"), "{error}");
    assert!(!fresh.path().join("escaped.bin").exists());

    // A fork the server does not publish: 404 on the manifest.
    let error = sync_fork_assets(
        &http,
        ForkName::GalileoV2,
        &circuit(fresh.path(), Some(&server.base)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, DownloadError::Status { status: 404, .. }),
        "{error}"
    );
}

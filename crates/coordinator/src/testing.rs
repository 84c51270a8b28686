//! Test support (feature `testing`), for this crate's tests and for crates that test against a
//! real coordinator (the prover): a genesis file with a fork schedule, a config over a test
//! database with real verifier assets, and the API served in-process.

use std::{path::Path, path::PathBuf, sync::Arc};

use alloy_primitives::B256;
use rollproof_db::{batch::BatchData, chunk::ChunkData, Db};
use rollproof_primitives::ForkName;

use crate::{
    api::{self, AppState},
    app_state,
    config::Config,
};

/// The test chain's id (`l2.chain_id` and the devnet chains').
pub const CHAIN_ID: u64 = rollproof_devnet::sample::SAMPLE_CHAIN_ID;

/// Writes a genesis.json with these activation blocks and returns its path.
pub fn genesis(galileo_block: u64, galileo_v2_block: Option<u64>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rollproof-coordinator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "genesis-{galileo_block}-{}.json",
        galileo_v2_block.map_or("none".into(), |b| b.to_string())
    ));
    crate::local::write_genesis(&path, CHAIN_ID, galileo_block, galileo_v2_block).unwrap();
    path
}

/// A config over `dsn` verifying `verifiers` (assets root, fork), with the fork schedule of
/// `genesis_path`.
pub fn config_with(dsn: &str, verifiers: &[(&Path, ForkName)], genesis_path: &Path) -> Config {
    crate::local::local_config(
        dsn,
        CHAIN_ID,
        verifiers,
        genesis_path,
        "test-secret-0123456789",
        "v4.4.0",
    )
    .unwrap()
}

/// The API on 127.0.0.1:0 in this process.
pub struct Server {
    /// `http://127.0.0.1:<port>` (the `/coordinator/v1` paths follow).
    pub base: String,
    /// The served state.
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves `state` on 127.0.0.1:0 with `body_limit`.
    pub async fn start_with(state: Arc<AppState>, body_limit: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, state, body_limit)
    }

    /// Serves `state` on `listener` (e.g. an address a prover was told before the server
    /// came up).
    pub fn start_on(
        listener: tokio::net::TcpListener,
        state: Arc<AppState>,
        body_limit: usize,
    ) -> Self {
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = api::router(state.clone(), body_limit);
        let handle = tokio::spawn(async move {
            api::serve(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            state,
            stop: Some(tx),
            handle,
        }
    }

    /// Serves a fresh state of `config` over `db` on 127.0.0.1:0.
    pub async fn start(db: &Db, config: Config) -> Self {
        Self::start_with(
            app_state(config, db.clone()).unwrap(),
            api::DEFAULT_BODY_LIMIT,
        )
        .await
    }

    /// Stops serving and waits until the server has.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.handle.await.unwrap();
    }
}

/// Inserts batch 0 made of `chunk` alone (so a verified chunk proof makes it ready) and
/// returns it.
pub async fn store_batch_of(db: &Db, chunk: &ChunkData) -> BatchData {
    let batch = BatchData {
        index: 0,
        hash: B256::repeat_byte(0xba),
        start_chunk_index: chunk.index,
        start_chunk_hash: chunk.hash,
        end_chunk_index: chunk.index,
        end_chunk_hash: chunk.hash,
        parent_batch_hash: B256::ZERO,
        state_root: chunk.state_root,
        withdraw_root: chunk.withdraw_root,
        batch_header: vec![0; 8],
        data_hash: B256::ZERO,
        blob_data_proof: None,
        blob_size: 0,
        blob_bytes: None,
        challenge_digest: B256::ZERO,
        codec_version: chunk.codec_version,
        prev_l1_message_queue_hash: chunk.prev_l1_message_queue_hash,
        post_l1_message_queue_hash: chunk.post_l1_message_queue_hash,
    };
    rollproof_db::batch::insert(db, &batch)
        .await
        .expect("the batch row inserts");
    batch
}

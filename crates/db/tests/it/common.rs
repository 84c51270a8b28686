//! Shared fixtures and the macro that runs every test body against both backends.

use rollproof_db::{
    batch::BatchData,
    bundle::BundleData,
    chunk::ChunkData,
    l2_block::L2Block,
    prover_task::ProverIdentity,
    tasks::{self, Assignment, ClaimRequest},
    testing::TestDb,
    Backend, Db,
};
use rollproof_primitives::{TaskType, B256};

pub(crate) use rollproof_db::backend_tests;

/// A distinct hash per (tag, n).
pub fn h(tag: u8, n: u64) -> B256 {
    let mut b = [0u8; 32];
    b[0] = tag;
    b[24..].copy_from_slice(&n.to_be_bytes());
    b[31] ^= 0xa5; // keep hashes away from all-zero patterns
    B256::from(b)
}

pub fn block(number: u64) -> L2Block {
    L2Block {
        number,
        hash: h(1, number),
        parent_hash: h(1, number.wrapping_sub(1)),
        header: format!(r#"{{"number":"{number:#x}"}}"#),
        transactions: "[]".into(),
        withdraw_root: h(2, number),
        state_root: h(3, number),
        tx_num: 2,
        gas_used: 42_000,
        block_timestamp: 1_700_000_000 + number,
    }
}

/// Chunk `index` covers blocks `10*index+1 ..= 10*index+10`.
pub fn chunk(index: u64) -> ChunkData {
    ChunkData {
        index,
        hash: h(10, index),
        start_block_number: 10 * index + 1,
        start_block_hash: h(1, 10 * index + 1),
        end_block_number: 10 * index + 10,
        end_block_hash: h(1, 10 * index + 10),
        start_block_time: 1_700_000_000 + 10 * index + 1,
        total_l1_messages_popped_before: 3 * index,
        total_l1_messages_popped_in_chunk: 3,
        parent_chunk_hash: h(10, index.wrapping_sub(1)),
        state_root: h(3, 10 * index + 10),
        parent_chunk_state_root: h(3, 10 * index),
        withdraw_root: h(2, 10 * index + 10),
        prev_l1_message_queue_hash: h(11, index),
        post_l1_message_queue_hash: h(11, index + 1),
        codec_version: 8,
        total_l2_tx_gas: 1_000_000 + index,
        total_l2_tx_num: 20,
    }
}

pub fn batch(index: u64, start_chunk: u64, end_chunk: u64) -> BatchData {
    BatchData {
        index,
        hash: h(20, index),
        start_chunk_index: start_chunk,
        start_chunk_hash: h(10, start_chunk),
        end_chunk_index: end_chunk,
        end_chunk_hash: h(10, end_chunk),
        parent_batch_hash: h(20, index.wrapping_sub(1)),
        state_root: h(21, index),
        withdraw_root: h(22, index),
        batch_header: vec![0, 1, 2, 0xff, index as u8],
        data_hash: h(23, index),
        blob_data_proof: Some(vec![7; 160]),
        blob_size: 1234,
        blob_bytes: Some(vec![9; 4096]),
        challenge_digest: h(24, index),
        codec_version: 8,
        prev_l1_message_queue_hash: h(25, index),
        post_l1_message_queue_hash: h(25, index + 1),
    }
}

pub fn bundle(start_batch: u64, end_batch: u64) -> BundleData {
    BundleData {
        hash: h(30, start_batch * 1000 + end_batch),
        start_batch_index: start_batch,
        end_batch_index: end_batch,
        start_batch_hash: h(20, start_batch),
        end_batch_hash: h(20, end_batch),
        codec_version: 8,
    }
}

pub fn prover(i: usize) -> ProverIdentity {
    ProverIdentity {
        public_key: format!("02{i:064x}"),
        name: format!("prover-{i}"),
        version: "v4.5.0-abcdef0-1234567-89abcde".into(),
    }
}

/// A claim with the given limits and no exclusions.
pub fn request(task_type: TaskType, p: usize, per_session: u8, attempts: u8) -> ClaimRequest {
    ClaimRequest {
        task_type,
        prover: prover(p),
        provers_per_session: per_session,
        session_attempts: attempts,
        max_end_block_number: None,
        exclude_task_ids: vec![],
        only_task_id: None,
        exclude_recent_failures: 0,
        forks: None,
    }
}

/// Inserts chunks `0..n`.
pub async fn insert_chunks(db: &Db, n: u64) {
    for i in 0..n {
        rollproof_db::chunk::insert(db, &chunk(i)).await.unwrap();
    }
}

/// Claims one task and returns the assignment (panics when none).
pub async fn claim(db: &Db, req: &ClaimRequest) -> Assignment {
    tasks::claim(db, req)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("expected a {} task for {}", req.task_type, req.prover.name))
}

/// Claims and verifies every chunk in `indexes` (pps 1, 5 attempts), one prover per chunk.
pub async fn prove_chunks(db: &Db, indexes: impl IntoIterator<Item = u64>) {
    for i in indexes {
        let req = tasks::ClaimRequest {
            exclude_task_ids: vec![],
            only_task_id: None,
            ..request(TaskType::Chunk, 1000 + i as usize, 1, 5)
        };
        let a = claim(db, &req).await;
        assert_eq!(a.index, i, "chunks are claimed in index order");
        tasks::record_verified_proof(db, a.prover_task.uuid, b"chunk-proof", 7)
            .await
            .unwrap();
    }
}

/// One integer from a raw SQL query (to look at stored values directly).
pub async fn scalar(db: &TestDb, sql: &str) -> i64 {
    match db.backend() {
        Backend::Postgres => {
            let v: i64 = sqlx::query_scalar(&format!("SELECT CAST(({sql}) AS BIGINT)"))
                .fetch_one(db.as_postgres().unwrap())
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            v
        }
        Backend::Sqlite => {
            let v: i64 = sqlx::query_scalar(&format!("SELECT ({sql})"))
                .fetch_one(db.as_sqlite().unwrap())
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            v
        }
    }
}

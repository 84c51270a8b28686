//! Table `batch`: consecutive chunks committed to L1 together; the second level of proving tasks.
//! A batch can be proved once all its chunks' proofs are verified (`chunk_proofs_status` ready).

use chrono::NaiveDateTime;
use rollproof_primitives::{ProofsReadyStatus, RollupStatus, B256};

use crate::{
    conn::{args, to_i64, Arg, Conn, DbRow, FromDbRow},
    db::{now, Executor},
    error::{Error, Result},
    proving::{mark_parents_ready, ProvingState, CHUNK, PROVING_COLUMNS},
};

/// What the batch proposer decides about a batch (the columns it writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchData {
    /// Position in the chain of batches (unique among live rows).
    pub index: u64,
    /// Batch hash (unique among live rows); the batch task's id.
    pub hash: B256,
    /// First chunk's index.
    pub start_chunk_index: u64,
    /// First chunk's hash.
    pub start_chunk_hash: B256,
    /// Last chunk's index.
    pub end_chunk_index: u64,
    /// Last chunk's hash.
    pub end_chunk_hash: B256,
    /// The previous batch's hash.
    pub parent_batch_hash: B256,
    /// State root after the batch.
    pub state_root: B256,
    /// Withdraw trie root after the batch.
    pub withdraw_root: B256,
    /// The encoded batch header.
    pub batch_header: Vec<u8>,
    /// The batch's data hash.
    pub data_hash: B256,
    /// z (32) | y (32) | KZG commitment (48) | KZG proof (48).
    pub blob_data_proof: Option<Vec<u8>>,
    /// Size of the blob payload.
    pub blob_size: u32,
    /// The blob's bytes.
    pub blob_bytes: Option<Vec<u8>>,
    /// The blob challenge digest.
    pub challenge_digest: B256,
    /// Codec version of the batch's encoding.
    pub codec_version: u16,
    /// L1 message-queue hash before the batch.
    pub prev_l1_message_queue_hash: B256,
    /// L1 message-queue hash after the batch.
    pub post_l1_message_queue_hash: B256,
}

/// The L1 columns of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRollupState {
    /// Where the batch is on L1 (`rollup_status`, default pending).
    pub rollup_status: RollupStatus,
    /// The commit transaction.
    pub commit_tx_hash: Option<B256>,
    /// When the batch was committed (UTC).
    pub committed_at: Option<NaiveDateTime>,
    /// The finalize transaction.
    pub finalize_tx_hash: Option<B256>,
    /// When the batch was finalized (UTC).
    pub finalized_at: Option<NaiveDateTime>,
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The proposer's columns.
    pub data: BatchData,
    /// Whether every chunk proof of the batch is verified.
    pub chunk_proofs_status: ProofsReadyStatus,
    /// The proving columns.
    pub proving: ProvingState,
    /// The L1 columns.
    pub rollup: BatchRollupState,
    /// The bundle that contains the batch, once bundled.
    pub bundle_hash: Option<B256>,
    /// When the row was inserted (UTC).
    pub created_at: NaiveDateTime,
    /// When the row last changed (UTC).
    pub updated_at: NaiveDateTime,
}

fn columns() -> String {
    format!(
        "\"index\", hash, start_chunk_index, start_chunk_hash, end_chunk_index, end_chunk_hash, \
         parent_batch_hash, state_root, withdraw_root, batch_header, data_hash, blob_data_proof, \
         blob_size, blob_bytes, challenge_digest, codec_version, prev_l1_message_queue_hash, \
         post_l1_message_queue_hash, chunk_proofs_status, rollup_status, commit_tx_hash, \
         committed_at, finalize_tx_hash, finalized_at, bundle_hash, created_at, updated_at, \
         {PROVING_COLUMNS}"
    )
}

impl FromDbRow for Batch {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            data: BatchData {
                index: row.u64("index")?,
                hash: row.hash("hash")?,
                start_chunk_index: row.u64("start_chunk_index")?,
                start_chunk_hash: row.hash("start_chunk_hash")?,
                end_chunk_index: row.u64("end_chunk_index")?,
                end_chunk_hash: row.hash("end_chunk_hash")?,
                parent_batch_hash: row.hash("parent_batch_hash")?,
                state_root: row.hash("state_root")?,
                withdraw_root: row.hash("withdraw_root")?,
                batch_header: row.bytes("batch_header")?,
                data_hash: row.hash("data_hash")?,
                blob_data_proof: row.opt_bytes("blob_data_proof")?,
                blob_size: row.u32("blob_size")?,
                blob_bytes: row.opt_bytes("blob_bytes")?,
                challenge_digest: row.hash("challenge_digest")?,
                codec_version: row.u16("codec_version")?,
                prev_l1_message_queue_hash: row.hash("prev_l1_message_queue_hash")?,
                post_l1_message_queue_hash: row.hash("post_l1_message_queue_hash")?,
            },
            chunk_proofs_status: row.status("chunk_proofs_status")?,
            proving: ProvingState::from_row(row)?,
            rollup: BatchRollupState {
                rollup_status: row.status("rollup_status")?,
                commit_tx_hash: row.opt_hash("commit_tx_hash")?,
                committed_at: row.opt_time("committed_at")?,
                finalize_tx_hash: row.opt_hash("finalize_tx_hash")?,
                finalized_at: row.opt_time("finalized_at")?,
            },
            bundle_hash: row.opt_hash("bundle_hash")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }
}

/// Inserts a batch and, in the same transaction, links the live chunks
/// `start_chunk_index..=end_chunk_index` to it and marks its chunk proofs ready when they are all
/// verified already. Fails with [`Error::MissingChildren`] (nothing written) when a chunk of the
/// range is not stored, with [`Error::Duplicate`] on a duplicate index or hash.
pub async fn insert<'c>(ex: impl Executor<'c>, batch: &BatchData) -> Result<()> {
    let b = batch;
    if b.end_chunk_index < b.start_chunk_index {
        return Err(Error::InvalidValue {
            column: "batch.end_chunk_index",
            reason: format!(
                "end chunk index {} is below start chunk index {}",
                b.end_chunk_index, b.start_chunk_index
            ),
        });
    }
    let start = to_i64(b.start_chunk_index, "batch.start_chunk_index")?;
    let end = to_i64(b.end_chunk_index, "batch.end_chunk_index")?;
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    conn.execute(
        "INSERT INTO batch (\"index\", hash, start_chunk_index, start_chunk_hash, \
         end_chunk_index, end_chunk_hash, parent_batch_hash, state_root, withdraw_root, \
         batch_header, data_hash, blob_data_proof, blob_size, blob_bytes, challenge_digest, \
         codec_version, prev_l1_message_queue_hash, post_l1_message_queue_hash, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $19)",
        args![
            to_i64(b.index, "batch.index")?,
            b.hash,
            start,
            b.start_chunk_hash,
            end,
            b.end_chunk_hash,
            b.parent_batch_hash,
            b.state_root,
            b.withdraw_root,
            &b.batch_header,
            b.data_hash,
            b.blob_data_proof.as_ref(),
            b.blob_size,
            b.blob_bytes.as_ref(),
            b.challenge_digest,
            i64::from(b.codec_version),
            b.prev_l1_message_queue_hash,
            b.post_l1_message_queue_hash,
            at,
        ],
    )
    .await?;
    let linked = conn
        .execute(
            "UPDATE chunk SET batch_hash = $1, updated_at = $2 \
             WHERE \"index\" >= $3 AND \"index\" <= $4 AND deleted_at IS NULL",
            args![b.hash, at, start, end],
        )
        .await?;
    let expected = b.end_chunk_index - b.start_chunk_index + 1;
    if linked != expected {
        return Err(Error::MissingChildren {
            parent: "batch",
            hash: b.hash.to_string(),
            children: "chunks",
            expected,
            found: linked,
        });
    }
    mark_parents_ready(&mut conn, &CHUNK, Some(b.hash), at).await?;
    tx.commit().await
}

async fn fetch_optional(
    conn: &mut Conn<'_>,
    condition: &str,
    args: Vec<Arg>,
) -> Result<Option<Batch>> {
    let sql = format!(
        "SELECT {} FROM batch WHERE {condition} AND deleted_at IS NULL",
        columns()
    );
    conn.fetch_optional(&sql, args).await
}

/// The live batch with this hash.
pub async fn get_by_hash<'c>(ex: impl Executor<'c>, hash: B256) -> Result<Option<Batch>> {
    let mut h = ex.acquire().await?;
    fetch_optional(&mut h.conn(), "hash = $1", args![hash]).await
}

/// The live batch with this index.
pub async fn get_by_index<'c>(ex: impl Executor<'c>, index: u64) -> Result<Option<Batch>> {
    let mut h = ex.acquire().await?;
    let index = to_i64(index, "batch.index")?;
    fetch_optional(&mut h.conn(), "\"index\" = $1", args![index]).await
}

/// The live batch with the highest index.
pub async fn latest<'c>(ex: impl Executor<'c>) -> Result<Option<Batch>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_optional(
            &format!(
                "SELECT {} FROM batch WHERE deleted_at IS NULL ORDER BY \"index\" DESC LIMIT 1",
                columns()
            ),
            args![],
        )
        .await
}

/// The live batches of a bundle, by index (their proofs are the bundle task's inputs).
pub async fn list_by_bundle<'c>(ex: impl Executor<'c>, bundle_hash: B256) -> Result<Vec<Batch>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM batch WHERE bundle_hash = $1 AND deleted_at IS NULL \
                 ORDER BY \"index\"",
                columns()
            ),
            args![bundle_hash],
        )
        .await
}

/// Up to `limit` live batches from index `start` on, by index.
pub async fn list_from_index<'c>(
    ex: impl Executor<'c>,
    start: u64,
    limit: u32,
) -> Result<Vec<Batch>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM batch WHERE \"index\" >= $1 AND deleted_at IS NULL \
                 ORDER BY \"index\" LIMIT $2",
                columns()
            ),
            args![to_i64(start, "batch.index")?, limit],
        )
        .await
}

/// Up to `limit` live batches not in a bundle yet, by index (the bundle proposer's input).
pub async fn list_unbundled<'c>(ex: impl Executor<'c>, limit: u32) -> Result<Vec<Batch>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM batch WHERE bundle_hash IS NULL AND deleted_at IS NULL \
                 ORDER BY \"index\" LIMIT $1",
                columns()
            ),
            args![limit],
        )
        .await
}

/// Moves a batch's L1 state. `tx_hash` (when given) is stored as the commit transaction for
/// committing / committed / commit_failed and as the finalize transaction for finalizing /
/// finalized / finalize_failed; `committed_at` / `finalized_at` are set on committed /
/// finalized. Returns whether a live batch was updated.
pub async fn update_rollup_status<'c>(
    ex: impl Executor<'c>,
    hash: B256,
    status: RollupStatus,
    tx_hash: Option<B256>,
) -> Result<bool> {
    use RollupStatus as R;
    let at = now();
    let (tx_column, time_column) = match status {
        R::Committing | R::CommitFailed => (Some("commit_tx_hash"), None),
        R::Committed => (Some("commit_tx_hash"), Some("committed_at")),
        R::Finalizing | R::FinalizeFailed => (Some("finalize_tx_hash"), None),
        R::Finalized => (Some("finalize_tx_hash"), Some("finalized_at")),
        R::Undefined | R::Pending => (None, None),
    };
    let mut sets = String::from("rollup_status = $2, updated_at = $3");
    if let (Some(col), Some(_)) = (tx_column, tx_hash) {
        sets.push_str(&format!(", {col} = $4"));
    }
    if let Some(col) = time_column {
        sets.push_str(&format!(", {col} = $3"));
    }
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            &format!("UPDATE batch SET {sets} WHERE hash = $1 AND deleted_at IS NULL"),
            args![hash, status, at, tx_hash],
        )
        .await?;
    Ok(n > 0)
}

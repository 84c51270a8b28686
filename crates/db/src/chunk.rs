//! Table `chunk`: consecutive L2 blocks proved together; the first level of proving tasks.
//! Claiming, proof recording and timeouts are in [`crate::tasks`].

use chrono::NaiveDateTime;
use rollproof_primitives::B256;

use crate::{
    conn::{args, to_i64, Arg, Conn, DbRow, FromDbRow},
    db::{now, Executor},
    error::Result,
    proving::{ProvingState, PROVING_COLUMNS},
};

/// What the chunk proposer decides about a chunk (the columns it writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkData {
    /// Position in the chain of chunks (unique among live rows).
    pub index: u64,
    /// Chunk hash (unique among live rows); the chunk task's id.
    pub hash: B256,
    /// First block's number.
    pub start_block_number: u64,
    /// First block's hash.
    pub start_block_hash: B256,
    /// Last block's number.
    pub end_block_number: u64,
    /// Last block's hash.
    pub end_block_hash: B256,
    /// First block's timestamp (seconds).
    pub start_block_time: u64,
    /// L1 messages popped before this chunk.
    pub total_l1_messages_popped_before: u64,
    /// L1 messages popped in this chunk.
    pub total_l1_messages_popped_in_chunk: u32,
    /// The previous chunk's hash.
    pub parent_chunk_hash: B256,
    /// State root after the chunk.
    pub state_root: B256,
    /// State root before the chunk.
    pub parent_chunk_state_root: B256,
    /// Withdraw trie root after the chunk.
    pub withdraw_root: B256,
    /// L1 message-queue hash before the chunk.
    pub prev_l1_message_queue_hash: B256,
    /// L1 message-queue hash after the chunk.
    pub post_l1_message_queue_hash: B256,
    /// Codec version of the chunk's encoding.
    pub codec_version: u16,
    /// Gas used by the chunk's L2 transactions.
    pub total_l2_tx_gas: u64,
    /// Number of L2 transactions in the chunk.
    pub total_l2_tx_num: u32,
}

/// A stored chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The proposer's columns.
    pub data: ChunkData,
    /// The proving columns.
    pub proving: ProvingState,
    /// The batch that contains the chunk, once batched.
    pub batch_hash: Option<B256>,
    /// When the row was inserted (UTC).
    pub created_at: NaiveDateTime,
    /// When the row last changed (UTC).
    pub updated_at: NaiveDateTime,
}

fn columns() -> String {
    format!(
        "\"index\", hash, start_block_number, start_block_hash, end_block_number, end_block_hash, \
         start_block_time, total_l1_messages_popped_before, total_l1_messages_popped_in_chunk, \
         parent_chunk_hash, state_root, parent_chunk_state_root, withdraw_root, \
         prev_l1_message_queue_hash, post_l1_message_queue_hash, codec_version, total_l2_tx_gas, \
         total_l2_tx_num, batch_hash, created_at, updated_at, {PROVING_COLUMNS}"
    )
}

impl FromDbRow for Chunk {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            data: ChunkData {
                index: row.u64("index")?,
                hash: row.hash("hash")?,
                start_block_number: row.u64("start_block_number")?,
                start_block_hash: row.hash("start_block_hash")?,
                end_block_number: row.u64("end_block_number")?,
                end_block_hash: row.hash("end_block_hash")?,
                start_block_time: row.u64("start_block_time")?,
                total_l1_messages_popped_before: row.u64("total_l1_messages_popped_before")?,
                total_l1_messages_popped_in_chunk: row.u32("total_l1_messages_popped_in_chunk")?,
                parent_chunk_hash: row.hash("parent_chunk_hash")?,
                state_root: row.hash("state_root")?,
                parent_chunk_state_root: row.hash("parent_chunk_state_root")?,
                withdraw_root: row.hash("withdraw_root")?,
                prev_l1_message_queue_hash: row.hash("prev_l1_message_queue_hash")?,
                post_l1_message_queue_hash: row.hash("post_l1_message_queue_hash")?,
                codec_version: row.u16("codec_version")?,
                total_l2_tx_gas: row.u64("total_l2_tx_gas")?,
                total_l2_tx_num: row.u32("total_l2_tx_num")?,
            },
            proving: ProvingState::from_row(row)?,
            batch_hash: row.opt_hash("batch_hash")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }
}

/// Inserts a chunk (proving status unassigned) and, in the same transaction, links the stored L2
/// blocks `start_block_number..=end_block_number` to it. A duplicate index or hash fails with
/// [`Error::Duplicate`](crate::Error::Duplicate).
pub async fn insert<'c>(ex: impl Executor<'c>, chunk: &ChunkData) -> Result<()> {
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let c = chunk;
    conn.execute(
        "INSERT INTO chunk (\"index\", hash, start_block_number, start_block_hash, \
         end_block_number, end_block_hash, start_block_time, total_l1_messages_popped_before, \
         total_l1_messages_popped_in_chunk, parent_chunk_hash, state_root, \
         parent_chunk_state_root, withdraw_root, prev_l1_message_queue_hash, \
         post_l1_message_queue_hash, codec_version, total_l2_tx_gas, total_l2_tx_num, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $19)",
        args![
            to_i64(c.index, "chunk.index")?,
            c.hash,
            to_i64(c.start_block_number, "chunk.start_block_number")?,
            c.start_block_hash,
            to_i64(c.end_block_number, "chunk.end_block_number")?,
            c.end_block_hash,
            to_i64(c.start_block_time, "chunk.start_block_time")?,
            to_i64(
                c.total_l1_messages_popped_before,
                "chunk.total_l1_messages_popped_before"
            )?,
            c.total_l1_messages_popped_in_chunk,
            c.parent_chunk_hash,
            c.state_root,
            c.parent_chunk_state_root,
            c.withdraw_root,
            c.prev_l1_message_queue_hash,
            c.post_l1_message_queue_hash,
            i64::from(c.codec_version),
            to_i64(c.total_l2_tx_gas, "chunk.total_l2_tx_gas")?,
            c.total_l2_tx_num,
            at,
        ],
    )
    .await?;
    conn.execute(
        "UPDATE l2_block SET chunk_hash = $1, updated_at = $2 \
         WHERE number >= $3 AND number <= $4 AND deleted_at IS NULL",
        args![
            c.hash,
            at,
            to_i64(c.start_block_number, "chunk.start_block_number")?,
            to_i64(c.end_block_number, "chunk.end_block_number")?,
        ],
    )
    .await?;
    tx.commit().await
}

async fn fetch_optional(
    conn: &mut Conn<'_>,
    condition: &str,
    args: Vec<Arg>,
) -> Result<Option<Chunk>> {
    let sql = format!(
        "SELECT {} FROM chunk WHERE {condition} AND deleted_at IS NULL",
        columns()
    );
    conn.fetch_optional(&sql, args).await
}

/// The live chunk with this hash.
pub async fn get_by_hash<'c>(ex: impl Executor<'c>, hash: B256) -> Result<Option<Chunk>> {
    let mut h = ex.acquire().await?;
    fetch_optional(&mut h.conn(), "hash = $1", args![hash]).await
}

/// The live chunk with this index.
pub async fn get_by_index<'c>(ex: impl Executor<'c>, index: u64) -> Result<Option<Chunk>> {
    let mut h = ex.acquire().await?;
    let index = to_i64(index, "chunk.index")?;
    fetch_optional(&mut h.conn(), "\"index\" = $1", args![index]).await
}

/// The live chunk with the highest index.
pub async fn latest<'c>(ex: impl Executor<'c>) -> Result<Option<Chunk>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_optional(
            &format!(
                "SELECT {} FROM chunk WHERE deleted_at IS NULL ORDER BY \"index\" DESC LIMIT 1",
                columns()
            ),
            args![],
        )
        .await
}

/// The live chunks of a batch, by index (their proofs are the batch task's inputs).
pub async fn list_by_batch<'c>(ex: impl Executor<'c>, batch_hash: B256) -> Result<Vec<Chunk>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM chunk WHERE batch_hash = $1 AND deleted_at IS NULL \
                 ORDER BY \"index\"",
                columns()
            ),
            args![batch_hash],
        )
        .await
}

/// Up to `limit` live chunks from index `start` on, by index.
pub async fn list_from_index<'c>(
    ex: impl Executor<'c>,
    start: u64,
    limit: u32,
) -> Result<Vec<Chunk>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM chunk WHERE \"index\" >= $1 AND deleted_at IS NULL \
                 ORDER BY \"index\" LIMIT $2",
                columns()
            ),
            args![to_i64(start, "chunk.index")?, limit],
        )
        .await
}

/// Up to `limit` live chunks not in a batch yet, by index (the batch proposer's input).
pub async fn list_unbatched<'c>(ex: impl Executor<'c>, limit: u32) -> Result<Vec<Chunk>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {} FROM chunk WHERE batch_hash IS NULL AND deleted_at IS NULL \
                 ORDER BY \"index\" LIMIT $1",
                columns()
            ),
            args![limit],
        )
        .await
}

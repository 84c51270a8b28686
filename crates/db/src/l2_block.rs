//! Table `l2_block`: the L2 blocks the rollup ingested, each later tied to the chunk that
//! contains it (`chunk_hash`), and its witness for chunk tasks ([`set_witness`],
//! [`witnesses_in_range`]; not part of [`StoredL2Block`], which stays small).

use chrono::NaiveDateTime;
use rollproof_primitives::B256;

use crate::{
    conn::{args, to_i64, DbRow, FromDbRow, HashRow},
    db::{now, Executor},
    error::Result,
};

/// One L2 block as the rollup stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Block {
    /// Block number (unique among live rows).
    pub number: u64,
    /// Block hash (unique among live rows).
    pub hash: B256,
    /// Parent block hash.
    pub parent_hash: B256,
    /// The block header, JSON (as the reference stores it).
    pub header: String,
    /// The block's transactions, JSON.
    pub transactions: String,
    /// The withdraw trie root after the block.
    pub withdraw_root: B256,
    /// The state root after the block.
    pub state_root: B256,
    /// Number of transactions.
    pub tx_num: u32,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Block timestamp (seconds).
    pub block_timestamp: u64,
}

/// A stored [`L2Block`] with its chunk link and row times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredL2Block {
    /// The block.
    pub block: L2Block,
    /// The chunk that contains the block, once chunked.
    pub chunk_hash: Option<B256>,
    /// When the row was inserted (UTC).
    pub created_at: NaiveDateTime,
    /// When the row last changed (UTC).
    pub updated_at: NaiveDateTime,
}

const COLUMNS: &str =
    "number, hash, parent_hash, header, transactions, withdraw_root, state_root, \
    tx_num, gas_used, block_timestamp, chunk_hash, created_at, updated_at";

impl FromDbRow for StoredL2Block {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            block: L2Block {
                number: row.u64("number")?,
                hash: row.hash("hash")?,
                parent_hash: row.hash("parent_hash")?,
                header: row.text("header")?,
                transactions: row.text("transactions")?,
                withdraw_root: row.hash("withdraw_root")?,
                state_root: row.hash("state_root")?,
                tx_num: row.u32("tx_num")?,
                gas_used: row.u64("gas_used")?,
                block_timestamp: row.u64("block_timestamp")?,
            },
            chunk_hash: row.opt_hash("chunk_hash")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }
}

/// Inserts blocks, all or none (one transaction). A block whose number or hash is already stored
/// fails the whole call with [`Error::Duplicate`](crate::Error::Duplicate).
pub async fn insert_many<'c>(ex: impl Executor<'c>, blocks: &[L2Block]) -> Result<()> {
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    for b in blocks {
        conn.execute(
            "INSERT INTO l2_block (number, hash, parent_hash, header, transactions, withdraw_root, \
             state_root, tx_num, gas_used, block_timestamp, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            args![
                to_i64(b.number, "l2_block.number")?,
                b.hash,
                b.parent_hash,
                &b.header,
                &b.transactions,
                b.withdraw_root,
                b.state_root,
                b.tx_num,
                to_i64(b.gas_used, "l2_block.gas_used")?,
                to_i64(b.block_timestamp, "l2_block.block_timestamp")?,
                at,
            ],
        )
        .await?;
    }
    tx.commit().await
}

/// The block with this number, if stored.
pub async fn get_by_number<'c>(
    ex: impl Executor<'c>,
    number: u64,
) -> Result<Option<StoredL2Block>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_optional(
            &format!("SELECT {COLUMNS} FROM l2_block WHERE number = $1 AND deleted_at IS NULL"),
            args![to_i64(number, "l2_block.number")?],
        )
        .await
}

/// The block with this hash, if stored.
pub async fn get_by_hash<'c>(ex: impl Executor<'c>, hash: B256) -> Result<Option<StoredL2Block>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_optional(
            &format!("SELECT {COLUMNS} FROM l2_block WHERE hash = $1 AND deleted_at IS NULL"),
            args![hash],
        )
        .await
}

/// The stored blocks numbered `start..=end`, by number.
pub async fn get_range<'c>(
    ex: impl Executor<'c>,
    start: u64,
    end: u64,
) -> Result<Vec<StoredL2Block>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM l2_block WHERE number >= $1 AND number <= $2 \
                 AND deleted_at IS NULL ORDER BY number"
            ),
            args![
                to_i64(start, "l2_block.number")?,
                to_i64(end, "l2_block.number")?
            ],
        )
        .await
}

/// The hashes of the stored blocks numbered `start..=end`, by number (a chunk task's
/// `block_hashes`).
pub async fn hashes_in_range<'c>(ex: impl Executor<'c>, start: u64, end: u64) -> Result<Vec<B256>> {
    let mut h = ex.acquire().await?;
    let rows: Vec<HashRow> = h
        .conn()
        .fetch_all(
            "SELECT hash FROM l2_block WHERE number >= $1 AND number <= $2 \
             AND deleted_at IS NULL ORDER BY number",
            args![
                to_i64(start, "l2_block.number")?,
                to_i64(end, "l2_block.number")?
            ],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The highest stored block number, if any block is stored.
pub async fn latest_number<'c>(ex: impl Executor<'c>) -> Result<Option<u64>> {
    let mut h = ex.acquire().await?;
    let max: Option<i64> = h
        .conn()
        .fetch_one(
            "SELECT MAX(number) AS value FROM l2_block WHERE deleted_at IS NULL",
            args![],
        )
        .await?;
    max.map(|n| {
        u64::try_from(n).map_err(|_| crate::Error::InvalidValue {
            column: "l2_block.number",
            reason: format!("{n} is negative"),
        })
    })
    .transpose()
}

/// Up to `limit` blocks not yet in a chunk, from the lowest number on (the chunk proposer's
/// input).
pub async fn get_unchunked<'c>(ex: impl Executor<'c>, limit: u32) -> Result<Vec<StoredL2Block>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM l2_block WHERE chunk_hash IS NULL AND deleted_at IS NULL \
                 ORDER BY number LIMIT $1"
            ),
            args![limit],
        )
        .await
}

/// Stores the witness of block `number`: the rollup's compressed one-block chunk witness
/// (`rollproof_libzkp::witness::compress_block_witness`); replaces an earlier one. Returns
/// whether the block is stored (`false`: nothing written).
pub async fn set_witness<'c>(ex: impl Executor<'c>, number: u64, witness: &[u8]) -> Result<bool> {
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            "UPDATE l2_block SET witness = $2, updated_at = $3 \
             WHERE number = $1 AND deleted_at IS NULL",
            args![to_i64(number, "l2_block.number")?, witness, now()],
        )
        .await?;
    Ok(n > 0)
}

/// A stored block's witness, as [`witnesses_in_range`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockWitness {
    /// The block number.
    pub number: u64,
    /// The stored witness bytes; `None` when the rollup has not stored one.
    pub witness: Option<Vec<u8>>,
}

impl FromDbRow for BlockWitness {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            number: row.u64("number")?,
            witness: row.opt_bytes("witness")?,
        })
    }
}

/// The witnesses of the stored blocks numbered `start..=end`, by number (a block that is not
/// stored at all is absent from the list).
pub async fn witnesses_in_range<'c>(
    ex: impl Executor<'c>,
    start: u64,
    end: u64,
) -> Result<Vec<BlockWitness>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            "SELECT number, witness FROM l2_block WHERE number >= $1 AND number <= $2 \
             AND deleted_at IS NULL ORDER BY number",
            args![
                to_i64(start, "l2_block.number")?,
                to_i64(end, "l2_block.number")?
            ],
        )
        .await
}

/// Removes (soft-deletes) every stored block numbered `from` or higher, with its witness: what
/// the relayer does when the L2 chain reorganised below its stored tip. All or nothing: when
/// one of those blocks is already in a chunk, fails with
/// [`Error::InvalidState`](crate::Error::InvalidState) and removes none (a chunked block is
/// on its way to L1; an operator must decide). Returns how many blocks were removed.
pub async fn delete_unchunked_from<'c>(ex: impl Executor<'c>, from: u64) -> Result<u64> {
    let from_i64 = to_i64(from, "l2_block.number")?;
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let chunked: Option<i64> = conn
        .fetch_one(
            "SELECT MIN(number) AS value FROM l2_block WHERE number >= $1 \
             AND chunk_hash IS NOT NULL AND deleted_at IS NULL",
            args![from_i64],
        )
        .await?;
    if let Some(number) = chunked {
        return Err(crate::Error::InvalidState {
            what: "l2_block",
            key: number.to_string(),
            reason: format!(
                "is already in a chunk, so blocks from {from} on cannot be removed for a reorg"
            ),
        });
    }
    let removed = conn
        .execute(
            "UPDATE l2_block SET deleted_at = $2, updated_at = $2, witness = NULL \
             WHERE number >= $1 AND deleted_at IS NULL",
            args![from_i64, now()],
        )
        .await?;
    tx.commit().await?;
    Ok(removed)
}

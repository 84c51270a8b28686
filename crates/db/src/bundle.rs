//! Table `bundle`: consecutive batches finalized on L1 with one proof; the third level of
//! proving tasks. A bundle can be proved once all its batches' proofs are verified
//! (`batch_proofs_status` ready). Its index is assigned by the database.

use chrono::NaiveDateTime;
use rollproof_primitives::{ProofsReadyStatus, RollupStatus, B256};

use crate::{
    conn::{args, to_i64, Arg, Conn, DbRow, FromDbRow},
    db::{now, Executor},
    error::{Error, Result},
    proving::{mark_parents_ready, ProvingState, BATCH, PROVING_COLUMNS},
};

/// What the bundle proposer decides about a bundle (the columns it writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleData {
    /// `keccak256(start_batch_hash || end_batch_hash)` (see
    /// `rollproof_primitives::bundle_hash`); unique among live rows; the bundle task's id.
    pub hash: B256,
    /// First batch's index.
    pub start_batch_index: u64,
    /// Last batch's index.
    pub end_batch_index: u64,
    /// First batch's hash.
    pub start_batch_hash: B256,
    /// Last batch's hash.
    pub end_batch_hash: B256,
    /// Codec version of the bundle's batches.
    pub codec_version: u16,
}

/// A stored bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Position in the chain of bundles, assigned at insertion (1, 2, …).
    pub index: u64,
    /// The proposer's columns.
    pub data: BundleData,
    /// Whether every batch proof of the bundle is verified.
    pub batch_proofs_status: ProofsReadyStatus,
    /// The proving columns.
    pub proving: ProvingState,
    /// Where the bundle is on L1 (`rollup_status`, default pending).
    pub rollup_status: RollupStatus,
    /// The finalize transaction.
    pub finalize_tx_hash: Option<B256>,
    /// When the bundle was finalized (UTC).
    pub finalized_at: Option<NaiveDateTime>,
    /// When the row was inserted (UTC).
    pub created_at: NaiveDateTime,
    /// When the row last changed (UTC).
    pub updated_at: NaiveDateTime,
}

fn columns() -> String {
    format!(
        "\"index\", hash, start_batch_index, end_batch_index, start_batch_hash, end_batch_hash, \
         codec_version, batch_proofs_status, rollup_status, finalize_tx_hash, finalized_at, \
         created_at, updated_at, {PROVING_COLUMNS}"
    )
}

impl FromDbRow for Bundle {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            index: row.u64("index")?,
            data: BundleData {
                hash: row.hash("hash")?,
                start_batch_index: row.u64("start_batch_index")?,
                end_batch_index: row.u64("end_batch_index")?,
                start_batch_hash: row.hash("start_batch_hash")?,
                end_batch_hash: row.hash("end_batch_hash")?,
                codec_version: row.u16("codec_version")?,
            },
            batch_proofs_status: row.status("batch_proofs_status")?,
            proving: ProvingState::from_row(row)?,
            rollup_status: row.status("rollup_status")?,
            finalize_tx_hash: row.opt_hash("finalize_tx_hash")?,
            finalized_at: row.opt_time("finalized_at")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }
}

/// Inserts a bundle and, in the same transaction, links the live batches
/// `start_batch_index..=end_batch_index` to it and marks its batch proofs ready when they are all
/// verified already. Returns the bundle's index. Fails with [`Error::MissingChildren`] (nothing
/// written) when a batch of the range is not stored, with [`Error::Duplicate`] on a duplicate
/// hash.
pub async fn insert<'c>(ex: impl Executor<'c>, bundle: &BundleData) -> Result<u64> {
    let b = bundle;
    if b.end_batch_index < b.start_batch_index {
        return Err(Error::InvalidValue {
            column: "bundle.end_batch_index",
            reason: format!(
                "end batch index {} is below start batch index {}",
                b.end_batch_index, b.start_batch_index
            ),
        });
    }
    let start = to_i64(b.start_batch_index, "bundle.start_batch_index")?;
    let end = to_i64(b.end_batch_index, "bundle.end_batch_index")?;
    let mut tx = ex.begin().await?;
    let mut conn = tx.conn();
    let at = now();
    let index: i64 = conn
        .fetch_one(
            "INSERT INTO bundle (hash, start_batch_index, end_batch_index, start_batch_hash, \
             end_batch_hash, codec_version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING \"index\"",
            args![
                b.hash,
                start,
                end,
                b.start_batch_hash,
                b.end_batch_hash,
                i64::from(b.codec_version),
                at,
            ],
        )
        .await?;
    let linked = conn
        .execute(
            "UPDATE batch SET bundle_hash = $1, updated_at = $2 \
             WHERE \"index\" >= $3 AND \"index\" <= $4 AND deleted_at IS NULL",
            args![b.hash, at, start, end],
        )
        .await?;
    let expected = b.end_batch_index - b.start_batch_index + 1;
    if linked != expected {
        return Err(Error::MissingChildren {
            parent: "bundle",
            hash: b.hash.to_string(),
            children: "batches",
            expected,
            found: linked,
        });
    }
    mark_parents_ready(&mut conn, &BATCH, Some(b.hash), at).await?;
    tx.commit().await?;
    u64::try_from(index).map_err(|_| Error::InvalidValue {
        column: "bundle.index",
        reason: format!("{index} is negative"),
    })
}

async fn fetch_optional(
    conn: &mut Conn<'_>,
    condition: &str,
    args: Vec<Arg>,
) -> Result<Option<Bundle>> {
    let sql = format!(
        "SELECT {} FROM bundle WHERE {condition} AND deleted_at IS NULL",
        columns()
    );
    conn.fetch_optional(&sql, args).await
}

/// The live bundle with this hash.
pub async fn get_by_hash<'c>(ex: impl Executor<'c>, hash: B256) -> Result<Option<Bundle>> {
    let mut h = ex.acquire().await?;
    fetch_optional(&mut h.conn(), "hash = $1", args![hash]).await
}

/// The live bundle with this index.
pub async fn get_by_index<'c>(ex: impl Executor<'c>, index: u64) -> Result<Option<Bundle>> {
    let mut h = ex.acquire().await?;
    let index = to_i64(index, "bundle.index")?;
    fetch_optional(&mut h.conn(), "\"index\" = $1", args![index]).await
}

/// The live bundle with the highest index.
pub async fn latest<'c>(ex: impl Executor<'c>) -> Result<Option<Bundle>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_optional(
            &format!(
                "SELECT {} FROM bundle WHERE deleted_at IS NULL ORDER BY \"index\" DESC LIMIT 1",
                columns()
            ),
            args![],
        )
        .await
}

/// Moves a bundle's L1 state; `tx_hash` (when given) is stored as the finalize transaction, and
/// `finalized_at` is set on finalized. Returns whether a live bundle was updated.
pub async fn update_rollup_status<'c>(
    ex: impl Executor<'c>,
    hash: B256,
    status: RollupStatus,
    tx_hash: Option<B256>,
) -> Result<bool> {
    let at = now();
    let mut sets = String::from("rollup_status = $2, updated_at = $3");
    if tx_hash.is_some() {
        sets.push_str(", finalize_tx_hash = $4");
    }
    if status == RollupStatus::Finalized {
        sets.push_str(", finalized_at = $3");
    }
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            &format!("UPDATE bundle SET {sets} WHERE hash = $1 AND deleted_at IS NULL"),
            args![hash, status, at, tx_hash],
        )
        .await?;
    Ok(n > 0)
}

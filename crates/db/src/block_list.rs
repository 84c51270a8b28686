//! Table `prover_block_list`: provers (by public key) that get no tasks. Unblocking soft-deletes
//! the row, so a key can be blocked, unblocked and blocked again.

use chrono::NaiveDateTime;

use crate::{
    conn::{args, DbRow, FromDbRow},
    db::{now, Executor},
    error::Result,
};

/// A blocked prover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedProver {
    /// The prover's public key.
    pub public_key: String,
    /// The prover's name, for the operator.
    pub prover_name: String,
    /// When it was blocked (UTC).
    pub created_at: NaiveDateTime,
}

impl FromDbRow for BlockedProver {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        Ok(Self {
            public_key: row.text("public_key")?,
            prover_name: row.text("prover_name")?,
            created_at: row.time("created_at")?,
        })
    }
}

/// Blocks a prover. Returns `false` (and changes nothing) when it is blocked already.
pub async fn add<'c>(ex: impl Executor<'c>, public_key: &str, prover_name: &str) -> Result<bool> {
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            "INSERT INTO prover_block_list (public_key, prover_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $3) ON CONFLICT (public_key) WHERE deleted_at IS NULL DO NOTHING",
            args![public_key, prover_name, now()],
        )
        .await?;
    Ok(n > 0)
}

/// Unblocks a prover (soft delete). Returns whether it was blocked.
pub async fn remove<'c>(ex: impl Executor<'c>, public_key: &str) -> Result<bool> {
    let mut h = ex.acquire().await?;
    let n = h
        .conn()
        .execute(
            "UPDATE prover_block_list SET deleted_at = $2, updated_at = $2 \
             WHERE public_key = $1 AND deleted_at IS NULL",
            args![public_key, now()],
        )
        .await?;
    Ok(n > 0)
}

/// Whether the prover is blocked.
pub async fn is_blocked<'c>(ex: impl Executor<'c>, public_key: &str) -> Result<bool> {
    let mut h = ex.acquire().await?;
    let n: i64 = h
        .conn()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM prover_block_list WHERE public_key = $1 \
             AND deleted_at IS NULL",
            args![public_key],
        )
        .await?;
    Ok(n > 0)
}

/// Every blocked prover, oldest block first.
pub async fn list<'c>(ex: impl Executor<'c>) -> Result<Vec<BlockedProver>> {
    let mut h = ex.acquire().await?;
    h.conn()
        .fetch_all(
            "SELECT public_key, prover_name, created_at FROM prover_block_list \
             WHERE deleted_at IS NULL ORDER BY id",
            args![],
        )
        .await
}

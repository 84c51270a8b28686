//! Table `challenge`: the login challenges already used. A challenge is accepted once; storing it
//! again is a replay.

use std::time::Duration;

use crate::{
    conn::args,
    db::{now, Executor},
    error::{Error, Result},
    tasks::cutoff,
};

/// Records a used challenge. A challenge stored before (even if soft-deleted) fails with
/// [`Error::Duplicate`] and changes nothing: the login is a replay.
pub async fn insert<'c>(ex: impl Executor<'c>, challenge: &str) -> Result<()> {
    let mut h = ex.acquire().await?;
    // ON CONFLICT instead of catching the violation: a failed statement would abort the caller's
    // PostgreSQL transaction.
    let n = h
        .conn()
        .execute(
            "INSERT INTO challenge (challenge, created_at, updated_at) VALUES ($1, $2, $2) \
             ON CONFLICT (challenge) DO NOTHING",
            args![challenge, now()],
        )
        .await?;
    if n == 0 {
        return Err(Error::Duplicate {
            what: "challenge".into(),
        });
    }
    Ok(())
}

/// Whether the challenge was used.
pub async fn exists<'c>(ex: impl Executor<'c>, challenge: &str) -> Result<bool> {
    let mut h = ex.acquire().await?;
    let n: i64 = h
        .conn()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM challenge WHERE challenge = $1",
            args![challenge],
        )
        .await?;
    Ok(n > 0)
}

/// Deletes (for good) the challenges stored at least `age` ago; their tokens have expired, so
/// they cannot be replayed any more. Returns how many were deleted.
pub async fn delete_older_than<'c>(ex: impl Executor<'c>, age: Duration) -> Result<u64> {
    let cutoff = cutoff(age)?;
    let mut h = ex.acquire().await?;
    h.conn()
        .execute(
            "DELETE FROM challenge WHERE created_at <= $1",
            args![cutoff],
        )
        .await
}

//! The bundle proposer: which of the unbundled batches make the next bundle ([`propose_bundle`],
//! pure), and writing it ([`BundleProposer`], [`store_bundle`]). The reference bundles only
//! batches committed on L1; with no L1 relayer here, every stored batch is eligible.

use rollproof_db::{
    batch::{self, BatchData},
    bundle::{self, BundleData},
    Db,
};
use serde::{Deserialize, Serialize};

use super::{unix_seconds, Closed, Proposal};
use crate::error::{RelayerError, Result};

/// The bundle proposer's limits (`l2_config.bundle_proposer_config`). A bundle closes when it
/// holds `max_batch_num_per_bundle` batches, at a codec-version boundary, or when its first
/// batch was stored more than `bundle_timeout_sec` ago.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BundleLimits {
    /// Most batches in a bundle.
    pub max_batch_num_per_bundle: u64,
    /// Seconds after its first batch was stored before a bundle that has not reached the limit
    /// closes anyway.
    pub bundle_timeout_sec: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        Self {
            max_batch_num_per_bundle: 20,
            bundle_timeout_sec: 3_600,
        }
    }
}

/// What the bundle proposer knows of a batch it may put into a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStats {
    /// Batch index.
    pub index: u64,
    /// Its codec version.
    pub codec_version: u16,
    /// When it was stored (seconds since the Unix epoch).
    pub stored_at: u64,
}

/// Decides the next bundle from `batches` (consecutive unbundled batches, oldest first) at
/// wall clock `now`.
pub fn propose_bundle(batches: &[BatchStats], limits: &BundleLimits, now: u64) -> Proposal {
    let Some(first) = batches.first() else {
        return Proposal::Wait;
    };
    for (i, b) in batches.iter().enumerate() {
        if b.codec_version != first.codec_version {
            return Proposal::close(i, Closed::ForkBoundary);
        }
        if i as u64 + 1 >= limits.max_batch_num_per_bundle {
            return Proposal::close(i + 1, Closed::Limit("max_batch_num_per_bundle"));
        }
    }
    if now >= first.stored_at.saturating_add(limits.bundle_timeout_sec) {
        Proposal::close(batches.len(), Closed::Timeout)
    } else {
        Proposal::Wait
    }
}

/// The bundle row over `batches` (stored rows, in order).
pub fn bundle_row(batches: &[BatchData]) -> Result<BundleData> {
    let (Some(first), Some(last)) = (batches.first(), batches.last()) else {
        return Err(RelayerError::Invalid {
            what: "bundle".into(),
            reason: "a bundle needs at least one batch".into(),
        });
    };
    Ok(BundleData {
        hash: rollproof_primitives::bundle_hash(first.hash, last.hash),
        start_batch_index: first.index,
        end_batch_index: last.index,
        start_batch_hash: first.hash,
        end_batch_hash: last.hash,
        codec_version: first.codec_version,
    })
}

/// Stores the bundle of `batches` (stored batch rows, in order) and returns it.
pub async fn store_bundle(db: &Db, batches: &[BatchData]) -> Result<BundleData> {
    let row = bundle_row(batches)?;
    bundle::insert(db, &row).await?;
    Ok(row)
}

/// A bundle the proposer stored.
#[derive(Debug, Clone)]
pub struct ProposedBundle {
    /// The row written.
    pub bundle: BundleData,
    /// Why it closed.
    pub closed: Closed,
}

/// Proposes bundles over the stored batches.
#[derive(Debug, Clone)]
pub struct BundleProposer {
    db: Db,
    limits: BundleLimits,
}

impl BundleProposer {
    /// A proposer over `db` with `limits`.
    pub fn new(db: Db, limits: BundleLimits) -> Self {
        Self { db, limits }
    }

    /// Proposes the next bundle when [`propose_bundle`] closes one over the unbundled batches
    /// at `now`; `None` when it waits.
    pub async fn propose(&self, now: u64) -> Result<Option<ProposedBundle>> {
        let want = self.limits.max_batch_num_per_bundle.clamp(1, 10_000) as u32;
        let batches = batch::list_unbundled(&self.db, want).await?;
        let Some(first) = batches.first() else {
            return Ok(None);
        };
        if let Some(previous) = bundle::latest(&self.db).await? {
            let expected = previous.data.end_batch_index + 1;
            if first.data.index != expected {
                return Err(RelayerError::Gap {
                    what: "bundle",
                    expected,
                    found: first.data.index,
                });
            }
        }
        let stats: Vec<BatchStats> = batches
            .iter()
            .map(|b| BatchStats {
                index: b.data.index,
                codec_version: b.data.codec_version,
                stored_at: unix_seconds(b.created_at),
            })
            .collect();
        let Proposal::Close { count, closed } = propose_bundle(&stats, &self.limits, now) else {
            return Ok(None);
        };
        let rows: Vec<BatchData> = batches.into_iter().take(count).map(|b| b.data).collect();
        let bundle = store_bundle(&self.db, &rows).await?;
        Ok(Some(ProposedBundle { bundle, closed }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(index: u64) -> BatchStats {
        BatchStats {
            index,
            codec_version: 7,
            stored_at: 1_000,
        }
    }

    #[test]
    fn closes_at_the_count_the_codec_boundary_or_the_timeout() {
        let limits = BundleLimits {
            max_batch_num_per_bundle: 2,
            bundle_timeout_sec: 10,
        };
        let batches: Vec<_> = (0..3).map(batch).collect();
        assert_eq!(
            propose_bundle(&batches, &limits, 0),
            Proposal::close(2, Closed::Limit("max_batch_num_per_bundle"))
        );
        assert_eq!(
            propose_bundle(&batches[..1], &limits, 1_009),
            Proposal::Wait
        );
        assert_eq!(
            propose_bundle(&batches[..1], &limits, 1_010),
            Proposal::close(1, Closed::Timeout)
        );
        let mut v8 = batch(1);
        v8.codec_version = 8;
        assert_eq!(
            propose_bundle(&[batch(0), v8], &limits, 0),
            Proposal::close(1, Closed::ForkBoundary)
        );
        assert_eq!(propose_bundle(&[], &limits, u64::MAX), Proposal::Wait);
    }
}

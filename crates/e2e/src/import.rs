//! `e2e_tool import`: a block range from an L2 node into the database, split at random (seeded)
//! into chunks, batches and bundles, and the test set `prover handle` proves.
//!
//! The blocks go through the relayer's ingester (validated against their witnesses), the
//! chunks, batches and bundles through the proposers' writers
//! ([`store_chunk`], [`store_batch`], [`store_bundle`]), so the rows are the ones the relayer
//! would write; only the split differs: [`split`] cuts the range into the requested counts of
//! non-empty consecutive parts, the same for the same seed.

use std::{path::Path, time::Duration};

use alloy_primitives::B256;
use rand::{rngs::StdRng, seq::index::sample, SeedableRng};
use rollproof_db::{batch, l2_block, DbConfig};
use rollproof_prover::tools::TestSet;
use rollproof_rollup::{
    ingest::{IngestSettings, Ingester},
    rpc::L2Client,
    store_batch, store_bundle, store_chunk,
};
use serde::{Deserialize, Serialize};

/// The e2e folder's `config.json`: where the rows go and where the blocks come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    /// The database the coordinator reads.
    pub db_config: DbConfig,
    /// The L2 node.
    pub fetch_config: FetchConfig,
}

/// `fetch_config`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// JSON-RPC URL of a node that serves `debug_executionWitness`.
    pub endpoint: String,
    /// The chain's `genesis.json` (chain id and fork schedule).
    pub genesis_path: String,
}

impl ImportConfig {
    /// Reads a `config.json`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let json = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&json)
            .map_err(|e| anyhow::anyhow!("{} is not a valid e2e config: {e}", path.display()))
    }
}

/// How a block range is cut: chunks as block ranges, batches as ranges of chunk positions,
/// bundles as ranges of batch positions (all inclusive, consecutive, non-empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// `(first block, last block)` per chunk.
    pub chunks: Vec<(u64, u64)>,
    /// `(first chunk, last chunk)` per batch, positions in [`Self::chunks`].
    pub batches: Vec<(usize, usize)>,
    /// `(first batch, last batch)` per bundle, positions in [`Self::batches`].
    pub bundles: Vec<(usize, usize)>,
}

/// Cuts blocks `begin..=end` into `counts = [chunks, batches, bundles]` consecutive non-empty
/// parts at random positions drawn from `seed` (the same seed gives the same split). Each count
/// must be at least 1 and at most the number of items it divides.
pub fn split(begin: u64, end: u64, counts: [usize; 3], seed: u64) -> anyhow::Result<Split> {
    anyhow::ensure!(
        begin >= 1 && begin <= end,
        "block range {begin}..={end} is empty or starts at genesis"
    );
    let blocks = usize::try_from(end - begin + 1)?;
    let [c, b, n] = counts;
    let mut rng = StdRng::seed_from_u64(seed);
    let chunks = cut(blocks, c, "chunks", "blocks", &mut rng)?
        .into_iter()
        .map(|(a, z)| (begin + a as u64, begin + z as u64))
        .collect();
    let batches = cut(c, b, "batches", "chunks", &mut rng)?;
    let bundles = cut(b, n, "bundles", "batches", &mut rng)?;
    Ok(Split {
        chunks,
        batches,
        bundles,
    })
}

/// `items` positions cut into `parts` consecutive non-empty ranges at random.
fn cut(
    items: usize,
    parts: usize,
    what: &str,
    of: &str,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<(usize, usize)>> {
    anyhow::ensure!(
        parts >= 1 && parts <= items,
        "cannot make {parts} {what} of {items} {of}: each needs at least one"
    );
    let mut cuts: Vec<usize> = sample(rng, items - 1, parts - 1)
        .into_iter()
        .map(|i| i + 1)
        .collect();
    cuts.sort_unstable();
    let starts = std::iter::once(0).chain(cuts.iter().copied());
    let ends = cuts.iter().map(|c| c - 1).chain(std::iter::once(items - 1));
    Ok(starts.zip(ends).collect())
}

/// Imports blocks `begin..=end` from `config.fetch_config.endpoint` into `config.db_config`,
/// stores the chunks, batches and bundles of [`split`]`(begin, end, counts, seed)` and returns
/// the test set (every hash, in proving order). The database must hold no block at or above
/// `begin` and, when it holds blocks, its highest must be `begin - 1`.
pub async fn import(
    config: &ImportConfig,
    begin: u64,
    end: u64,
    counts: [usize; 3],
    seed: u64,
) -> anyhow::Result<TestSet> {
    let plan = split(begin, end, counts, seed)?;
    let db = config.db_config.connect().await?;
    if let Some(tip) = l2_block::latest_number(&db).await? {
        anyhow::ensure!(
            tip + 1 == begin,
            "the database holds blocks up to {tip}: import from block {} on (or use an empty database)",
            tip + 1
        );
    }
    let genesis = std::fs::read_to_string(&config.fetch_config.genesis_path)?;
    let schedule = rollproof_primitives::ForkSchedule::from_genesis_json(&genesis)?;
    let client = L2Client::new(&config.fetch_config.endpoint, Duration::from_secs(60))?;
    let ingester = Ingester::new(
        client,
        db.clone(),
        IngestSettings {
            chain_id: schedule.chain_id(),
            schedule,
            confirmations: 0,
            start_block: begin,
            end_block: Some(end),
            max_blocks_per_poll: end - begin + 1,
            withdraw_root_slot: None,
        },
    );
    ingester.check_node().await?;
    let report = ingester.poll().await?;
    anyhow::ensure!(
        report.tip == Some(end),
        "the node's head is {}: blocks up to {end} are not there yet",
        report.head
    );

    let mut set = TestSet::default();
    let mut chunks = Vec::new();
    for (from, to) in &plan.chunks {
        let (chunk, _) = store_chunk(&db, *from, *to).await?;
        set.chunks.push(chunk.hash.to_string());
        chunks.push(chunk);
    }
    let (mut index, mut parent) = batch::latest(&db)
        .await?
        .map_or((0, B256::ZERO), |b| (b.data.index + 1, b.data.hash));
    let mut batches = Vec::new();
    for (a, z) in &plan.batches {
        let row = store_batch(&db, index, parent, &chunks[*a..=*z]).await?;
        set.batches.push(row.hash.to_string());
        (index, parent) = (index + 1, row.hash);
        batches.push(row);
    }
    for (a, z) in &plan.bundles {
        let row = store_bundle(&db, &batches[*a..=*z]).await?;
        set.bundles.push(row.hash.to_string());
    }
    tracing::info!(
        blocks = end - begin + 1,
        chunks = set.chunks.len(),
        batches = set.batches.len(),
        bundles = set.bundles.len(),
        "imported"
    );
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(parts: &[(usize, usize)], items: usize) -> bool {
        parts.first().map(|p| p.0) == Some(0)
            && parts.last().map(|p| p.1) == Some(items - 1)
            && parts.iter().all(|(a, z)| a <= z)
            && parts.windows(2).all(|w| w[1].0 == w[0].1 + 1)
    }

    #[test]
    fn a_split_is_consecutive_non_empty_and_fixed_by_its_seed() {
        let s = split(10, 29, [6, 3, 2], 7).unwrap();
        assert_eq!(s.chunks.len(), 6);
        assert_eq!(s.chunks.first().unwrap().0, 10);
        assert_eq!(s.chunks.last().unwrap().1, 29);
        assert!(s
            .chunks
            .windows(2)
            .all(|w| w[1].0 == w[0].1 + 1 && w[0].0 <= w[0].1));
        assert!(covers(&s.batches, 6) && s.batches.len() == 3);
        assert!(covers(&s.bundles, 3) && s.bundles.len() == 2);
        assert_eq!(s, split(10, 29, [6, 3, 2], 7).unwrap());
        let others: Vec<Split> = (8..16)
            .map(|seed| split(10, 29, [6, 3, 2], seed).unwrap())
            .collect();
        assert!(
            others.iter().any(|o| o != &s),
            "other seeds give other splits"
        );
    }

    #[test]
    fn impossible_counts_are_refused() {
        for (counts, message) in [
            ([4, 1, 1], "4 chunks of 3 blocks"),
            ([2, 3, 1], "3 batches of 2 chunks"),
            ([2, 1, 0], "0 bundles"),
        ] {
            let err = split(1, 3, counts, 0).unwrap_err().to_string();
            assert!(err.contains(message), "{counts:?}: {err}");
        }
        assert!(split(0, 3, [1, 1, 1], 0).is_err());
        assert!(split(5, 4, [1, 1, 1], 0).is_err());
        let whole = split(1, 1, [1, 1, 1], 0).unwrap();
        assert_eq!(whole.chunks, vec![(1, 1)]);
    }
}

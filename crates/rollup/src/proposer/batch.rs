//! The batch proposer: which of the unbatched chunks make the next batch ([`propose_batch`],
//! pure), and writing it ([`BatchProposer`], [`store_batch`]): the blob payload of the chunks,
//! its envelope (zstd-compressed when smaller), the blob's KZG commitment, the header and the
//! opening at the challenge point, as [`AssembledBatch`] makes them; the batch row and the
//! chunks' links in one transaction.

use std::{collections::HashMap, sync::Mutex};

use alloy_primitives::B256;
use rollproof_db::{
    batch::{self, BatchData},
    chunk::{self, ChunkData},
    Db,
};
use rollproof_libzkp::AssembledBatch;
use rollproof_primitives::{
    encode_envelope, BlobError, BlobPayload, ChunkInfo, ForkName, BLOB_DATA_CAPACITY,
};
use serde::{Deserialize, Serialize};

use super::{chunk::load_block_witnesses, chunk::validate_chunk, Closed, Proposal};
use crate::error::{RelayerError, Result};

/// The batch proposer's limits (`l2_config.batch_proposer_config`). A batch closes when one
/// more chunk would exceed `max_chunks_per_batch` or the blob's capacity, at a fork boundary,
/// or when its first chunk's first block is older than `batch_timeout_sec`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BatchLimits {
    /// Most chunks in a batch.
    pub max_chunks_per_batch: u64,
    /// Seconds (block time of the first chunk against the wall clock) before a batch that has
    /// not reached a limit closes anyway.
    pub batch_timeout_sec: u64,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            max_chunks_per_batch: 45,
            batch_timeout_sec: 300,
        }
    }
}

/// What the batch proposer knows of a chunk it may put into a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkStats {
    /// Chunk index.
    pub index: u64,
    /// The chunk's fork.
    pub fork: ForkName,
    /// Timestamp of the chunk's first block.
    pub start_block_time: u64,
}

/// Decides the next batch from `chunks` (consecutive unbatched chunks, oldest first) at wall
/// clock `now`; `fits(k)` says whether the first `k` chunks' payload fits one blob. A first
/// chunk that alone does not fit is an error: no batch can ever hold it.
pub fn propose_batch(
    chunks: &[ChunkStats],
    limits: &BatchLimits,
    now: u64,
    mut fits: impl FnMut(usize) -> Result<bool>,
) -> Result<Proposal> {
    let Some(first) = chunks.first() else {
        return Ok(Proposal::Wait);
    };
    for (i, c) in chunks.iter().enumerate() {
        if c.fork != first.fork {
            return Ok(Proposal::close(i, Closed::ForkBoundary));
        }
        if !fits(i + 1)? {
            if i == 0 {
                return Err(RelayerError::Invalid {
                    what: format!("chunk {}", c.index),
                    reason: format!(
                        "its transactions do not fit one blob ({BLOB_DATA_CAPACITY} bytes after \
                         compression): lower chunk_proposer_config.max_tx_bytes_per_chunk"
                    ),
                });
            }
            return Ok(Proposal::close(i, Closed::Limit("blob capacity")));
        }
        if i as u64 + 1 >= limits.max_chunks_per_batch {
            return Ok(Proposal::close(
                i + 1,
                Closed::Limit("max_chunks_per_batch"),
            ));
        }
    }
    if now
        >= first
            .start_block_time
            .saturating_add(limits.batch_timeout_sec)
    {
        Ok(Proposal::close(chunks.len(), Closed::Timeout))
    } else {
        Ok(Proposal::Wait)
    }
}

/// A chunk's public inputs and transaction data: what a batch's payload is made of.
#[derive(Debug, Clone)]
pub struct ChunkContent {
    /// The chunk's fork.
    pub fork: ForkName,
    /// Its public inputs.
    pub info: ChunkInfo,
    /// Its L2 transactions' encodings, concatenated.
    pub tx_data: Vec<u8>,
}

/// Recomputes a stored chunk's content from its blocks' stored witnesses (validating it
/// natively), and checks it is the chunk the row describes.
pub async fn chunk_content(db: &Db, c: &ChunkData) -> Result<ChunkContent> {
    let parts = load_block_witnesses(db, c.start_block_number, c.end_block_number).await?;
    let prev_mq = c.prev_l1_message_queue_hash;
    let (witness, info) = tokio::task::spawn_blocking(move || validate_chunk(parts, prev_mq))
        .await
        .map_err(|e| RelayerError::Join(e.to_string()))??;
    if info.post_state_root != c.state_root || info.prev_state_root != c.parent_chunk_state_root {
        return Err(RelayerError::Invalid {
            what: format!("chunk {}", c.index),
            reason: format!(
                "its blocks go from state root {} to {}, the row says {} to {}",
                info.prev_state_root, info.post_state_root, c.parent_chunk_state_root, c.state_root
            ),
        });
    }
    Ok(ChunkContent {
        fork: witness.fork,
        tx_data: witness.input.tx_data(),
        info,
    })
}

/// The chunks' public inputs and transaction data, as the blob payload takes them.
fn payload_parts<'a>(contents: &[&'a ChunkContent]) -> (Vec<ChunkInfo>, Vec<&'a [u8]>) {
    contents
        .iter()
        .map(|c| (c.info.clone(), c.tx_data.as_slice()))
        .unzip()
}

/// Whether the payload of `contents` fits one blob (zstd-compressed when smaller).
pub fn payload_fits(contents: &[&ChunkContent]) -> Result<bool> {
    let invalid = |reason: String| RelayerError::Invalid {
        what: "batch payload".into(),
        reason,
    };
    let (infos, tx_data) = payload_parts(contents);
    let payload = BlobPayload::from_chunks(&infos, &tx_data).map_err(|e| invalid(e.to_string()))?;
    let fork = contents[0].fork;
    match encode_envelope(&payload, fork.codec_version(), true) {
        Ok(envelope) => Ok(envelope.len() <= BLOB_DATA_CAPACITY),
        Err(BlobError::TooLarge { .. }) => Ok(false),
        Err(e) => Err(invalid(e.to_string())),
    }
}

/// The batch row of batch `index` (child of `parent_batch_hash`) over `chunks` (stored rows, in
/// order) whose contents are `contents`, assembled as [`AssembledBatch::new`] does.
pub fn batch_row(
    index: u64,
    parent_batch_hash: B256,
    chunks: &[ChunkData],
    contents: &[&ChunkContent],
) -> Result<BatchData> {
    let (Some(first), Some(last), Some(content)) =
        (chunks.first(), chunks.last(), contents.first())
    else {
        return Err(RelayerError::Invalid {
            what: format!("batch {index}"),
            reason: "a batch needs at least one chunk".into(),
        });
    };
    let fork = content.fork;
    let (infos, tx_data) = payload_parts(contents);
    let assembled = AssembledBatch::new(fork, index, parent_batch_hash, &infos, &tx_data, true)?;
    Ok(BatchData {
        index,
        hash: assembled.header.hash(),
        start_chunk_index: first.index,
        start_chunk_hash: first.hash,
        end_chunk_index: last.index,
        end_chunk_hash: last.hash,
        parent_batch_hash,
        state_root: last.state_root,
        withdraw_root: last.withdraw_root,
        batch_header: assembled.header.to_bytes().to_vec(),
        // Codec v7+ commits the data through the blob; there is no separate data hash.
        data_hash: B256::ZERO,
        blob_data_proof: Some(assembled.opening.to_bytes().to_vec()),
        blob_size: assembled.blob_envelope.len() as u32,
        challenge_digest: assembled.challenge_digest(),
        blob_bytes: Some(assembled.blob_envelope),
        codec_version: u16::from(fork.codec_version()),
        prev_l1_message_queue_hash: first.prev_l1_message_queue_hash,
        post_l1_message_queue_hash: last.post_l1_message_queue_hash,
    })
}

/// Stores batch `index` (child of `parent_batch_hash`) over `chunks` (stored chunk rows, in
/// order, whose blocks' witnesses are stored) and returns it; the chunks are re-validated from
/// their witnesses. What the batch proposer writes, for callers that choose the chunks
/// themselves (tests, the end-to-end run).
pub async fn store_batch(
    db: &Db,
    index: u64,
    parent_batch_hash: B256,
    chunks: &[ChunkData],
) -> Result<BatchData> {
    let mut contents = Vec::with_capacity(chunks.len());
    for c in chunks {
        contents.push(chunk_content(db, c).await?);
    }
    let refs: Vec<&ChunkContent> = contents.iter().collect();
    let row = batch_row(index, parent_batch_hash, chunks, &refs)?;
    batch::insert(db, &row).await?;
    Ok(row)
}

/// A batch the proposer stored.
#[derive(Debug, Clone)]
pub struct ProposedBatch {
    /// The row written.
    pub batch: BatchData,
    /// How many chunks it holds.
    pub chunks: usize,
    /// Why it closed.
    pub closed: Closed,
}

/// Proposes batches over the stored chunks. Keeps each waiting chunk's content in memory, so a
/// chunk is validated once while it waits for its batch to close.
#[derive(Debug)]
pub struct BatchProposer {
    db: Db,
    limits: BatchLimits,
    contents: Mutex<HashMap<B256, ChunkContent>>,
}

impl BatchProposer {
    /// A proposer over `db` with `limits`.
    pub fn new(db: Db, limits: BatchLimits) -> Self {
        Self {
            db,
            limits,
            contents: Mutex::new(HashMap::new()),
        }
    }

    /// Proposes the next batch when [`propose_batch`] closes one over the unbatched chunks at
    /// `now`; `None` when it waits. The first batch has index 0 and a zero parent hash.
    pub async fn propose(&self, now: u64) -> Result<Option<ProposedBatch>> {
        let want = self.limits.max_chunks_per_batch.clamp(1, 10_000) as u32;
        let chunks: Vec<ChunkData> = chunk::list_unbatched(&self.db, want)
            .await?
            .into_iter()
            .map(|c| c.data)
            .collect();
        let Some(first) = chunks.first() else {
            return Ok(None);
        };
        let previous = batch::latest(&self.db).await?.map(|b| b.data);
        if let Some(p) = &previous {
            if first.index != p.end_chunk_index + 1 {
                return Err(RelayerError::Gap {
                    what: "batch",
                    expected: p.end_chunk_index + 1,
                    found: first.index,
                });
            }
        }
        let contents = self.contents_of(&chunks).await?;
        let stats: Vec<ChunkStats> = chunks
            .iter()
            .zip(&contents)
            .map(|(c, content)| ChunkStats {
                index: c.index,
                fork: content.fork,
                start_block_time: c.start_block_time,
            })
            .collect();
        let limits = self.limits.clone();
        let (index, parent) = previous
            .as_ref()
            .map_or((0, B256::ZERO), |p| (p.index + 1, p.hash));
        let made = tokio::task::spawn_blocking(move || {
            let refs: Vec<&ChunkContent> = contents.iter().collect();
            let proposal = propose_batch(&stats, &limits, now, |k| payload_fits(&refs[..k]))?;
            let Proposal::Close { count, closed } = proposal else {
                return Ok(None);
            };
            let row = batch_row(index, parent, &chunks[..count], &refs[..count])?;
            Ok::<_, RelayerError>(Some((row, count, closed, chunks)))
        })
        .await
        .map_err(|e| RelayerError::Join(e.to_string()))??;
        let Some((row, count, closed, chunks)) = made else {
            return Ok(None);
        };
        batch::insert(&self.db, &row).await?;
        let mut cache = self.contents.lock().expect("cache lock");
        for c in &chunks[..count] {
            cache.remove(&c.hash);
        }
        Ok(Some(ProposedBatch {
            batch: row,
            chunks: count,
            closed,
        }))
    }

    /// The contents of `chunks`, from the cache or recomputed; the cache keeps only these.
    async fn contents_of(&self, chunks: &[ChunkData]) -> Result<Vec<ChunkContent>> {
        let mut out = Vec::with_capacity(chunks.len());
        for c in chunks {
            let cached = self
                .contents
                .lock()
                .expect("cache lock")
                .get(&c.hash)
                .cloned();
            let content = match cached {
                Some(content) => content,
                None => chunk_content(&self.db, c).await?,
            };
            out.push(content);
        }
        let mut cache = self.contents.lock().expect("cache lock");
        cache.clear();
        cache.extend(chunks.iter().map(|c| c.hash).zip(out.iter().cloned()));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(index: u64) -> ChunkStats {
        ChunkStats {
            index,
            fork: ForkName::Galileo,
            start_block_time: 1_000 + index,
        }
    }

    fn limits() -> BatchLimits {
        BatchLimits {
            max_chunks_per_batch: 3,
            batch_timeout_sec: 60,
        }
    }

    #[test]
    fn waits_then_times_out() {
        let chunks = [chunk(0), chunk(1)];
        let fits = |_| Ok(true);
        assert_eq!(
            propose_batch(&chunks, &limits(), 1_059, fits).unwrap(),
            Proposal::Wait
        );
        assert_eq!(
            propose_batch(&chunks, &limits(), 1_060, fits).unwrap(),
            Proposal::close(2, Closed::Timeout)
        );
        assert_eq!(
            propose_batch(&[], &limits(), u64::MAX, fits).unwrap(),
            Proposal::Wait
        );
    }

    #[test]
    fn closes_at_the_chunk_count_the_blob_or_the_fork() {
        let chunks: Vec<_> = (0..5).map(chunk).collect();
        assert_eq!(
            propose_batch(&chunks, &limits(), 0, |_| Ok(true)).unwrap(),
            Proposal::close(3, Closed::Limit("max_chunks_per_batch"))
        );
        assert_eq!(
            propose_batch(&chunks, &limits(), 0, |k| Ok(k <= 2)).unwrap(),
            Proposal::close(2, Closed::Limit("blob capacity"))
        );
        let mut later = chunk(1);
        later.fork = ForkName::GalileoV2;
        assert_eq!(
            propose_batch(&[chunk(0), later], &limits(), 0, |_| Ok(true)).unwrap(),
            Proposal::close(1, Closed::ForkBoundary)
        );
    }

    #[test]
    fn a_chunk_that_fits_no_blob_is_an_error() {
        let err = propose_batch(&[chunk(7)], &limits(), 0, |_| Ok(false)).unwrap_err();
        assert!(err.to_string().contains("chunk 7"), "{err}");
        assert!(err.to_string().contains("max_tx_bytes_per_chunk"), "{err}");
    }
}

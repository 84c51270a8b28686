//! The chunk proposer: which of the unchunked blocks make the next chunk ([`propose_chunk`],
//! pure), and writing it ([`ChunkProposer`]): the blocks' stored witnesses merged and validated
//! natively, which gives the chunk's public inputs; the chunk row and the blocks' links in one
//! transaction.

use alloy_primitives::B256;
use rollproof_db::{
    chunk::{self, ChunkData},
    l2_block, Db,
};
use rollproof_libzkp::witness::{decompress_block_witness, merge_block_witnesses};
use rollproof_primitives::{ChunkInfo, Domain, ForkName, PiVersion, PublicInputs};
use rollproof_stateless::{ChunkWitness, NativeCrypto};
use serde::{Deserialize, Serialize};

use super::{Closed, Proposal};
use crate::error::{RelayerError, Result};

/// The chunk proposer's limits (`l2_config.chunk_proposer_config`). A chunk closes when the
/// next block would break one of them, at a fork boundary, or when its first block is older
/// than `chunk_timeout_sec`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChunkLimits {
    /// Most blocks in a chunk.
    pub max_block_num_per_chunk: u64,
    /// Most L2 transactions in a chunk.
    pub max_tx_num_per_chunk: u64,
    /// Most L2 gas in a chunk.
    pub max_l2_gas_per_chunk: u64,
    /// Most estimated guest instructions in a chunk (see [`CycleModel`]): what proving time and
    /// memory grow with.
    pub max_guest_cycles_per_chunk: u64,
    /// Most bytes of encoded L2 transactions in a chunk: a batch's blob holds at most 126,976
    /// bytes after compression, so a chunk larger than that could never be batched.
    pub max_tx_bytes_per_chunk: u64,
    /// A chunk that has not reached a limit closes anyway once its first block is this old
    /// (seconds of block time against the wall clock).
    pub chunk_timeout_sec: u64,
    /// How guest instructions are estimated.
    pub cycle_model: CycleModel,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        Self {
            max_block_num_per_chunk: 100,
            max_tx_num_per_chunk: 1_000,
            max_l2_gas_per_chunk: 20_000_000,
            max_guest_cycles_per_chunk: 100_000_000,
            max_tx_bytes_per_chunk: 120_000,
            chunk_timeout_sec: 300,
            cycle_model: CycleModel::default(),
        }
    }
}

/// A linear estimate of a block's guest instructions, calibrated on the chunk circuit (README,
/// "Chunk circuit numbers"): a fixed cost per block (trie and header work), a cost per
/// transaction (sender recovery, receipt, trie updates) and a cost per unit of gas (EVM
/// execution). The defaults over-estimate every measured workload but bn254-pairing-heavy
/// blocks (18 instructions per gas), which the gas limit keeps small.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CycleModel {
    /// Instructions per block.
    pub cycles_per_block: u64,
    /// Instructions per transaction.
    pub cycles_per_tx: u64,
    /// Instructions per unit of gas.
    pub cycles_per_gas: f64,
}

impl Default for CycleModel {
    fn default() -> Self {
        Self {
            cycles_per_block: 300_000,
            cycles_per_tx: 90_000,
            cycles_per_gas: 2.5,
        }
    }
}

impl CycleModel {
    /// The estimated guest instructions of a block of `txs` transactions using `gas`.
    pub fn estimate(&self, txs: u64, gas: u64) -> u64 {
        let per_gas = (gas as f64 * self.cycles_per_gas).ceil() as u64;
        self.cycles_per_block
            .saturating_add(self.cycles_per_tx.saturating_mul(txs))
            .saturating_add(per_gas)
    }
}

/// What the chunk proposer knows of a block it may put into a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockStats {
    /// Block number.
    pub number: u64,
    /// Block timestamp (seconds).
    pub timestamp: u64,
    /// The block's fork.
    pub fork: ForkName,
    /// L2 transactions.
    pub txs: u64,
    /// Gas used.
    pub gas: u64,
    /// Bytes of the encoded transactions.
    pub tx_bytes: u64,
}

/// Decides the next chunk from `blocks` (consecutive unchunked blocks, oldest first) at wall
/// clock `now` (seconds): how many of the first blocks it takes, or to wait for more.
///
/// A block that alone breaks a limit becomes a chunk by itself (it can never share one), with
/// [`Closed::Oversized`] naming the limit.
pub fn propose_chunk(blocks: &[BlockStats], limits: &ChunkLimits, now: u64) -> Proposal {
    let Some(first) = blocks.first() else {
        return Proposal::Wait;
    };
    let (mut txs, mut gas, mut cycles, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    for (i, b) in blocks.iter().enumerate() {
        if b.fork != first.fork {
            return Proposal::close(i, Closed::ForkBoundary);
        }
        txs += b.txs;
        gas += b.gas;
        cycles += limits.cycle_model.estimate(b.txs, b.gas);
        bytes += b.tx_bytes;
        let broken = [
            (txs > limits.max_tx_num_per_chunk, "max_tx_num_per_chunk"),
            (gas > limits.max_l2_gas_per_chunk, "max_l2_gas_per_chunk"),
            (
                cycles > limits.max_guest_cycles_per_chunk,
                "max_guest_cycles_per_chunk",
            ),
            (
                bytes > limits.max_tx_bytes_per_chunk,
                "max_tx_bytes_per_chunk",
            ),
        ]
        .into_iter()
        .find_map(|(broken, limit)| broken.then_some(limit));
        if let Some(limit) = broken {
            return if i == 0 {
                Proposal::close(1, Closed::Oversized(limit))
            } else {
                Proposal::close(i, Closed::Limit(limit))
            };
        }
        if i as u64 + 1 >= limits.max_block_num_per_chunk {
            return Proposal::close(i + 1, Closed::Limit("max_block_num_per_chunk"));
        }
    }
    if now >= first.timestamp.saturating_add(limits.chunk_timeout_sec) {
        Proposal::close(blocks.len(), Closed::Timeout)
    } else {
        Proposal::Wait
    }
}

/// A chunk the proposer stored.
#[derive(Debug, Clone)]
pub struct ProposedChunk {
    /// The row written.
    pub chunk: ChunkData,
    /// The chunk's public inputs (what its proof will attest).
    pub info: ChunkInfo,
    /// Why it closed.
    pub closed: Closed,
}

/// Proposes chunks over the stored blocks.
#[derive(Debug, Clone)]
pub struct ChunkProposer {
    db: Db,
    limits: ChunkLimits,
}

impl ChunkProposer {
    /// A proposer over `db` with `limits`.
    pub fn new(db: Db, limits: ChunkLimits) -> Self {
        Self { db, limits }
    }

    /// Proposes the next chunk when [`propose_chunk`] closes one over the unchunked blocks at
    /// `now`; `None` when it waits. The blocks' witnesses are merged and the chunk validated
    /// natively (a block that does not validate stops the proposer with its error); the chunk
    /// hash is its public-input hash.
    pub async fn propose(&self, now: u64) -> Result<Option<ProposedChunk>> {
        let want = self.limits.max_block_num_per_chunk.clamp(1, 10_000) as u32 + 1;
        let rows = l2_block::get_unchunked(&self.db, want).await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(None);
        };
        let previous = previous_chunk(&self.db, first.block.number).await?;
        let (from, to) = (first.block.number, last.block.number);
        let parts = load_block_witnesses(&self.db, from, to).await?;
        let stats: Vec<BlockStats> = parts.iter().map(block_stats).collect();
        let Proposal::Close { count, closed } = propose_chunk(&stats, &self.limits, now) else {
            return Ok(None);
        };
        let parts: Vec<ChunkWitness> = parts.into_iter().take(count).collect();
        let (chunk, info) = write_chunk(&self.db, parts, previous.as_ref()).await?;
        Ok(Some(ProposedChunk {
            chunk,
            info,
            closed,
        }))
    }
}

/// Stores the chunk of the stored blocks `from..=to`, following the latest stored chunk (whose
/// last block must be `from - 1`): what the chunk proposer writes, for callers that choose the
/// blocks themselves (the end-to-end tools).
pub async fn store_chunk(db: &Db, from: u64, to: u64) -> Result<(ChunkData, ChunkInfo)> {
    let previous = previous_chunk(db, from).await?;
    let parts = load_block_witnesses(db, from, to).await?;
    write_chunk(db, parts, previous.as_ref()).await
}

/// The latest stored chunk, which a new chunk starting at block `from` follows: its last block
/// must be `from - 1`.
async fn previous_chunk(db: &Db, from: u64) -> Result<Option<ChunkData>> {
    let previous = chunk::latest(db).await?.map(|c| c.data);
    match &previous {
        Some(p) if from != p.end_block_number + 1 => Err(RelayerError::Gap {
            what: "chunk",
            expected: p.end_block_number + 1,
            found: from,
        }),
        _ => Ok(previous),
    }
}

/// Validates the chunk of one-block witnesses `parts` (after `previous`) and stores its row.
async fn write_chunk(
    db: &Db,
    parts: Vec<ChunkWitness>,
    previous: Option<&ChunkData>,
) -> Result<(ChunkData, ChunkInfo)> {
    let stats: Vec<BlockStats> = parts.iter().map(block_stats).collect();
    let prev_mq = previous.map_or(B256::ZERO, |p| p.post_l1_message_queue_hash);
    let (witness, info) = tokio::task::spawn_blocking(move || validate_chunk(parts, prev_mq))
        .await
        .map_err(|e| RelayerError::Join(e.to_string()))??;
    let row = chunk_row(&witness, &info, previous, &stats);
    chunk::insert(db, &row).await?;
    Ok((row, info))
}

/// The decoded one-block witnesses of the stored blocks `from..=to`.
pub(crate) async fn load_block_witnesses(db: &Db, from: u64, to: u64) -> Result<Vec<ChunkWitness>> {
    let stored = l2_block::witnesses_in_range(db, from, to).await?;
    let expected = to - from + 1;
    if stored.len() as u64 != expected {
        return Err(RelayerError::Gap {
            what: "block",
            expected: from,
            found: stored.first().map_or(to + 1, |b| b.number),
        });
    }
    tokio::task::spawn_blocking(move || {
        stored
            .into_iter()
            .map(|b| {
                let bytes = b.witness.ok_or(RelayerError::NoWitness(b.number))?;
                Ok(decompress_block_witness(b.number, &bytes)?)
            })
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|e| RelayerError::Join(e.to_string()))?
}

/// The proposer's view of a stored one-block witness.
fn block_stats(w: &ChunkWitness) -> BlockStats {
    let block = &w.input.blocks[0];
    BlockStats {
        number: block.header.number,
        timestamp: block.header.timestamp,
        fork: w.fork,
        txs: block.body.transactions.len() as u64,
        gas: block.header.gas_used,
        tx_bytes: w.input.tx_data().len() as u64,
    }
}

/// Merges one-block witnesses into the chunk witness and validates it natively.
pub(crate) fn validate_chunk(
    parts: Vec<ChunkWitness>,
    prev_msg_queue_hash: B256,
) -> Result<(ChunkWitness, ChunkInfo)> {
    let witness = merge_block_witnesses(parts, prev_msg_queue_hash)?;
    let info = witness.validate(&NativeCrypto).map_err(|e| {
        let first = witness.input.blocks[0].header.number;
        RelayerError::Invalid {
            what: format!("chunk from block {first}"),
            reason: e.to_string(),
        }
    })?;
    Ok((witness, info))
}

/// The chunk's public-input hash: its id in the `chunk` table and in proving tasks.
pub fn chunk_hash(info: &ChunkInfo, fork: ForkName) -> B256 {
    info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte())
}

/// The chunk row of a validated chunk following `previous`.
fn chunk_row(
    witness: &ChunkWitness,
    info: &ChunkInfo,
    previous: Option<&ChunkData>,
    stats: &[BlockStats],
) -> ChunkData {
    let blocks = &witness.input.blocks;
    let (first, last) = (&blocks[0].header, &blocks[blocks.len() - 1].header);
    ChunkData {
        index: previous.map_or(0, |p| p.index + 1),
        hash: chunk_hash(info, witness.fork),
        start_block_number: first.number,
        start_block_hash: first.hash_slow(),
        end_block_number: last.number,
        end_block_hash: last.hash_slow(),
        start_block_time: first.timestamp,
        total_l1_messages_popped_before: previous.map_or(0, |p| {
            p.total_l1_messages_popped_before + u64::from(p.total_l1_messages_popped_in_chunk)
        }),
        total_l1_messages_popped_in_chunk: 0,
        parent_chunk_hash: previous.map_or(B256::ZERO, |p| p.hash),
        state_root: info.post_state_root,
        parent_chunk_state_root: info.prev_state_root,
        withdraw_root: info.withdraw_root,
        prev_l1_message_queue_hash: info.prev_msg_queue_hash,
        post_l1_message_queue_hash: info.post_msg_queue_hash,
        codec_version: u16::from(witness.fork.codec_version()),
        total_l2_tx_gas: stats.iter().map(|b| b.gas).sum(),
        total_l2_tx_num: stats.iter().map(|b| b.txs as u32).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(number: u64, txs: u64, gas: u64) -> BlockStats {
        BlockStats {
            number,
            timestamp: 1_000 + number,
            fork: ForkName::Galileo,
            txs,
            gas,
            tx_bytes: txs * 110,
        }
    }

    fn limits() -> ChunkLimits {
        ChunkLimits {
            max_block_num_per_chunk: 3,
            max_tx_num_per_chunk: 10,
            max_l2_gas_per_chunk: 1_000_000,
            max_guest_cycles_per_chunk: u64::MAX,
            max_tx_bytes_per_chunk: u64::MAX,
            chunk_timeout_sec: 60,
            cycle_model: CycleModel::default(),
        }
    }

    #[test]
    fn waits_below_every_limit_until_the_timeout() {
        let blocks = [block(1, 1, 21_000), block(2, 1, 21_000)];
        assert_eq!(propose_chunk(&blocks, &limits(), 1_000), Proposal::Wait);
        assert_eq!(propose_chunk(&blocks, &limits(), 1_060), Proposal::Wait);
        assert_eq!(
            propose_chunk(&blocks, &limits(), 1_061),
            Proposal::close(2, Closed::Timeout)
        );
        assert_eq!(propose_chunk(&[], &limits(), u64::MAX), Proposal::Wait);
    }

    #[test]
    fn closes_at_the_block_count() {
        let blocks: Vec<_> = (1..=5).map(|n| block(n, 0, 0)).collect();
        assert_eq!(
            propose_chunk(&blocks, &limits(), 0),
            Proposal::close(3, Closed::Limit("max_block_num_per_chunk"))
        );
    }

    #[test]
    fn closes_before_the_block_that_breaks_a_limit() {
        let blocks = [block(1, 6, 100), block(2, 6, 100)];
        assert_eq!(
            propose_chunk(&blocks, &limits(), 0),
            Proposal::close(1, Closed::Limit("max_tx_num_per_chunk"))
        );
        let blocks = [block(1, 1, 600_000), block(2, 1, 600_000)];
        assert_eq!(
            propose_chunk(&blocks, &limits(), 0),
            Proposal::close(1, Closed::Limit("max_l2_gas_per_chunk"))
        );
        let mut cycles = limits();
        cycles.max_guest_cycles_per_chunk = 1_000_000;
        let blocks = [block(1, 2, 42_000), block(2, 2, 42_000)];
        assert_eq!(
            propose_chunk(&blocks, &cycles, 0),
            Proposal::close(1, Closed::Limit("max_guest_cycles_per_chunk"))
        );
        let mut bytes = limits();
        bytes.max_tx_bytes_per_chunk = 300;
        assert_eq!(
            propose_chunk(&blocks, &bytes, 0),
            Proposal::close(1, Closed::Limit("max_tx_bytes_per_chunk"))
        );
    }

    #[test]
    fn a_block_over_a_limit_is_a_chunk_of_its_own() {
        let blocks = [block(1, 11, 100), block(2, 1, 100)];
        assert_eq!(
            propose_chunk(&blocks, &limits(), 0),
            Proposal::close(1, Closed::Oversized("max_tx_num_per_chunk"))
        );
    }

    #[test]
    fn a_fork_boundary_closes_the_chunk() {
        let mut later = block(2, 1, 21_000);
        later.fork = ForkName::GalileoV2;
        assert_eq!(
            propose_chunk(&[block(1, 1, 21_000), later], &limits(), 0),
            Proposal::close(1, Closed::ForkBoundary)
        );
    }

    #[test]
    fn the_cycle_model_is_linear_and_saturates() {
        let model = CycleModel::default();
        assert_eq!(model.estimate(0, 0), 300_000);
        assert_eq!(model.estimate(1, 21_000), 300_000 + 90_000 + 52_500);
        assert_eq!(model.estimate(u64::MAX, 1), u64::MAX);
    }
}

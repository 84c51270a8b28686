//! Seeding a coordinator database for tests and the benchmark (the rollup's proposers write the
//! real rows in production):
//!
//! - [`seed_synthetic_chunks`]: chunk rows only, no blocks and no witnesses (such a chunk is
//!   claimable but its task cannot be built);
//! - [`devnet_chain`], [`store_devnet_chunk`], [`seed_devnet_chunks`]: real blocks of a
//!   [`LocalChain`] stored as `l2_block` rows with their compressed one-block witnesses, and
//!   chunk rows over them whose task builds and validates;
//! - [`store_batch`], [`store_bundle`]: a batch over stored chunks, assembled as a batch
//!   proposer does (header, blob data, KZG commitment and opening), and a bundle over stored
//!   batches, whose tasks build once their children's proofs are verified.

use std::ops::RangeInclusive;

use alloy_primitives::{keccak256, B256, U256};
use rollproof_db::{chunk::ChunkData, l2_block, Db};
use rollproof_devnet::{BlockSettings, LocalChain, TxGenerator};
use rollproof_libzkp::witness::compress_block_witness;
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChainSpec, ChunkWitness};

/// Inserts `n` pending chunk rows with indexes `start..start+n`, each covering 10 blocks that
/// are not stored (synthetic rows: claimable, but no task can be built for them).
pub async fn seed_synthetic_chunks(db: &Db, start: u64, n: u64) -> anyhow::Result<()> {
    for index in start..start + n {
        rollproof_db::chunk::insert(db, &synthetic_chunk(index)).await?;
    }
    Ok(())
}

fn synthetic_hash(tag: u8, n: u64) -> B256 {
    let mut b = [0u8; 32];
    b[0] = tag;
    b[24..].copy_from_slice(&n.to_be_bytes());
    B256::from(b)
}

fn synthetic_chunk(index: u64) -> ChunkData {
    let first = 10 * index + 1;
    ChunkData {
        index,
        hash: synthetic_hash(10, index),
        start_block_number: first,
        start_block_hash: synthetic_hash(1, first),
        end_block_number: first + 9,
        end_block_hash: synthetic_hash(1, first + 9),
        start_block_time: 1_700_000_000 + first,
        total_l1_messages_popped_before: 0,
        total_l1_messages_popped_in_chunk: 0,
        parent_chunk_hash: synthetic_hash(10, index.wrapping_sub(1)),
        state_root: synthetic_hash(3, first + 9),
        parent_chunk_state_root: synthetic_hash(3, first.saturating_sub(1)),
        withdraw_root: synthetic_hash(2, first + 9),
        prev_l1_message_queue_hash: B256::ZERO,
        post_l1_message_queue_hash: B256::ZERO,
        codec_version: 10,
        total_l2_tx_gas: 0,
        total_l2_tx_num: 0,
    }
}

/// A devnet chain of `fork` for `chain_id` at its genesis, with the wallets of `generator`
/// funded.
pub fn devnet_chain(chain_id: u64, fork: ForkName, generator: &TxGenerator) -> LocalChain {
    let spec = ChainSpec::from_fork(chain_id, fork);
    LocalChain::funded(
        spec,
        BlockSettings::default(),
        generator.allocation(U256::from(10u128.pow(24))),
    )
}

/// The `l2_block` rows of blocks `numbers` of `chain` (without witnesses).
pub fn devnet_block_rows(
    chain: &LocalChain,
    numbers: RangeInclusive<u64>,
) -> Vec<l2_block::L2Block> {
    numbers
        .map(|number| {
            let block = &chain.blocks[number as usize - 1];
            let h = &block.header;
            let hash = h.hash_slow();
            let tx_hashes: Vec<B256> = block
                .body
                .transactions
                .iter()
                .map(|t| *t.tx_hash())
                .collect();
            l2_block::L2Block {
                number,
                hash,
                parent_hash: h.parent_hash,
                header: serde_json::json!({
                    "number": format!("{number:#x}"), "hash": hash, "parentHash": h.parent_hash,
                    "stateRoot": h.state_root, "timestamp": format!("{:#x}", h.timestamp),
                })
                .to_string(),
                transactions: serde_json::json!(tx_hashes).to_string(),
                withdraw_root: B256::ZERO,
                state_root: h.state_root,
                tx_num: block.body.transactions.len() as u32,
                gas_used: h.gas_used,
                block_timestamp: h.timestamp,
            }
        })
        .collect()
}

/// The stored form of block `number`'s one-block witness (see
/// [`compress_block_witness`]).
pub fn devnet_block_witness(
    chain: &LocalChain,
    fork: ForkName,
    number: u64,
) -> anyhow::Result<Vec<u8>> {
    let witness = ChunkWitness {
        chain_id: chain.spec.chain_id,
        fork,
        input: chain.chunk_input(number..=number),
    };
    Ok(compress_block_witness(&witness)?)
}

/// Stores blocks `numbers` of `chain` as `l2_block` rows, each with its one-block witness
/// (compressed, as the rollup stores it), in one transaction.
pub async fn store_devnet_blocks(
    db: &Db,
    chain: &LocalChain,
    fork: ForkName,
    numbers: RangeInclusive<u64>,
) -> anyhow::Result<()> {
    let rows = devnet_block_rows(chain, numbers.clone());
    let witnesses = numbers
        .map(|n| Ok((n, devnet_block_witness(chain, fork, n)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut tx = db.begin().await?;
    l2_block::insert_many(&mut tx, &rows).await?;
    for (number, witness) in &witnesses {
        l2_block::set_witness(&mut tx, *number, witness).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The chunk row `index` over blocks `numbers` of `chain` (already stored), with the chain's
/// real roots and `prev_msg_queue_hash`; its hash is derived from the index and block hashes.
pub fn devnet_chunk(
    chain: &LocalChain,
    fork: ForkName,
    index: u64,
    numbers: RangeInclusive<u64>,
    prev_msg_queue_hash: B256,
) -> ChunkData {
    let (first, last) = (*numbers.start(), *numbers.end());
    let blocks = &chain.blocks[first as usize - 1..last as usize];
    let (start, end) = (&blocks[0].header, &blocks[blocks.len() - 1].header);
    let (start_hash, end_hash) = (start.hash_slow(), end.hash_slow());
    let mut id = b"rollproof devnet chunk".to_vec();
    id.extend_from_slice(&index.to_be_bytes());
    id.extend_from_slice(start_hash.as_slice());
    id.extend_from_slice(end_hash.as_slice());
    ChunkData {
        index,
        hash: keccak256(&id),
        start_block_number: first,
        start_block_hash: start_hash,
        end_block_number: last,
        end_block_hash: end_hash,
        start_block_time: start.timestamp,
        total_l1_messages_popped_before: 0,
        total_l1_messages_popped_in_chunk: 0,
        parent_chunk_hash: B256::ZERO,
        state_root: end.state_root,
        parent_chunk_state_root: chain.headers[first as usize - 1].state_root,
        withdraw_root: B256::ZERO,
        prev_l1_message_queue_hash: prev_msg_queue_hash,
        post_l1_message_queue_hash: prev_msg_queue_hash,
        codec_version: u16::from(fork.codec_version()),
        total_l2_tx_gas: blocks.iter().map(|b| b.header.gas_used).sum(),
        total_l2_tx_num: blocks
            .iter()
            .map(|b| b.body.transactions.len() as u32)
            .sum(),
    }
}

/// Stores blocks `numbers` of `chain` with their witnesses and a chunk `index` over them;
/// returns the chunk row.
pub async fn store_devnet_chunk(
    db: &Db,
    chain: &LocalChain,
    fork: ForkName,
    index: u64,
    numbers: RangeInclusive<u64>,
    prev_msg_queue_hash: B256,
) -> anyhow::Result<ChunkData> {
    store_devnet_blocks(db, chain, fork, numbers.clone()).await?;
    let chunk = devnet_chunk(chain, fork, index, numbers, prev_msg_queue_hash);
    rollproof_db::chunk::insert(db, &chunk).await?;
    Ok(chunk)
}

/// How many distinct devnet blocks [`seed_devnet_chunks`] builds at most; chunks beyond that
/// reuse them in turn (building and witnessing a block is what makes seeding slow).
pub const SEED_DISTINCT_BLOCKS: u64 = 128;

/// Chunk rows inserted per transaction by [`seed_devnet_chunks`].
const CHUNKS_PER_TRANSACTION: u64 = 1_000;

/// Seeds `n` one-block chunks (indexes `0..n`) over empty blocks of a fresh devnet chain of
/// `fork`: real blocks and witnesses, so every task builds and validates. Chunk `i` covers
/// block `i % SEED_DISTINCT_BLOCKS + 1` (so for `n <= SEED_DISTINCT_BLOCKS`, chunk `i` covers
/// block `i + 1`); its hash is still unique. The blocks are stored in one transaction, the
/// chunks [`CHUNKS_PER_TRANSACTION`] per transaction.
pub async fn seed_devnet_chunks(
    db: &Db,
    chain_id: u64,
    fork: ForkName,
    n: u64,
) -> anyhow::Result<LocalChain> {
    let generator = TxGenerator::new(chain_id, b"coordinator seed", 1);
    let mut chain = devnet_chain(chain_id, fork, &generator);
    let distinct = n.min(SEED_DISTINCT_BLOCKS);
    for _ in 0..distinct {
        chain.build_block(Vec::new())?;
    }
    if distinct > 0 {
        store_devnet_blocks(db, &chain, fork, 1..=distinct).await?;
    }
    let mut start = 0;
    while start < n {
        let end = (start + CHUNKS_PER_TRANSACTION).min(n);
        let mut tx = db.begin().await?;
        for index in start..end {
            let number = index % SEED_DISTINCT_BLOCKS + 1;
            let chunk = devnet_chunk(&chain, fork, index, number..=number, B256::ZERO);
            rollproof_db::chunk::insert(&mut tx, &chunk).await?;
        }
        tx.commit().await?;
        start = end;
    }
    Ok(chain)
}

/// What the batch and bundle proposers write, for callers that choose the chunks and batches
/// themselves (tests, the end-to-end run).
pub use rollproof_rollup::{store_batch, store_bundle};

//! [`Ingester`]: follows an L2 node and stores its blocks with their execution witnesses.
//!
//! Each poll reads the node's head, and stores the blocks after the stored tip up to `head -
//! confirmations` (at most `max_blocks_per_poll` of them), oldest first. A block is stored only
//! once it validates statelessly against its witness (so a node serving a bad witness stops
//! ingestion at that block, with the reason), and the block row and its compressed one-block
//! witness go in one transaction: a crash leaves either both or neither, and the next start
//! resumes after the stored tip.
//!
//! Reorgs: when a fetched block's parent hash is not the stored tip's hash, the ingester walks
//! back over the stored blocks to the newest one the node still has, removes the stored blocks
//! above it and ingests the new branch at the next poll. Blocks already in a chunk are never
//! removed: a reorg below them stops the relayer with [`RelayerError::DeepReorg`].
//! Confirmations make that unlikely; they are the operator's setting.

use alloy_primitives::{Address, B256, U256};
use rollproof_db::{l2_block, Db};
use rollproof_libzkp::witness::compress_block_witness;
use rollproof_primitives::ForkSchedule;
use rollproof_stateless::{ChunkInput, ChunkWitness, NativeCrypto};

use crate::{
    error::{RelayerError, Result},
    rpc::{FetchedBlock, L2Client},
};

/// What the ingester needs besides the node and the database.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    /// The chain id the node must report.
    pub chain_id: u64,
    /// The chain's fork schedule (a block's fork, hence its rules).
    pub schedule: ForkSchedule,
    /// Blocks newer than `head - confirmations` are not ingested yet.
    pub confirmations: u64,
    /// The first block to ingest into an empty database.
    pub start_block: u64,
    /// The last block to ingest (`None`: follow the head).
    pub end_block: Option<u64>,
    /// Most blocks stored per poll.
    pub max_blocks_per_poll: u64,
    /// Where the withdraw root is read after each block (`None`: a zero withdraw root).
    pub withdraw_root_slot: Option<(Address, U256)>,
}

/// A reorg the ingester handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reorg {
    /// The first block number that was removed.
    pub from: u64,
    /// How many stored blocks were removed.
    pub removed: u64,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// The node's head.
    pub head: u64,
    /// Blocks stored.
    pub stored: u64,
    /// The stored tip after the poll.
    pub tip: Option<u64>,
    /// A reorg handled during the poll (the poll stops there).
    pub reorg: Option<Reorg>,
}

/// Follows one L2 node into the database.
#[derive(Debug, Clone)]
pub struct Ingester {
    client: L2Client,
    db: Db,
    settings: IngestSettings,
}

impl Ingester {
    /// An ingester of `client`'s chain into `db`.
    pub fn new(client: L2Client, db: Db, settings: IngestSettings) -> Self {
        Self {
            client,
            db,
            settings,
        }
    }

    /// Checks that the node serves the configured chain.
    pub async fn check_node(&self) -> Result<()> {
        let id = self.client.chain_id().await?;
        if id != self.settings.chain_id {
            return Err(RelayerError::Node(format!(
                "{} serves chain {id}, the genesis file says chain {}",
                self.client.endpoint(),
                self.settings.chain_id
            )));
        }
        Ok(())
    }

    /// Stores the next confirmed blocks (see the module docs).
    pub async fn poll(&self) -> Result<IngestReport> {
        let head = self.client.block_number().await?;
        let target = head.saturating_sub(self.settings.confirmations);
        let mut tip = match l2_block::latest_number(&self.db).await? {
            Some(n) => l2_block::get_by_number(&self.db, n)
                .await?
                .map(|b| (n, b.block.hash)),
            None => None,
        };
        let next = tip.map_or(self.settings.start_block.max(1), |(n, _)| n + 1);
        let last = target
            .min(next.saturating_add(self.settings.max_blocks_per_poll.max(1)) - 1)
            .min(self.settings.end_block.unwrap_or(u64::MAX));
        let mut report = IngestReport {
            head,
            tip: tip.map(|(n, _)| n),
            ..IngestReport::default()
        };
        for number in next..=last {
            let fetched = self.client.block(number).await?.ok_or_else(|| {
                RelayerError::Node(format!(
                    "block {number} is below the head {head} but the node does not return it"
                ))
            })?;
            if let Some((tip_number, tip_hash)) = tip {
                if fetched.block.header.parent_hash != tip_hash {
                    report.reorg = Some(self.rewind(tip_number).await?);
                    report.tip = l2_block::latest_number(&self.db).await?;
                    return Ok(report);
                }
            }
            let hash = fetched.hash;
            self.store(fetched).await?;
            tip = Some((number, hash));
            report.stored += 1;
            report.tip = Some(number);
        }
        Ok(report)
    }

    /// Removes the stored blocks above the newest one the node still has (from `tip` down).
    async fn rewind(&self, tip: u64) -> Result<Reorg> {
        let mut from = tip;
        loop {
            let Some(stored) = l2_block::get_by_number(&self.db, from).await? else {
                // Below the first stored block: every stored block was on the old branch.
                from += 1;
                break;
            };
            if self.client.block_hash(from).await? == Some(stored.block.hash) {
                from += 1;
                break;
            }
            if stored.chunk_hash.is_some() {
                return Err(RelayerError::DeepReorg { block: from });
            }
            if from <= 1 {
                break;
            }
            from -= 1;
        }
        let removed = match l2_block::delete_unchunked_from(&self.db, from).await {
            Err(rollproof_db::Error::InvalidState { .. }) => {
                return Err(RelayerError::DeepReorg { block: from })
            }
            other => other?,
        };
        tracing::warn!(
            from,
            removed,
            "L2 reorg: removed the stored blocks of the old branch"
        );
        Ok(Reorg { from, removed })
    }

    /// Validates `fetched` against its witness and stores the block row with its compressed
    /// one-block witness, in one transaction.
    async fn store(&self, fetched: FetchedBlock) -> Result<()> {
        let number = fetched.block.header.number;
        let witness = self.client.execution_witness(number).await?;
        let fork = self
            .settings
            .schedule
            .fork_at(number, fetched.block.header.timestamp)
            .map_err(|e| RelayerError::Invalid {
                what: format!("block {number}"),
                reason: e.to_string(),
            })?;
        let chunk = ChunkWitness {
            chain_id: self.settings.chain_id,
            fork,
            input: ChunkInput {
                blocks: vec![fetched.block],
                witness,
                prev_msg_queue_hash: B256::ZERO,
                withdraw_root_slot: self.settings.withdraw_root_slot,
            },
        };
        let (row, stored) = tokio::task::spawn_blocking(move || {
            let info = chunk
                .validate(&NativeCrypto)
                .map_err(|e| RelayerError::Invalid {
                    what: format!("block {number}"),
                    reason: format!("does not validate against the node's execution witness: {e}"),
                })?;
            let block = &chunk.input.blocks[0];
            let tx_hashes: Vec<B256> = block
                .body
                .transactions
                .iter()
                .map(|tx| *tx.tx_hash())
                .collect();
            let row = l2_block::L2Block {
                number,
                hash: fetched.hash,
                parent_hash: block.header.parent_hash,
                header: fetched.header_json,
                transactions: serde_json::json!(tx_hashes).to_string(),
                withdraw_root: info.withdraw_root,
                state_root: block.header.state_root,
                tx_num: block.body.transactions.len() as u32,
                gas_used: block.header.gas_used,
                block_timestamp: block.header.timestamp,
            };
            Ok::<_, RelayerError>((row, compress_block_witness(&chunk)?))
        })
        .await
        .map_err(|e| RelayerError::Join(e.to_string()))??;
        let mut tx = self.db.begin().await?;
        l2_block::insert_many(&mut tx, std::slice::from_ref(&row)).await?;
        l2_block::set_witness(&mut tx, number, &stored).await?;
        tx.commit().await?;
        tracing::debug!(number, txs = row.tx_num, gas = row.gas_used, %fork, "block stored");
        Ok(())
    }
}

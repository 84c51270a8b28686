//! The relayer against a real devnet over HTTP and a real database (every test runs on
//! PostgreSQL and on SQLite): ingestion with witnesses, the three proposers under their limits,
//! restart, reorgs, an unreachable node and a corrupt stored witness.

use std::{sync::Arc, time::Duration};

use alloy_primitives::B256;
use rollproof_db::{backend_tests, batch, bundle, chunk, l2_block, testing::TestDb, Db};
use rollproof_devnet::{rpc::LocalRpc, Node, NodeConfig};
use rollproof_libzkp::witness::chunk_witness_from_blocks;
use rollproof_primitives::{BatchHeader, ForkName};
use rollproof_rollup::{
    ingest::IngestSettings,
    proposer::{batch::BatchLimits, bundle::BundleLimits, chunk::ChunkLimits},
    rpc::L2Client,
    Limits, Relayer, RelayerError,
};
use rollproof_stateless::NativeCrypto;

/// Far enough in the future that every timeout has passed.
const LATE: u64 = u64::MAX / 2;

/// A devnet of `txs` generated transactions per block from wallet seed `seed`, with `blocks`
/// blocks already produced, served on a free port.
async fn devnet(seed: &str, txs: usize, blocks: u64) -> LocalRpc {
    let node = Node::new(NodeConfig {
        seed: seed.to_string(),
        txs_per_block: txs,
        state_file: None,
        ..NodeConfig::default()
    })
    .expect("devnet starts");
    for _ in 0..blocks {
        node.produce_block().expect("block");
    }
    LocalRpc::start(Arc::new(node)).await.expect("serve devnet")
}

fn settings(node: &Node, max_blocks_per_poll: u64) -> IngestSettings {
    IngestSettings {
        chain_id: node.chain_id(),
        schedule: node.genesis().schedule().expect("schedule"),
        confirmations: 0,
        start_block: 1,
        end_block: None,
        max_blocks_per_poll,
        withdraw_root_slot: None,
    }
}

fn limits(blocks: u64, chunks: u64, batches: u64) -> Limits {
    Limits {
        chunk: ChunkLimits {
            max_block_num_per_chunk: blocks,
            ..ChunkLimits::default()
        },
        batch: BatchLimits {
            max_chunks_per_batch: chunks,
            ..BatchLimits::default()
        },
        bundle: BundleLimits {
            max_batch_num_per_bundle: batches,
            ..BundleLimits::default()
        },
    }
}

fn relayer(rpc: &LocalRpc, db: &Db, max_blocks_per_poll: u64, limits: Limits) -> Relayer {
    let client = L2Client::new(&rpc.url, Duration::from_secs(10)).unwrap();
    Relayer::new(
        client,
        db.clone(),
        settings(&rpc.node, max_blocks_per_poll),
        limits,
    )
}

fn no_errors(report: &rollproof_rollup::PassReport) {
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// The stored block hashes `1..=n`.
async fn stored_hashes(db: &Db, n: u64) -> Vec<B256> {
    l2_block::hashes_in_range(db, 1, n).await.unwrap()
}

async fn node_hashes(rpc: &LocalRpc, n: u64) -> Vec<B256> {
    let view = rpc.node.read();
    (1..=n).map(|i| view.hash(i).unwrap()).collect()
}

backend_tests! {
    async fn blocks_become_chunks_batches_and_a_bundle(db: &TestDb) {
        let rpc = devnet("relayer test", 3, 6).await;
        let r = relayer(&rpc, db, 100, limits(2, 2, 2));
        r.check_node().await.unwrap();

        // Before any timeout: full chunks and full batches close, the rest waits.
        let report = r.pass(0).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().stored, 6);
        assert_eq!(stored_hashes(db, 6).await, node_hashes(&rpc, 6).await);
        assert_eq!(report.chunks.len(), 3, "chunks of 2 blocks");
        assert_eq!(report.batches.len(), 1, "one full batch; the third chunk waits");
        assert!(report.bundles.is_empty(), "one batch waits for the second");

        // After the timeouts: the waiting chunk makes a batch, the two batches a bundle.
        let report = r.pass(LATE).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().stored, 0);
        assert!(report.chunks.is_empty());
        assert_eq!(report.batches.len(), 1);
        assert_eq!(report.bundles.len(), 1);

        // Chunks chain, and each chunk's hash is the public-input hash of its blocks' stored
        // witnesses (what the coordinator rebuilds the task from).
        let mut parent: Option<chunk::ChunkData> = None;
        for index in 0..3 {
            let c = chunk::get_by_index(db.db(), index).await.unwrap().unwrap().data;
            assert_eq!((c.start_block_number, c.end_block_number), (2 * index + 1, 2 * index + 2));
            let stored = l2_block::witnesses_in_range(db.db(), c.start_block_number, c.end_block_number)
                .await
                .unwrap();
            let witness = chunk_witness_from_blocks(
                stored.iter().map(|b| (b.number, b.witness.as_deref().unwrap())),
                c.prev_l1_message_queue_hash,
            )
            .unwrap();
            let info = witness.validate(&NativeCrypto).unwrap();
            assert_eq!(c.hash, rollproof_rollup::chunk_hash(&info, ForkName::Galileo));
            assert_eq!(c.state_root, info.post_state_root);
            if let Some(p) = &parent {
                assert_eq!(c.parent_chunk_hash, p.hash);
                assert_eq!(c.parent_chunk_state_root, p.state_root);
            }
            parent = Some(c);
        }

        // Batches chain through their headers; the bundle covers both.
        let b0 = batch::get_by_index(db.db(), 0).await.unwrap().unwrap();
        let b1 = batch::get_by_index(db.db(), 1).await.unwrap().unwrap();
        assert_eq!((b0.data.start_chunk_index, b0.data.end_chunk_index), (0, 1));
        assert_eq!((b1.data.start_chunk_index, b1.data.end_chunk_index), (2, 2));
        assert_eq!(b1.data.parent_batch_hash, b0.data.hash);
        let header = BatchHeader::decode_for_fork(&b1.data.batch_header, ForkName::Galileo).unwrap();
        assert_eq!(header.hash(), b1.data.hash);
        assert_eq!(header.parent_batch_hash, b0.data.hash);
        let bundle = bundle::latest(db.db()).await.unwrap().unwrap();
        assert_eq!((bundle.data.start_batch_index, bundle.data.end_batch_index), (0, 1));
        assert_eq!(b1.bundle_hash, Some(bundle.data.hash));

        // Nothing is left to do.
        let report = r.pass(LATE).await;
        no_errors(&report);
        assert!(report.chunks.is_empty() && report.batches.is_empty() && report.bundles.is_empty());
        let text = r.metrics().render();
        assert!(text.contains("rollup_blocks_ingested_total 6"), "{text}");
        assert!(text.contains("rollup_chunks_proposed_total 3"), "{text}");
        assert!(text.contains("rollup_bundles_proposed_total 1"), "{text}");
    }

    async fn a_restarted_relayer_continues_from_the_database(db: &TestDb) {
        let rpc = devnet("relayer restart", 2, 5).await;
        let first = relayer(&rpc, db, 2, limits(100, 100, 100));
        let report = first.pass(0).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().tip, Some(2));
        drop(first);

        rpc.node.produce_block().unwrap();
        let second = relayer(&rpc, db, 100, limits(100, 100, 100));
        let report = second.pass(0).await;
        no_errors(&report);
        let ingest = report.ingest.as_ref().unwrap();
        assert_eq!((ingest.stored, ingest.tip), (4, Some(6)));
        assert_eq!(stored_hashes(db, 6).await, node_hashes(&rpc, 6).await);
        // One chunk of all six once it times out; none before.
        assert!(report.chunks.is_empty());
        let report = second.pass(LATE).await;
        no_errors(&report);
        assert_eq!(report.chunks.len(), 1);
        assert_eq!(report.chunks[0].chunk.end_block_number, 6);
    }

    async fn confirmations_hold_back_the_newest_blocks(db: &TestDb) {
        let rpc = devnet("relayer confirmations", 1, 4).await;
        let mut s = settings(&rpc.node, 100);
        s.confirmations = 3;
        let client = L2Client::new(&rpc.url, Duration::from_secs(10)).unwrap();
        let r = Relayer::new(client, db.db().clone(), s, limits(100, 100, 100));
        let report = r.pass(0).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().tip, Some(1));
    }

    async fn a_reorg_of_unchunked_blocks_is_rolled_back(db: &TestDb) {
        let old = devnet("relayer old branch", 2, 3).await;
        let report = relayer(&old, db, 100, limits(100, 100, 100)).pass(0).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().tip, Some(3));

        // Same genesis, other transactions: every block differs from block 1 on.
        let new = devnet("relayer new branch", 2, 5).await;
        let r = relayer(&new, db, 100, limits(100, 100, 100));
        let report = r.pass(0).await;
        no_errors(&report);
        let ingest = report.ingest.as_ref().unwrap();
        assert_eq!(ingest.reorg.as_ref().map(|g| (g.from, g.removed)), Some((1, 3)));
        assert_eq!(ingest.tip, None);
        let report = r.pass(0).await;
        no_errors(&report);
        assert_eq!(report.ingest.as_ref().unwrap().tip, Some(5));
        assert_eq!(stored_hashes(db, 5).await, node_hashes(&new, 5).await);
        assert!(r.metrics().render().contains("rollup_reorgs_total 1"));
    }

    async fn a_reorg_of_every_stored_block_reports_the_first_one(db: &TestDb) {
        // Ingestion started at block 2: the walk back ends below the stored blocks.
        let old = devnet("relayer old branch", 1, 3).await;
        let client = L2Client::new(&old.url, Duration::from_secs(10)).unwrap();
        let mut s = settings(&old.node, 100);
        s.start_block = 2;
        no_errors(&Relayer::new(client, db.db().clone(), s.clone(), limits(100, 100, 100)).pass(0).await);

        let new = devnet("relayer new branch", 1, 4).await;
        let client = L2Client::new(&new.url, Duration::from_secs(10)).unwrap();
        let report = Relayer::new(client, db.db().clone(), s, limits(100, 100, 100)).pass(0).await;
        no_errors(&report);
        let reorg = report.ingest.as_ref().unwrap().reorg.clone();
        assert_eq!(reorg.map(|g| (g.from, g.removed)), Some((2, 2)));
    }

    async fn a_reorg_below_a_chunk_stops_and_removes_nothing(db: &TestDb) {
        let old = devnet("relayer old branch", 1, 4).await;
        let report = relayer(&old, db, 100, limits(2, 100, 100)).pass(0).await;
        no_errors(&report);
        assert_eq!(report.chunks.len(), 2);

        let new = devnet("relayer new branch", 1, 6).await;
        let report = relayer(&new, db, 100, limits(2, 100, 100)).pass(0).await;
        assert!(
            matches!(report.errors.as_slice(), [RelayerError::DeepReorg { block: 4 }]),
            "{:?}",
            report.errors
        );
        assert_eq!(stored_hashes(db, 4).await, node_hashes(&old, 4).await);
    }

    async fn an_unreachable_node_still_lets_due_objects_close(db: &TestDb) {
        let rpc = devnet("relayer unreachable", 1, 2).await;
        let report = relayer(&rpc, db, 100, limits(100, 100, 100)).pass(0).await;
        no_errors(&report);
        let settings = settings(&rpc.node, 100);

        // Nothing listens on port 1: connections are refused.
        let client = L2Client::new("http://127.0.0.1:1", Duration::from_secs(2)).unwrap();
        let r = Relayer::new(client, db.db().clone(), settings, limits(100, 100, 100));
        let report = r.pass(LATE).await;
        assert!(report.ingest.is_none());
        assert!(
            matches!(report.errors.as_slice(), [RelayerError::Rpc { method, .. }] if method == "eth_blockNumber"),
            "{:?}",
            report.errors
        );
        assert_eq!((report.chunks.len(), report.batches.len(), report.bundles.len()), (1, 1, 1));
        assert!(r.check_node().await.is_err());
    }

    async fn a_corrupt_stored_witness_stops_the_chunk_proposer_and_writes_nothing(db: &TestDb) {
        let rpc = devnet("relayer corrupt", 1, 2).await;
        let r = relayer(&rpc, db, 100, limits(100, 100, 100));
        no_errors(&r.pass(0).await);
        assert!(l2_block::set_witness(db.db(), 2, b"not zstd").await.unwrap());
        let report = r.pass(LATE).await;
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        let message = report.errors[0].to_string();
        assert!(message.contains("block 2"), "{message}");
        assert!(report.chunks.is_empty());
        assert!(chunk::latest(db.db()).await.unwrap().is_none());
        assert!(r.metrics().render().contains("rollup_proposer_errors_total 1"));
    }

    async fn a_node_of_another_chain_is_refused(db: &TestDb) {
        let rpc = devnet("relayer chain id", 0, 0).await;
        let mut s = settings(&rpc.node, 100);
        s.chain_id += 1;
        let client = L2Client::new(&rpc.url, Duration::from_secs(10)).unwrap();
        let r = Relayer::new(client, db.db().clone(), s, limits(1, 1, 1));
        let err = r.check_node().await.unwrap_err().to_string();
        assert!(err.contains("serves chain"), "{err}");
    }
}

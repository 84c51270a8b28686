//! `e2e_tool import` against a devnet over HTTP and a real database (PostgreSQL and SQLite):
//! the split is stored as the proposers would store it, the test set names every row, and the
//! same seed gives the same rows.

use std::sync::Arc;

use rollproof_db::{backend_tests, batch, bundle, chunk, testing::TestDb, DbConfig};
use rollproof_devnet::{rpc::LocalRpc, Node, NodeConfig};
use rollproof_e2e::import::{import, split, FetchConfig, ImportConfig};

async fn devnet(blocks: u64) -> (LocalRpc, tempfile::TempDir) {
    let node = Node::new(NodeConfig {
        seed: "e2e import".into(),
        txs_per_block: 2,
        state_file: None,
        ..NodeConfig::default()
    })
    .unwrap();
    for _ in 0..blocks {
        node.produce_block().unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("genesis.json"),
        serde_json::to_string(node.genesis()).unwrap(),
    )
    .unwrap();
    (LocalRpc::start(Arc::new(node)).await.unwrap(), dir)
}

fn config(db: &TestDb, rpc: &LocalRpc, dir: &tempfile::TempDir) -> ImportConfig {
    ImportConfig {
        db_config: DbConfig {
            driver_name: "any".into(),
            dsn: db.url(),
            max_open_num: 4,
            max_idle_num: 0,
        },
        fetch_config: FetchConfig {
            endpoint: rpc.url.clone(),
            genesis_path: dir.path().join("genesis.json").display().to_string(),
        },
    }
}

backend_tests! {
    async fn import_stores_the_seeded_split_and_names_it(db: &TestDb) {
        let (rpc, dir) = devnet(6).await;
        let config = config(db, &rpc, &dir);
        let set = import(&config, 1, 6, [3, 2, 1], 5).await.unwrap();
        assert_eq!((set.chunks.len(), set.batches.len(), set.bundles.len()), (3, 2, 1));

        let plan = split(1, 6, [3, 2, 1], 5).unwrap();
        for (i, (from, to)) in plan.chunks.iter().enumerate() {
            let c = chunk::get_by_index(db.db(), i as u64).await.unwrap().unwrap().data;
            assert_eq!((c.start_block_number, c.end_block_number), (*from, *to));
            assert_eq!(c.hash.to_string(), set.chunks[i]);
        }
        for (i, (first, last)) in plan.batches.iter().enumerate() {
            let b = batch::get_by_index(db.db(), i as u64).await.unwrap().unwrap().data;
            assert_eq!((b.start_chunk_index, b.end_chunk_index), (*first as u64, *last as u64));
            assert_eq!(b.hash.to_string(), set.batches[i]);
        }
        let n = bundle::latest(db.db()).await.unwrap().unwrap().data;
        assert_eq!((n.start_batch_index, n.end_batch_index), (0, 1));
        assert_eq!(n.hash.to_string(), set.bundles[0]);

        // Blocks the node does not have yet: refused, nothing more stored.
        let err = import(&config, 7, 9, [1, 1, 1], 0).await.unwrap_err().to_string();
        assert!(err.contains("not there yet"), "{err}");
        assert!(chunk::get_by_index(db.db(), 3).await.unwrap().is_none());
        // A range that does not follow the stored blocks: refused.
        let err = import(&config, 3, 6, [1, 1, 1], 0).await.unwrap_err().to_string();
        assert!(err.contains("import from block 7"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_seed_gives_the_same_rows() {
    let (rpc, dir) = devnet(5).await;
    let mut sets = Vec::new();
    for _ in 0..2 {
        let db = TestDb::sqlite().await;
        sets.push(
            import(&config(&db, &rpc, &dir), 1, 5, [4, 2, 1], 11)
                .await
                .unwrap(),
        );
    }
    assert_eq!(sets[0].chunks, sets[1].chunks);
    assert_eq!(sets[0].batches, sets[1].batches);
    assert_eq!(sets[0].bundles, sets[1].bundles);
}

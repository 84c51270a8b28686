//! Inserting and reading the rollup's rows: blocks, chunks, batches, bundles; uniqueness and
//! soft delete.

use rollproof_db::{batch, block_list, bundle, chunk, l2_block, tasks, testing::TestDb, Error};
use rollproof_primitives::{ProofsReadyStatus, TaskType};

use crate::common::{self, backend_tests, block, h, insert_chunks, scalar};

backend_tests! {
    async fn blocks_are_stored_and_linked_to_their_chunk(db: &TestDb) {
        let blocks: Vec<_> = (1..=25).map(block).collect();
        l2_block::insert_many(db.db(), &blocks).await.unwrap();
        assert_eq!(l2_block::latest_number(db.db()).await.unwrap(), Some(25));
        let b7 = l2_block::get_by_number(db.db(), 7).await.unwrap().unwrap();
        assert_eq!(b7.block, block(7));
        assert_eq!(b7.chunk_hash, None);
        assert_eq!(l2_block::get_by_hash(db.db(), h(1, 9)).await.unwrap().unwrap().block.number, 9);

        // A batch of blocks with one duplicate is refused whole.
        let err = l2_block::insert_many(db.db(), &[block(26), block(3)]).await.unwrap_err();
        assert!(err.is_duplicate(), "{err}");
        assert!(l2_block::get_by_number(db.db(), 26).await.unwrap().is_none(), "all or nothing");

        chunk::insert(db.db(), &common::chunk(0)).await.unwrap(); // blocks 1..=10
        assert_eq!(
            l2_block::hashes_in_range(db.db(), 1, 10).await.unwrap(),
            (1..=10).map(|n| h(1, n)).collect::<Vec<_>>()
        );
        let ranged = l2_block::get_range(db.db(), 9, 12).await.unwrap();
        assert_eq!(ranged.iter().map(|b| b.chunk_hash).collect::<Vec<_>>(),
            vec![Some(h(10, 0)), Some(h(10, 0)), None, None]);
        let unchunked = l2_block::get_unchunked(db.db(), 100).await.unwrap();
        assert_eq!(unchunked.first().map(|b| b.block.number), Some(11));
        assert_eq!(unchunked.len(), 15);
    }

    async fn block_witnesses_are_stored_and_read_by_range(db: &TestDb) {
        let blocks: Vec<_> = (1..=3).map(block).collect();
        l2_block::insert_many(db.db(), &blocks).await.unwrap();
        assert!(l2_block::set_witness(db.db(), 1, b"witness one").await.unwrap());
        assert!(l2_block::set_witness(db.db(), 3, b"first").await.unwrap());
        assert!(l2_block::set_witness(db.db(), 3, &[0, 255, 7]).await.unwrap(), "replaced");
        assert!(!l2_block::set_witness(db.db(), 99, b"x").await.unwrap(), "no such block");
        let got = l2_block::witnesses_in_range(db.db(), 1, 4).await.unwrap();
        let expected = vec![
            l2_block::BlockWitness { number: 1, witness: Some(b"witness one".to_vec()) },
            l2_block::BlockWitness { number: 2, witness: None },
            l2_block::BlockWitness { number: 3, witness: Some(vec![0, 255, 7]) },
        ];
        assert_eq!(got, expected);
        // Inside a transaction, and the block rows themselves are unchanged.
        let mut tx = db.begin().await.unwrap();
        assert!(l2_block::set_witness(&mut tx, 2, b"two").await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(
            l2_block::witnesses_in_range(db.db(), 2, 2).await.unwrap()[0].witness.as_deref(),
            Some(&b"two"[..])
        );
        assert_eq!(l2_block::get_by_number(db.db(), 2).await.unwrap().unwrap().block, block(2));
    }

    async fn chunks_batches_bundles_round_trip(db: &TestDb) {
        insert_chunks(db, 4).await;
        let c = chunk::get_by_hash(db.db(), h(10, 2)).await.unwrap().unwrap();
        assert_eq!(c.data, common::chunk(2));
        assert_eq!(chunk::latest(db.db()).await.unwrap().unwrap().data.index, 3);
        assert_eq!(chunk::list_unbatched(db.db(), 10).await.unwrap().len(), 4);

        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        batch::insert(db.db(), &common::batch(1, 2, 3)).await.unwrap();
        let b = batch::get_by_hash(db.db(), h(20, 1)).await.unwrap().unwrap();
        assert_eq!(b.data, common::batch(1, 2, 3));
        assert_eq!(b.bundle_hash, None);
        let in_batch = chunk::list_by_batch(db.db(), h(20, 1)).await.unwrap();
        assert_eq!(in_batch.iter().map(|c| c.data.index).collect::<Vec<_>>(), vec![2, 3]);
        assert!(chunk::list_unbatched(db.db(), 10).await.unwrap().is_empty());

        let index = bundle::insert(db.db(), &common::bundle(0, 1)).await.unwrap();
        let u = bundle::get_by_index(db.db(), index).await.unwrap().unwrap();
        assert_eq!(u.data, common::bundle(0, 1));
        assert_eq!(bundle::get_by_hash(db.db(), u.data.hash).await.unwrap().unwrap().index, index);
        assert_eq!(batch::list_by_bundle(db.db(), u.data.hash).await.unwrap().len(), 2);
        assert!(batch::list_unbundled(db.db(), 10).await.unwrap().is_empty());
        assert_eq!(batch::list_from_index(db.db(), 1, 10).await.unwrap().len(), 1);
        assert_eq!(chunk::list_from_index(db.db(), 1, 2).await.unwrap().len(), 2);

        // A second bundle gets the next index.
        batch::insert(db.db(), &common::batch(2, 3, 3)).await.unwrap(); // relinks chunk 3
        let next = bundle::insert(db.db(), &common::bundle(2, 2)).await.unwrap();
        assert_eq!(next, index + 1);
    }

    async fn parents_need_their_children(db: &TestDb) {
        insert_chunks(db, 2).await;
        let err = batch::insert(db.db(), &common::batch(0, 0, 2)).await.unwrap_err();
        assert!(matches!(err, Error::MissingChildren { expected: 3, found: 2, .. }), "{err}");
        assert!(batch::get_by_index(db.db(), 0).await.unwrap().is_none(), "rolled back");
        assert_eq!(chunk::get_by_index(db.db(), 0).await.unwrap().unwrap().batch_hash, None, "rolled back");

        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        let err = bundle::insert(db.db(), &common::bundle(0, 1)).await.unwrap_err();
        assert!(matches!(err, Error::MissingChildren { expected: 2, found: 1, .. }), "{err}");
        assert!(bundle::latest(db.db()).await.unwrap().is_none());
    }

    async fn soft_deleted_rows_are_ignored_by_unique_indexes(db: &TestDb) {
        insert_chunks(db, 1).await;
        let err = chunk::insert(db.db(), &common::chunk(0)).await.unwrap_err();
        assert!(err.is_duplicate(), "{err}");
        let mut same_index = common::chunk(0);
        same_index.hash = h(99, 0);
        assert!(chunk::insert(db.db(), &same_index).await.unwrap_err().is_duplicate());

        assert!(tasks::soft_delete(db.db(), TaskType::Chunk, h(10, 0)).await.unwrap());
        assert!(!tasks::soft_delete(db.db(), TaskType::Chunk, h(10, 0)).await.unwrap());
        assert!(chunk::get_by_hash(db.db(), h(10, 0)).await.unwrap().is_none());
        // Index 0 and the old hash are free again.
        chunk::insert(db.db(), &same_index).await.unwrap();
        chunk::insert(db.db(), &common::chunk(1)).await.unwrap();
        assert_eq!(chunk::get_by_index(db.db(), 0).await.unwrap().unwrap().data.hash, h(99, 0));
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM chunk").await, 3, "the deleted row stays");
        let err = chunk::insert(db.db(), &same_index).await.unwrap_err();
        assert!(err.is_duplicate());

        // The same for batches and the block list.
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        assert!(tasks::soft_delete(db.db(), TaskType::Batch, h(20, 0)).await.unwrap());
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM batch").await, 2);

        assert!(block_list::add(db.db(), "02aa", "p").await.unwrap());
        assert!(!block_list::add(db.db(), "02aa", "p").await.unwrap(), "already blocked");
        assert!(block_list::remove(db.db(), "02aa").await.unwrap());
        assert!(block_list::add(db.db(), "02aa", "p again").await.unwrap());
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM prover_block_list").await, 2);
    }

    async fn batch_readiness_at_insert(db: &TestDb) {
        // Chunks proved before their batch exists: the batch is ready as soon as it is stored.
        insert_chunks(db, 2).await;
        common::prove_chunks(db.db(), [0, 1]).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        let b = batch::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!(b.chunk_proofs_status, ProofsReadyStatus::Ready);
    }
}

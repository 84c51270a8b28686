//! Recording verified proofs: one transaction for prover task, object and parent readiness.

use rollproof_db::{
    batch, bundle, chunk, prover_task,
    tasks::{self, ProofOutcome},
    testing::TestDb,
    Error,
};
use rollproof_primitives::{
    ProofsReadyStatus, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType,
};

use crate::common::{self, backend_tests, claim, h, insert_chunks, request};

backend_tests! {
    async fn batch_becomes_ready_with_its_last_chunk(db: &TestDb) {
        insert_chunks(db, 3).await;
        batch::insert(db.db(), &common::batch(0, 0, 2)).await.unwrap();
        let assignments = [
            claim(db, &request(TaskType::Chunk, 1, 1, 5)).await,
            claim(db, &request(TaskType::Chunk, 2, 1, 5)).await,
            claim(db, &request(TaskType::Chunk, 3, 1, 5)).await,
        ];
        for (i, a) in assignments.iter().enumerate() {
            let proof = format!("proof-{i}").into_bytes();
            let outcome = tasks::record_verified_proof(db.db(), a.prover_task.uuid, &proof, 30 + i as u32).await.unwrap();
            let last = i == 2;
            assert_eq!(outcome, ProofOutcome::Accepted { late: false, parent_ready: last });
            let b = batch::get_by_index(db.db(), 0).await.unwrap().unwrap();
            let want = if last { ProofsReadyStatus::Ready } else { ProofsReadyStatus::Pending };
            assert_eq!(b.chunk_proofs_status, want, "after chunk {i}");

            let c = chunk::get_by_hash(db.db(), a.task_id).await.unwrap().unwrap();
            assert_eq!(c.proving.proving_status, ProvingStatus::Verified);
            assert_eq!(c.proving.proof.as_deref(), Some(&proof[..]));
            assert_eq!(c.proving.proof_time_sec, Some(30 + i as u32));
            assert!(c.proving.proved_at.is_some());
            assert_eq!((c.proving.total_attempts, c.proving.active_attempts), (1, 0));
            let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
            assert_eq!(pt.proving_status, ProverTaskStatus::ProofValid);
            assert_eq!(pt.proof.as_deref(), Some(&proof[..]));
        }

        // The same one level up: a bundle of two batches.
        insert_more_chunks(db, 3, 4).await;
        batch::insert(db.db(), &common::batch(1, 3, 3)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(0, 1)).await.unwrap();
        let b0 = claim(db, &request(TaskType::Batch, 1, 1, 5)).await;
        assert_eq!(
            tasks::record_verified_proof(db.db(), b0.prover_task.uuid, b"b0", 1).await.unwrap(),
            ProofOutcome::Accepted { late: false, parent_ready: false }
        );
        assert_eq!(bundle::get_by_index(db.db(), 1).await.unwrap().unwrap().batch_proofs_status, ProofsReadyStatus::Pending);
        common::prove_chunks(db.db(), [3]).await;
        let b1 = claim(db, &request(TaskType::Batch, 2, 1, 5)).await;
        assert_eq!(
            tasks::record_verified_proof(db.db(), b1.prover_task.uuid, b"b1", 1).await.unwrap(),
            ProofOutcome::Accepted { late: false, parent_ready: true }
        );
        assert_eq!(bundle::get_by_index(db.db(), 1).await.unwrap().unwrap().batch_proofs_status, ProofsReadyStatus::Ready);
    }

    async fn siblings_verified_concurrently_still_make_the_batch_ready(db: &TestDb) {
        // Several batches whose chunks are all verified at once: without the parent row lock,
        // two last siblings can each miss the other's proof and the batch never becomes ready.
        const BATCHES: u64 = 5;
        const PER_BATCH: u64 = 8;
        insert_chunks(db, BATCHES * PER_BATCH).await;
        for b in 0..BATCHES {
            batch::insert(db.db(), &common::batch(b, b * PER_BATCH, (b + 1) * PER_BATCH - 1)).await.unwrap();
        }
        let mut uuids = Vec::new();
        for p in 0..(BATCHES * PER_BATCH) as usize {
            uuids.push(claim(db, &request(TaskType::Chunk, p, 1, 5)).await.prover_task.uuid);
        }
        let handles: Vec<_> = uuids.into_iter().map(|uuid| {
            let db = db.db().clone();
            tokio::spawn(async move { tasks::record_verified_proof(&db, uuid, b"proof", 1).await.unwrap() })
        }).collect();
        let mut ready = 0;
        for h in handles {
            if let ProofOutcome::Accepted { parent_ready: true, .. } = h.await.unwrap() {
                ready += 1;
            }
        }
        for b in 0..BATCHES {
            let batch = batch::get_by_index(db.db(), b).await.unwrap().unwrap();
            assert_eq!(batch.chunk_proofs_status, ProofsReadyStatus::Ready, "batch {b}");
        }
        assert_eq!(ready, BATCHES, "exactly the last proof of each batch makes it ready");
    }

    async fn second_outcome_is_refused_and_changes_nothing(db: &TestDb) {
        insert_chunks(db, 1).await;
        let a1 = claim(db, &request(TaskType::Chunk, 1, 2, 5)).await;
        let a2 = claim(db, &request(TaskType::Chunk, 2, 2, 5)).await;
        assert_eq!(a2.task_id, a1.task_id);
        tasks::record_verified_proof(db.db(), a1.prover_task.uuid, b"first", 5).await.unwrap();

        let before = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        for err in [
            tasks::record_verified_proof(db.db(), a1.prover_task.uuid, b"again", 6).await.unwrap_err(),
            tasks::record_failure(db.db(), a1.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap_err(),
        ] {
            assert!(matches!(err, Error::InvalidState { what: "prover_task", .. }), "{err}");
        }
        assert_eq!(chunk::get_by_index(db.db(), 0).await.unwrap().unwrap(), before);

        // The second prover's proof arrives after the first was verified.
        assert_eq!(
            tasks::record_verified_proof(db.db(), a2.prover_task.uuid, b"second", 7).await.unwrap(),
            ProofOutcome::ObjectAlreadyVerified
        );
        let pt = prover_task::get_by_uuid(db.db(), a2.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::ObjectAlreadyVerified));
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!(c.proving.proof.as_deref(), Some(&b"first"[..]), "the first proof stays");
        assert_eq!(c.proving.active_attempts, 0);

        let err = tasks::record_verified_proof(db.db(), rollproof_db::Uuid::new_v4(), b"x", 1).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "prover_task", .. }), "{err}");
    }

    async fn a_failed_step_rolls_the_whole_record_back(db: &TestDb) {
        insert_chunks(db, 2).await;
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        // The object vanishes between assignment and proof: recording fails after the prover
        // task was read and locked, and nothing stays changed.
        tasks::soft_delete(db.db(), TaskType::Chunk, a.task_id).await.unwrap();
        let err = tasks::record_verified_proof(db.db(), a.prover_task.uuid, b"p", 1).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "chunk", .. }), "{err}");
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!(pt.proving_status, ProverTaskStatus::Assigned);

        // Inside a caller's transaction that rolls back, a successful record leaves no trace.
        let b = claim(db, &request(TaskType::Chunk, 2, 1, 5)).await;
        let mut tx = db.begin().await.unwrap();
        let outcome = tasks::record_verified_proof(&mut tx, b.prover_task.uuid, b"p", 1).await.unwrap();
        assert!(matches!(outcome, ProofOutcome::Accepted { .. }));
        let inside = chunk::get_by_hash(&mut tx, b.task_id).await.unwrap().unwrap();
        assert_eq!(inside.proving.proving_status, ProvingStatus::Verified);
        tx.rollback().await.unwrap();
        let c = chunk::get_by_hash(db.db(), b.task_id).await.unwrap().unwrap();
        assert_eq!(c.proving.proving_status, ProvingStatus::Assigned);
        assert_eq!(c.proving.proof, None);
        let pt = prover_task::get_by_uuid(db.db(), b.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!(pt.proving_status, ProverTaskStatus::Assigned);

        // And committed, it sticks.
        let mut tx = db.begin().await.unwrap();
        tasks::record_verified_proof(&mut tx, b.prover_task.uuid, b"p", 1).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(chunk::get_by_hash(db.db(), h(10, 1)).await.unwrap().unwrap().proving.proving_status, ProvingStatus::Verified);
    }
}

async fn insert_more_chunks(db: &TestDb, from: u64, to: u64) {
    for i in from..to {
        chunk::insert(db.db(), &common::chunk(i)).await.unwrap();
    }
}

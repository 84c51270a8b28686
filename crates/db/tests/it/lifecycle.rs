//! Failures, timeouts, exhausted attempts, requeue, readiness re-check.

use std::time::Duration;

use rollproof_db::{
    batch, bundle, chunk, prover_task,
    tasks::{self, FailureRefused, FailureRequest, ProofOutcome},
    testing::TestDb,
};
use rollproof_primitives::{
    ProofsReadyStatus, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType,
};

use crate::common::{self, backend_tests, claim, h, insert_chunks, request};

const HOUR: Duration = Duration::from_secs(3600);

backend_tests! {
    async fn failures_release_attempts_until_the_task_fails(db: &TestDb) {
        insert_chunks(db, 1).await;
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 2)).await;
        let out = tasks::record_failure(db.db(), a.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 2).await.unwrap();
        assert!(!out.object_failed);
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::SubmitStatusNotOk));
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.total_attempts, c.proving.active_attempts), (ProvingStatus::Assigned, 1, 0));

        let b = claim(db, &request(TaskType::Chunk, 2, 1, 2)).await;
        let out = tasks::record_failure(db.db(), b.prover_task.uuid, ProverTaskFailureType::VerificationFailed, 2).await.unwrap();
        assert!(out.object_failed, "second of two attempts failed");
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.total_attempts, c.proving.active_attempts), (ProvingStatus::Failed, 2, 0));
        assert!(tasks::claim(db.db(), &request(TaskType::Chunk, 3, 1, 9)).await.unwrap().is_none(), "failed tasks are not handed out");

        // The operator requeues it: counters reset, claimable again.
        assert_eq!(tasks::requeue(db.db(), TaskType::Chunk, h(10, 0)).await.unwrap(), 0);
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.total_attempts, c.proving.active_attempts), (ProvingStatus::Unassigned, 0, 0));
        let again = claim(db, &request(TaskType::Chunk, 3, 1, 2)).await;
        // Requeueing a task someone holds closes that assignment.
        assert_eq!(tasks::requeue(db.db(), TaskType::Chunk, h(10, 0)).await.unwrap(), 1);
        let pt = prover_task::get_by_uuid(db.db(), again.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::ReassignedByAdmin));
        common::prove_chunks(db.db(), [0]).await;
        assert!(tasks::requeue(db.db(), TaskType::Chunk, h(10, 0)).await.is_err(), "verified tasks stay verified");
    }

    async fn timeout_reassign_and_late_proof(db: &TestDb) {
        insert_chunks(db, 1).await;
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        assert!(tasks::expire_assigned(db.db(), TaskType::Chunk, HOUR, 5, 100).await.unwrap().is_empty(),
            "assigned just now: not expired after an hour's timeout");
        assert!(tasks::expire_assigned(db.db(), TaskType::Batch, Duration::ZERO, 5, 100).await.unwrap().is_empty(),
            "other task types are not touched");
        let expired = tasks::expire_assigned(db.db(), TaskType::Chunk, Duration::ZERO, 5, 100).await.unwrap();
        assert_eq!(expired.len(), 1);
        assert_eq!((expired[0].uuid, expired[0].task_id, expired[0].object_failed), (a.prover_task.uuid, h(10, 0), false));
        assert!(tasks::expire_assigned(db.db(), TaskType::Chunk, Duration::ZERO, 5, 100).await.unwrap().is_empty(), "only once");
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::Timeout));
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c.proving.total_attempts, c.proving.active_attempts), (1, 0));

        // Reassigned to prover 2; prover 1's late proof still counts.
        let b = claim(db, &request(TaskType::Chunk, 2, 1, 5)).await;
        assert_eq!((b.total_attempts, b.active_attempts), (2, 1));
        assert_eq!(
            tasks::record_verified_proof(db.db(), a.prover_task.uuid, b"late", 3).await.unwrap(),
            ProofOutcome::Accepted { late: true, parent_ready: false }
        );
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!(c.proving.proving_status, ProvingStatus::Verified);
        assert_eq!(c.proving.active_attempts, 1, "prover 2 still holds it");
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofValid, ProverTaskFailureType::Undefined));
        // Prover 2 is then told the task is done.
        assert_eq!(
            tasks::record_verified_proof(db.db(), b.prover_task.uuid, b"p2", 3).await.unwrap(),
            ProofOutcome::ObjectAlreadyVerified
        );
        assert_eq!(chunk::get_by_index(db.db(), 0).await.unwrap().unwrap().proving.active_attempts, 0);
        // A failed (not timed-out) assignment cannot deliver a late proof.
        insert_more(db, 1).await;
        let c1 = claim(db, &request(TaskType::Chunk, 3, 1, 5)).await;
        tasks::record_failure(db.db(), c1.prover_task.uuid, ProverTaskFailureType::ServerError, 5).await.unwrap();
        assert!(tasks::record_verified_proof(db.db(), c1.prover_task.uuid, b"p", 1).await.is_err());
    }

    async fn timeouts_exhaust_attempts(db: &TestDb) {
        insert_chunks(db, 3).await;
        // Session of 1 attempt: the timeout fails the task.
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 1)).await;
        let expired = tasks::expire_assigned(db.db(), TaskType::Chunk, Duration::ZERO, 1, 100).await.unwrap();
        assert_eq!(expired.len(), 1);
        assert!(expired[0].object_failed);
        assert_eq!(chunk::get_by_hash(db.db(), a.task_id).await.unwrap().unwrap().proving.proving_status, ProvingStatus::Failed);

        // With two provers on a task, it fails only when the last one is gone.
        let b1 = claim(db, &request(TaskType::Chunk, 2, 2, 2)).await;
        let b2 = claim(db, &request(TaskType::Chunk, 3, 2, 2)).await;
        assert_eq!(b1.task_id, b2.task_id);
        let out = tasks::record_failure(db.db(), b1.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 2).await.unwrap();
        assert!(!out.object_failed, "prover 3 still works on it");
        let expired = tasks::expire_assigned(db.db(), TaskType::Chunk, Duration::ZERO, 2, 1).await.unwrap();
        assert_eq!(expired.len(), 1, "limit 1");
        assert!(expired[0].object_failed);

        // fail_exhausted catches tasks whose attempts ran out under a larger session limit.
        let c = claim(db, &request(TaskType::Chunk, 4, 1, 5)).await;
        assert_eq!(c.index, 2);
        tasks::record_failure(db.db(), c.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap();
        assert_eq!(tasks::fail_exhausted(db.db(), TaskType::Chunk, 2).await.unwrap(), 0, "1 attempt < 2");
        assert_eq!(tasks::fail_exhausted(db.db(), TaskType::Chunk, 1).await.unwrap(), 1);
        assert_eq!(tasks::fail_exhausted(db.db(), TaskType::Chunk, 1).await.unwrap(), 0, "already failed");
        assert_eq!(chunk::get_by_index(db.db(), 2).await.unwrap().unwrap().proving.proving_status, ProvingStatus::Failed);
    }

    async fn batched_failures_check_each_request(db: &TestDb) {
        insert_chunks(db, 3).await;
        // Chunk 0 shared by two provers (pps 2, 2 attempts), chunks 1 and 2 one prover each.
        let a0 = claim(db, &request(TaskType::Chunk, 1, 2, 2)).await;
        let b0 = claim(db, &request(TaskType::Chunk, 2, 2, 2)).await;
        assert_eq!((a0.task_id, b0.task_id), (h(10, 0), h(10, 0)));
        let c1 = claim(db, &request(TaskType::Chunk, 3, 1, 2)).await;
        let d2 = claim(db, &request(TaskType::Chunk, 4, 1, 2)).await;
        tasks::record_failure(db.db(), d2.prover_task.uuid, ProverTaskFailureType::ServerError, 2).await.unwrap();
        let own = |a: &tasks::Assignment, p: usize, failure| FailureRequest {
            uuid: a.prover_task.uuid,
            failure,
            prover_public_key: Some(common::prover(p).public_key),
            task: Some((TaskType::Chunk, a.task_id)),
        };
        let reqs = vec![
            own(&a0, 1, ProverTaskFailureType::SubmitStatusNotOk),
            own(&c1, 1, ProverTaskFailureType::SubmitStatusNotOk), // prover 1 names prover 3's
            FailureRequest { task: Some((TaskType::Chunk, h(10, 2))), ..own(&c1, 3, ProverTaskFailureType::SubmitStatusNotOk) },
            own(&d2, 4, ProverTaskFailureType::SubmitStatusNotOk), // failed already
            FailureRequest::of(rollproof_db::Uuid::new_v4(), ProverTaskFailureType::SubmitStatusNotOk),
            own(&b0, 2, ProverTaskFailureType::VerificationFailed),
        ];
        let out = tasks::record_failures(db.db(), &reqs, 2).await.unwrap();
        assert_eq!(out[1], Err(FailureRefused::UnknownAssignment));
        assert_eq!(out[2], Err(FailureRefused::OtherTask));
        assert_eq!(out[3], Err(FailureRefused::NotAssigned { status: ProverTaskStatus::ProofInvalid, failure_type: ProverTaskFailureType::ServerError }));
        assert_eq!(out[4], Err(FailureRefused::UnknownAssignment));
        // Both provers of chunk 0 failed in the batch: two attempts released, the task failed.
        assert_eq!((out[0].clone().unwrap().object_failed, out[5].clone().unwrap().object_failed), (true, true));
        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.total_attempts, c.proving.active_attempts), (ProvingStatus::Failed, 2, 0));
        for (a, failure) in [(&a0, ProverTaskFailureType::SubmitStatusNotOk), (&b0, ProverTaskFailureType::VerificationFailed)] {
            let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
            assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, failure));
        }
        // The refused requests changed nothing: prover 3 still holds chunk 1.
        let pt = prover_task::get_by_uuid(db.db(), c1.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!(pt.proving_status, ProverTaskStatus::Assigned);
        let c = chunk::get_by_index(db.db(), 1).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.active_attempts), (ProvingStatus::Assigned, 1));
        assert!(tasks::record_failures(db.db(), &[], 2).await.unwrap().is_empty());

        // The same uuid twice in one batch: the second is no longer assigned.
        let e2 = claim(db, &request(TaskType::Chunk, 5, 1, 2)).await;
        assert_eq!(e2.task_id, h(10, 2));
        let twice = [own(&e2, 5, ProverTaskFailureType::SubmitStatusNotOk), own(&e2, 5, ProverTaskFailureType::SubmitStatusNotOk)];
        let out = tasks::record_failures(db.db(), &twice, 2).await.unwrap();
        assert_eq!(out[0], Ok(tasks::FailureOutcome { object_failed: true }));
        assert!(matches!(out[1], Err(FailureRefused::NotAssigned { status: ProverTaskStatus::ProofInvalid, .. })), "{:?}", out[1]);
    }

    async fn failure_of_a_vanished_or_failed_task(db: &TestDb) {
        insert_chunks(db, 2).await;
        // The task row is gone: NotFound naming the table, and nothing changed.
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 1)).await;
        tasks::soft_delete(db.db(), TaskType::Chunk, a.task_id).await.unwrap();
        let err = tasks::record_failure(db.db(), a.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 1).await.unwrap_err();
        assert!(matches!(err, rollproof_db::Error::NotFound { what: "chunk", .. }), "{err}");
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::Assigned, ProverTaskFailureType::Undefined));

        // A task a tool marked failed while a prover held it: the failure releases the attempt
        // and reports that it did not fail the task (it was failed already).
        let b = claim(db, &request(TaskType::Chunk, 2, 1, 1)).await;
        tasks::set_proving_status(db.db(), TaskType::Chunk, b.task_id, ProvingStatus::Failed).await.unwrap();
        let out = tasks::record_failure(db.db(), b.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 1).await.unwrap();
        assert!(!out.object_failed);
        let c = chunk::get_by_hash(db.db(), b.task_id).await.unwrap().unwrap();
        assert_eq!((c.proving.proving_status, c.proving.active_attempts), (ProvingStatus::Failed, 0));
        let pt = prover_task::get_by_uuid(db.db(), b.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!((pt.proving_status, pt.failure_type), (ProverTaskStatus::ProofInvalid, ProverTaskFailureType::SubmitStatusNotOk));
        // An unknown uuid.
        let err = tasks::record_failure(db.db(), rollproof_db::Uuid::new_v4(), ProverTaskFailureType::SubmitStatusNotOk, 1).await.unwrap_err();
        assert!(matches!(err, rollproof_db::Error::NotFound { what: "prover_task", .. }), "{err}");
    }

    async fn failures_of_batches_and_bundles(db: &TestDb) {
        insert_chunks(db, 2).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(0, 0)).await.unwrap();
        common::prove_chunks(db.db(), [0, 1]).await;
        let b = claim(db, &request(TaskType::Batch, 1, 1, 1)).await;
        let out = tasks::record_failure(db.db(), b.prover_task.uuid, ProverTaskFailureType::VerificationFailed, 1).await.unwrap();
        assert!(out.object_failed, "one attempt, used up");
        let row = batch::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((row.proving.proving_status, row.proving.active_attempts), (ProvingStatus::Failed, 0));
        // The bundle is not ready (its batch failed): requeue and prove the batch first.
        tasks::requeue(db.db(), TaskType::Batch, b.task_id).await.unwrap();
        let b = claim(db, &request(TaskType::Batch, 2, 1, 2)).await;
        tasks::record_verified_proof(db.db(), b.prover_task.uuid, b"batch-proof", 1).await.unwrap();
        let u = claim(db, &request(TaskType::Bundle, 3, 1, 2)).await;
        let out = tasks::record_failure(db.db(), u.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 2).await.unwrap();
        assert!(!out.object_failed, "one of two attempts");
        let row = bundle::get_by_hash(db.db(), u.task_id).await.unwrap().unwrap();
        assert_eq!(
            (row.proving.proving_status, row.proving.total_attempts, row.proving.active_attempts),
            (ProvingStatus::Assigned, 1, 0)
        );
    }

    async fn readiness_recheck_catches_up(db: &TestDb) {
        insert_chunks(db, 4).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        batch::insert(db.db(), &common::batch(1, 2, 3)).await.unwrap();
        // Statuses changed behind the life cycle's back (e.g. by a tool).
        for i in 0..3 {
            tasks::set_proving_status(db.db(), TaskType::Chunk, h(10, i), ProvingStatus::Verified).await.unwrap();
        }
        assert_eq!(tasks::refresh_readiness(db.db()).await.unwrap(), (1, 0));
        assert_eq!(batch::get_by_index(db.db(), 0).await.unwrap().unwrap().chunk_proofs_status, ProofsReadyStatus::Ready);
        assert_eq!(batch::get_by_index(db.db(), 1).await.unwrap().unwrap().chunk_proofs_status, ProofsReadyStatus::Pending);
        assert_eq!(tasks::refresh_readiness(db.db()).await.unwrap(), (0, 0), "idempotent");
        tasks::set_proving_status(db.db(), TaskType::Chunk, h(10, 3), ProvingStatus::Verified).await.unwrap();
        assert_eq!(tasks::refresh_readiness(db.db()).await.unwrap(), (1, 0));
    }
}

async fn insert_more(db: &TestDb, index: u64) {
    chunk::insert(db.db(), &common::chunk(index)).await.unwrap();
}

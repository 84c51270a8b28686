//! Claiming tasks: session limits, readiness, exclusions, and concurrent claimers.

use std::collections::{BTreeMap, BTreeSet};

use rollproof_db::{batch, bundle, chunk, prover_task, stats, tasks, testing::TestDb};
use rollproof_primitives::{
    ForkActivation, ForkName, ForkSchedule, ProverTaskFailureType, ProverTaskStatus, ProvingStatus,
    TaskType,
};

use crate::common::{self, backend_tests, claim, h, insert_chunks, prover, request};

backend_tests! {
    async fn claim_respects_session_limits(db: &TestDb) {
        insert_chunks(db, 2).await;
        // provers_per_session 2, session_attempts 3.
        let a1 = claim(db, &request(TaskType::Chunk, 1, 2, 3)).await;
        assert_eq!((a1.index, a1.total_attempts, a1.active_attempts), (0, 1, 1));
        assert_eq!(a1.prover_task.proving_status, ProverTaskStatus::Assigned);
        assert_eq!(a1.prover_task.prover_public_key, prover(1).public_key);
        // An already-assigned task with room comes before an unassigned one.
        let a2 = claim(db, &request(TaskType::Chunk, 2, 2, 3)).await;
        assert_eq!((a2.index, a2.total_attempts, a2.active_attempts), (0, 2, 2));
        // Chunk 0 is full (2 active): the next prover gets chunk 1.
        let a3 = claim(db, &request(TaskType::Chunk, 3, 2, 3)).await;
        assert_eq!((a3.index, a3.total_attempts), (1, 1));

        // A failure frees a slot on chunk 0; its third and last attempt goes to prover 4.
        tasks::record_failure(db.db(), a1.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 3).await.unwrap();
        let a4 = claim(db, &request(TaskType::Chunk, 4, 2, 3)).await;
        assert_eq!((a4.index, a4.total_attempts, a4.active_attempts), (0, 3, 2));
        tasks::record_failure(db.db(), a2.prover_task.uuid, ProverTaskFailureType::VerificationFailed, 3).await.unwrap();
        // Chunk 0 has a free slot but no attempt left; chunk 1 takes prover 5.
        let a5 = claim(db, &request(TaskType::Chunk, 5, 2, 3)).await;
        assert_eq!((a5.index, a5.total_attempts), (1, 2));
        let c0 = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!((c0.proving.total_attempts, c0.proving.active_attempts), (3, 1));
        assert_eq!(c0.proving.proving_status, ProvingStatus::Assigned);
        assert!(c0.proving.prover_assigned_at.is_some());

        // With one prover per session nothing is left for prover 6.
        assert!(tasks::claim(db.db(), &request(TaskType::Chunk, 6, 1, 3)).await.unwrap().is_none());
        // Nor for a prover that already holds chunk 1 (one slot per prover and task).
        assert!(tasks::claim(db.db(), &request(TaskType::Chunk, 3, 3, 3)).await.unwrap().is_none());
    }

    async fn claim_respects_readiness(db: &TestDb) {
        insert_chunks(db, 4).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        batch::insert(db.db(), &common::batch(1, 2, 3)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(0, 1)).await.unwrap();

        assert!(tasks::claim(db.db(), &request(TaskType::Batch, 1, 1, 5)).await.unwrap().is_none());
        common::prove_chunks(db.db(), [0]).await;
        assert!(tasks::claim(db.db(), &request(TaskType::Batch, 1, 1, 5)).await.unwrap().is_none(),
            "batch 0 still misses chunk 1's proof");
        common::prove_chunks(db.db(), [1]).await;
        let b = claim(db, &request(TaskType::Batch, 1, 1, 5)).await;
        assert_eq!(b.task_id, h(20, 0));
        assert!(tasks::claim(db.db(), &request(TaskType::Batch, 2, 1, 5)).await.unwrap().is_none(),
            "batch 1 is not ready");

        assert!(tasks::claim(db.db(), &request(TaskType::Bundle, 3, 1, 5)).await.unwrap().is_none());
        tasks::record_verified_proof(db.db(), b.prover_task.uuid, b"batch-proof", 9).await.unwrap();
        common::prove_chunks(db.db(), [2, 3]).await;
        assert!(tasks::claim(db.db(), &request(TaskType::Bundle, 3, 1, 5)).await.unwrap().is_none(),
            "batch 1 is ready but not proved");
        let b1 = claim(db, &request(TaskType::Batch, 2, 1, 5)).await;
        assert_eq!(b1.task_id, h(20, 1));
        tasks::record_verified_proof(db.db(), b1.prover_task.uuid, b"batch-proof", 9).await.unwrap();
        let u = claim(db, &request(TaskType::Bundle, 3, 1, 5)).await;
        assert_eq!(u.task_id, common::bundle(0, 1).hash);
        assert_eq!(u.index, 1);
    }

    async fn claim_excludes_failures_ids_and_height(db: &TestDb) {
        insert_chunks(db, 4).await; // chunk i ends at block 10 i + 10
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        assert_eq!(a.index, 0);
        tasks::record_failure(db.db(), a.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap();
        assert_eq!(
            prover_task::recent_failures(db.db(), &prover(1).public_key, TaskType::Chunk, 2).await.unwrap(),
            vec![h(10, 0)]
        );

        // Prover 1 failed chunk 0: with the exclusion it gets chunk 1, without it chunk 0.
        let mut req = request(TaskType::Chunk, 1, 1, 5);
        req.exclude_recent_failures = 2;
        let again = claim(db, &req).await;
        assert_eq!(again.index, 1);
        tasks::record_failure(db.db(), again.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap();
        req.exclude_recent_failures = 1; // only chunk 1 is excluded now
        let third = claim(db, &req).await;
        assert_eq!(third.index, 0);
        tasks::record_failure(db.db(), third.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap();

        // Explicit exclusions and the prover's height.
        let mut req = request(TaskType::Chunk, 2, 1, 5);
        req.exclude_task_ids = vec![h(10, 0), h(10, 1)];
        assert_eq!(claim(db, &req).await.index, 2);
        let mut req = request(TaskType::Chunk, 3, 1, 5);
        req.max_end_block_number = Some(19); // chunk 0 ends at 10, chunk 1 at 20
        assert_eq!(claim(db, &req).await.index, 0);
        let mut req = request(TaskType::Chunk, 4, 1, 5);
        req.max_end_block_number = Some(19);
        assert!(tasks::claim(db.db(), &req).await.unwrap().is_none());
        req.max_end_block_number = Some(20);
        assert_eq!(claim(db, &req).await.index, 1);

        // One task by id: only that one, and only while it is claimable.
        let mut req = request(TaskType::Chunk, 5, 1, 5);
        req.only_task_id = Some(h(10, 3));
        assert_eq!(claim(db, &req).await.index, 3);
        let mut req = request(TaskType::Chunk, 6, 1, 5);
        req.only_task_id = Some(h(10, 3)); // taken, one prover per session
        assert!(tasks::claim(db.db(), &req).await.unwrap().is_none());
        req.only_task_id = Some(h(10, 99)); // no such task
        assert!(tasks::claim(db.db(), &req).await.unwrap().is_none());
    }

    async fn outstanding_task_is_found_again(db: &TestDb) {
        insert_chunks(db, 2).await;
        assert!(prover_task::find_assigned(db.db(), &prover(1).public_key, &[]).await.unwrap().is_none());
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        let found = prover_task::find_assigned(db.db(), &prover(1).public_key, &[TaskType::Chunk]).await.unwrap();
        assert_eq!(found.as_ref(), Some(&a.prover_task));
        assert!(prover_task::find_assigned(db.db(), &prover(1).public_key, &[TaskType::Batch]).await.unwrap().is_none());
        assert!(prover_task::set_metadata(db.db(), a.prover_task.uuid, b"meta").await.unwrap());
        let pt = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!(pt.metadata.as_deref(), Some(&b"meta"[..]));
        tasks::record_verified_proof(db.db(), a.prover_task.uuid, b"p", 1).await.unwrap();
        assert!(prover_task::find_assigned(db.db(), &prover(1).public_key, &[]).await.unwrap().is_none());
        assert_eq!(prover_task::list_by_task(db.db(), TaskType::Chunk, h(10, 0)).await.unwrap().len(), 1);
    }

    async fn outstanding_reports_block_and_held_task_at_once(db: &TestDb) {
        insert_chunks(db, 2).await;
        let key = prover(1).public_key;
        let none = prover_task::outstanding(db.db(), &key, &[TaskType::Chunk]).await.unwrap();
        assert_eq!(none, prover_task::Outstanding { blocked: false, assigned: None });
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        assert_eq!(
            prover_task::outstanding(db.db(), &key, &[TaskType::Chunk]).await.unwrap().assigned,
            Some(a.prover_task.clone())
        );
        assert_eq!(prover_task::outstanding(db.db(), &key, &[TaskType::Batch]).await.unwrap().assigned, None);
        // Newest first, as find_assigned; all types when none is given.
        let b = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        let found = prover_task::outstanding(db.db(), &key, &[]).await.unwrap();
        assert_eq!(found.assigned.as_ref(), Some(&b.prover_task));
        assert_eq!(found.assigned, prover_task::find_assigned(db.db(), &key, &[]).await.unwrap());
        assert!(rollproof_db::block_list::add(db.db(), &key, "bad").await.unwrap());
        let blocked = prover_task::outstanding(db.db(), &key, &[TaskType::Chunk]).await.unwrap();
        assert!(blocked.blocked);
        assert_eq!(blocked.assigned.as_ref(), Some(&b.prover_task));
        assert!(!prover_task::outstanding(db.db(), &prover(2).public_key, &[]).await.unwrap().blocked);
        // Batched: each request answered as alone, in order.
        let reqs = vec![
            (prover(2).public_key, vec![]),
            (key.clone(), vec![TaskType::Batch]),
            (key.clone(), vec![TaskType::Chunk, TaskType::Batch]),
        ];
        let many = prover_task::outstanding_many(db.db(), &reqs).await.unwrap();
        for ((k, types), found) in reqs.iter().zip(&many) {
            assert_eq!(*found, prover_task::outstanding(db.db(), k, types).await.unwrap());
        }
        assert_eq!((many[1].blocked, many[1].assigned.is_none()), (true, true));
        assert_eq!(many[2].assigned.as_ref(), Some(&b.prover_task));
        assert!(prover_task::outstanding_many(db.db(), &[]).await.unwrap().is_empty());
        assert!(rollproof_db::block_list::remove(db.db(), &key).await.unwrap());
        assert!(!prover_task::outstanding(db.db(), &key, &[]).await.unwrap().blocked);
    }

    async fn metadata_stored_in_one_statement(db: &TestDb) {
        insert_chunks(db, 2).await;
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        let b = claim(db, &request(TaskType::Chunk, 2, 1, 5)).await;
        let unknown = rollproof_db::Uuid::new_v4();
        let items = vec![(a.prover_task.uuid, b"meta-a".to_vec()), (unknown, b"x".to_vec()), (b.prover_task.uuid, b"meta-b".to_vec())];
        assert_eq!(prover_task::set_metadata_many(db.db(), &items).await.unwrap(), vec![true, false, true]);
        for (uuid, meta) in [(a.prover_task.uuid, &b"meta-a"[..]), (b.prover_task.uuid, &b"meta-b"[..])] {
            let pt = prover_task::get_by_uuid(db.db(), uuid).await.unwrap().unwrap();
            assert_eq!(pt.metadata.as_deref(), Some(meta));
        }
        assert!(!prover_task::set_metadata(db.db(), unknown, b"y").await.unwrap());
        assert!(prover_task::set_metadata_many(db.db(), &[]).await.unwrap().is_empty());
    }

    async fn claim_returns_the_stored_assignment(db: &TestDb) {
        insert_chunks(db, 1).await;
        let a = claim(db, &request(TaskType::Chunk, 7, 1, 5)).await;
        let stored = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
        assert_eq!(stored, a.prover_task);
        assert_eq!(
            (stored.task_id, stored.task_type, stored.prover_name.as_str(), stored.failure_type),
            (common::h(10, 0), TaskType::Chunk, "prover-7", ProverTaskFailureType::Undefined)
        );
        assert_eq!(stored.assigned_at, chunk::get_by_index(db.db(), 0).await.unwrap().unwrap().proving.prover_assigned_at.unwrap());
    }

    async fn concurrent_claimers_never_share_a_slot(db: &TestDb) {
        const TASKS: u64 = 50;
        const CLAIMERS: usize = 20;
        let mut provers_with_tasks = BTreeSet::new();
        for per_session in [1u8, 2] {
            // Fresh tasks for each round: soft-delete the previous round's.
            for i in 0..TASKS {
                tasks::soft_delete(db.db(), TaskType::Chunk, common::h(10, i)).await.unwrap();
            }
            insert_chunks(db, TASKS).await;
            let mut handles = Vec::new();
            for c in 0..CLAIMERS {
                let db = db.db().clone();
                handles.push(tokio::spawn(async move {
                    let prover = 100 * usize::from(per_session) + c;
                    let mut got = Vec::new();
                    // Each claimer is its own prover; it keeps claiming until nothing is left.
                    while let Some(a) = tasks::claim(&db, &request(TaskType::Chunk, prover, per_session, 5)).await.unwrap() {
                        got.push((a.task_id, a.prover_task.prover_public_key.clone()));
                    }
                    got
                }));
            }
            let mut per_task: BTreeMap<_, BTreeSet<String>> = BTreeMap::new();
            let mut total = 0;
            for h in handles {
                for (task, prover) in h.await.unwrap() {
                    total += 1;
                    provers_with_tasks.insert(prover.clone());
                    assert!(per_task.entry(task).or_default().insert(prover), "a prover got one task twice");
                }
            }
            assert_eq!(per_task.len() as u64, TASKS, "every task was handed out (per_session {per_session})");
            assert_eq!(total, TASKS as usize * usize::from(per_session), "no slot handed out twice");
            assert!(per_task.values().all(|p| p.len() == usize::from(per_session)));
            for i in 0..TASKS {
                let c = chunk::get_by_index(db.db(), i).await.unwrap().unwrap();
                assert_eq!(c.proving.proving_status, ProvingStatus::Assigned);
                assert_eq!(c.proving.total_attempts, u16::from(per_session));
                assert_eq!(c.proving.active_attempts, u16::from(per_session));
            }
        }
        assert_eq!(stats::active_provers(db.db()).await.unwrap(), provers_with_tasks.len() as u64);
    }

    async fn batched_claims_follow_the_single_claim_rules(db: &TestDb) {
        insert_chunks(db, 5).await;
        // Prover 1 failed chunk 0; prover 2 holds it now (two provers per session).
        let failed = claim(db, &request(TaskType::Chunk, 1, 2, 5)).await;
        tasks::record_failure(db.db(), failed.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 5).await.unwrap();
        assert_eq!(claim(db, &request(TaskType::Chunk, 2, 2, 5)).await.index, 0);

        let mut reqs: Vec<_> = (1..=6).map(|p| request(TaskType::Chunk, p, 2, 5)).collect();
        reqs[2].exclude_task_ids = vec![h(10, 1)];
        for r in &mut reqs {
            r.exclude_recent_failures = 2;
        }
        let meta = |hash| (hash == h(10, 3)).then(|| b"built".to_vec());
        let got = tasks::claim_many(db.db(), &reqs, meta).await.unwrap();
        let indexes: Vec<Option<u64>> = got.iter().map(|a| a.as_ref().map(|a| a.index)).collect();
        // Chunk 0 (assigned, with room) comes first, but not to prover 1 (its failure) nor
        // prover 2 (holds it): prover 3 takes it; the others get the unassigned ones in order.
        assert_eq!(indexes, [Some(1), Some(2), Some(0), Some(3), Some(4), None]);
        for (req, a) in reqs.iter().zip(&got).take(5) {
            let a = a.as_ref().unwrap();
            assert_eq!(a.prover_task.prover_public_key, req.prover.public_key);
            let stored = prover_task::get_by_uuid(db.db(), a.prover_task.uuid).await.unwrap().unwrap();
            assert_eq!(&stored, &a.prover_task);
            let expected_meta = (a.index == 3).then(|| b"built".to_vec());
            assert_eq!(stored.metadata, expected_meta, "chunk {}", a.index);
        }
        let counters = |i| async move {
            let c = chunk::get_by_index(db.db(), i).await.unwrap().unwrap().proving;
            (c.proving_status, c.total_attempts, c.active_attempts)
        };
        assert_eq!(counters(0).await, (ProvingStatus::Assigned, 3, 2));
        for i in 1..5 {
            assert_eq!(counters(i).await, (ProvingStatus::Assigned, 1, 1));
        }

        // Requests for different pools are refused, and claim nothing.
        chunk::insert(db.db(), &common::chunk(5)).await.unwrap();
        let mixed = [request(TaskType::Chunk, 7, 1, 5), request(TaskType::Chunk, 8, 1, 4)];
        assert!(tasks::claim_many(db.db(), &mixed, |_| None).await.is_err());
        assert_eq!(counters(5).await, (ProvingStatus::Unassigned, 0, 0));
        assert!(tasks::claim_many(db.db(), &[], |_| None).await.unwrap().is_empty());
    }

    async fn concurrent_batches_never_share_a_slot(db: &TestDb) {
        const TASKS: u64 = 60;
        for per_session in [1u8, 2] {
            for i in 0..TASKS {
                tasks::soft_delete(db.db(), TaskType::Chunk, common::h(10, i)).await.unwrap();
            }
            insert_chunks(db, TASKS).await;
            let mut handles = Vec::new();
            for c in 0..4usize {
                let db = db.db().clone();
                handles.push(tokio::spawn(async move {
                    // Each claimer batches five provers of its own until nothing is left.
                    let reqs: Vec<_> = (0..5)
                        .map(|p| request(TaskType::Chunk, 1000 * usize::from(per_session) + 10 * c + p, per_session, 5))
                        .collect();
                    let mut got = Vec::new();
                    loop {
                        let batch = tasks::claim_many(&db, &reqs, |_| None).await.unwrap();
                        if batch.iter().all(Option::is_none) {
                            return got;
                        }
                        got.extend(batch.into_iter().flatten().map(|a| (a.task_id, a.prover_task.prover_public_key)));
                    }
                }));
            }
            let mut per_task: BTreeMap<_, BTreeSet<String>> = BTreeMap::new();
            for handle in handles {
                for (task, prover) in handle.await.unwrap() {
                    assert!(per_task.entry(task).or_default().insert(prover), "a prover got one task twice");
                }
            }
            assert_eq!(per_task.len() as u64, TASKS);
            assert!(per_task.values().all(|p| p.len() == usize::from(per_session)), "per_session {per_session}");
            for i in 0..TASKS {
                let c = chunk::get_by_index(db.db(), i).await.unwrap().unwrap();
                assert_eq!(c.proving.total_attempts, u16::from(per_session));
                assert_eq!(c.proving.active_attempts, u16::from(per_session));
            }
        }
    }

    async fn claims_follow_the_fork_schedule(db: &TestDb) {
        // Chunk i starts at block 10i+1, time 1_700_000_000 + 10i+1.
        insert_chunks(db, 4).await;
        let by_block = ForkSchedule::new(1, [
            (ForkName::Galileo, ForkActivation::at_block(0)),
            (ForkName::GalileoV2, ForkActivation::at_block(21)),
        ]).unwrap();
        // GalileoV2 by timestamp from chunk 3 on (no block activation).
        let by_time = ForkSchedule::new(1, [
            (ForkName::Galileo, ForkActivation::at_block(0)),
            (ForkName::GalileoV2, ForkActivation::at_time(1_700_000_031)),
        ]).unwrap();
        // Galileo from block 11 on: chunk 0 has no fork and is never handed out.
        let late = ForkSchedule::new(1, [(ForkName::Galileo, ForkActivation::at_block(11))]).unwrap();
        let cases: [(&ForkSchedule, &[ForkName], &[u64]); 8] = [
            (&by_block, &[ForkName::Galileo], &[0, 1]),
            (&by_block, &[ForkName::GalileoV2], &[2, 3]),
            (&by_block, &[ForkName::GalileoV2, ForkName::Galileo], &[0, 1, 2, 3]),
            (&by_block, &[], &[]),
            (&by_time, &[ForkName::Galileo], &[0, 1, 2]),
            (&by_time, &[ForkName::GalileoV2], &[3]),
            (&late, &[ForkName::Galileo], &[1, 2, 3]),
            (&late, &[ForkName::GalileoV2], &[]),
        ];
        for (case, (schedule, forks, expected)) in cases.into_iter().enumerate() {
            // The SQL filter agrees with ForkSchedule::fork_at on every chunk.
            for i in 0..4 {
                let c = common::chunk(i);
                let fork = schedule.fork_at(c.start_block_number, c.start_block_time).ok();
                assert_eq!(
                    fork.is_some_and(|f| forks.contains(&f)),
                    expected.contains(&i),
                    "case {case}, chunk {i}"
                );
            }
            let mut got = Vec::new();
            for p in 0..10 {
                let req = tasks::ClaimRequest {
                    forks: Some(tasks::ForkFilter { schedule: schedule.clone(), forks: forks.to_vec() }),
                    ..request(TaskType::Chunk, 100 * case + p, 1, 5)
                };
                let Some(a) = tasks::claim(db.db(), &req).await.unwrap() else { break };
                got.push(a);
            }
            assert_eq!(got.iter().map(|a| a.index).collect::<Vec<_>>(), *expected, "case {case}");
            // Put them back so the next case starts from the same four chunks.
            for a in got {
                tasks::requeue(db.db(), TaskType::Chunk, a.task_id).await.unwrap();
            }
        }
    }

    async fn batch_and_bundle_claims_follow_their_first_chunks_fork(db: &TestDb) {
        // Chunk i starts at block 10i+1; GalileoV2 from block 21 (chunk 2) on. Batch 0 holds
        // chunks 0-1 (galileo), batch 1 chunks 2-3 (galileoV2); bundle 0 is batch 0, bundle 1
        // batch 1.
        insert_chunks(db, 4).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        batch::insert(db.db(), &common::batch(1, 2, 3)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(0, 0)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(1, 1)).await.unwrap();
        common::prove_chunks(db.db(), [0, 1, 2, 3]).await;
        let schedule = ForkSchedule::new(1, [
            (ForkName::Galileo, ForkActivation::at_block(0)),
            (ForkName::GalileoV2, ForkActivation::at_block(21)),
        ]).unwrap();
        let for_forks = |task_type, p, forks: &[ForkName]| tasks::ClaimRequest {
            forks: Some(tasks::ForkFilter { schedule: schedule.clone(), forks: forks.to_vec() }),
            ..request(task_type, p, 1, 5)
        };
        // A galileoV2 prover skips batch 0 for batch 1; a galileo prover then finds nothing.
        let b = claim(db, &for_forks(TaskType::Batch, 1, &[ForkName::GalileoV2])).await;
        assert_eq!(b.task_id, h(20, 1));
        assert!(tasks::claim(db.db(), &for_forks(TaskType::Batch, 2, &[ForkName::GalileoV2])).await.unwrap().is_none());
        let a = claim(db, &for_forks(TaskType::Batch, 3, &[ForkName::Galileo])).await;
        assert_eq!(a.task_id, h(20, 0));

        for task in [a, b] {
            tasks::record_verified_proof(db.db(), task.prover_task.uuid, b"proof", 1).await.unwrap();
        }
        let v2 = claim(db, &for_forks(TaskType::Bundle, 4, &[ForkName::GalileoV2])).await;
        assert_eq!(v2.task_id, common::bundle(1, 1).hash);
        assert!(tasks::claim(db.db(), &for_forks(TaskType::Bundle, 5, &[])).await.unwrap().is_none());
        let v1 = claim(db, &for_forks(TaskType::Bundle, 5, &[ForkName::Galileo, ForkName::GalileoV2])).await;
        assert_eq!(v1.task_id, common::bundle(0, 0).hash);
    }
}

/// PostgreSQL claims both passes in one statement: the unassigned pass must not run (nor lock
/// a row) when the assigned pass found one. A claim inside an open transaction takes the
/// assigned task with room; a concurrent claimer must then still get the lowest unassigned
/// task, which it would skip if the first claim had locked it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_claim_locks_only_the_row_it_takes() {
    let db = TestDb::postgres().await;
    insert_chunks(&db, 3).await;
    let first = claim(&db, &request(TaskType::Chunk, 1, 2, 5)).await;
    assert_eq!(first.index, 0);
    let mut tx = db.begin().await.unwrap();
    let second = tasks::claim(&mut tx, &request(TaskType::Chunk, 2, 2, 5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (second.index, second.active_attempts),
        (0, 2),
        "the assigned task with room"
    );
    let third = claim(&db, &request(TaskType::Chunk, 3, 2, 5)).await;
    assert_eq!(third.index, 1, "chunk 1 was not locked by the open claim");
    tx.commit().await.unwrap();
    let c0 = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
    assert_eq!(
        (c0.proving.total_attempts, c0.proving.active_attempts),
        (2, 2)
    );
}

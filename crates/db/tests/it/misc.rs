//! Challenges, the block list, status counts, connecting.

use std::time::Duration;

use rollproof_db::{
    block_list, challenge,
    stats::{self, TaskStatusCount},
    tasks,
    testing::TestDb,
    Db, Error,
};
use rollproof_primitives::{ProverTaskFailureType, ProverTaskStatus, ProvingStatus, TaskType};

use crate::common::{backend_tests, claim, insert_chunks, request};

backend_tests! {
    async fn analyze_refreshes_our_tables(db: &TestDb) {
        insert_chunks(db, 3).await;
        claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        stats::analyze(db.db()).await.unwrap();
        // Still usable afterwards (plans made on the new statistics).
        assert_eq!(stats::count_tasks(db.db(), TaskType::Chunk, ProvingStatus::Unassigned).await.unwrap(), 2);
    }

    async fn challenge_replay_is_refused_and_old_ones_are_cleaned(db: &TestDb) {
        challenge::insert(db.db(), "token-1").await.unwrap();
        let err = challenge::insert(db.db(), "token-1").await.unwrap_err();
        assert!(matches!(&err, Error::Duplicate { what } if what == "challenge"), "{err}");
        // Refusing a replay inside a transaction does not spoil it.
        let mut tx = db.begin().await.unwrap();
        assert!(challenge::insert(&mut tx, "token-1").await.unwrap_err().is_duplicate());
        challenge::insert(&mut tx, "token-2").await.unwrap();
        tx.commit().await.unwrap();
        assert!(challenge::exists(db.db(), "token-2").await.unwrap());

        assert_eq!(challenge::delete_older_than(db.db(), Duration::from_secs(3600)).await.unwrap(), 0);
        assert_eq!(challenge::delete_older_than(db.db(), Duration::ZERO).await.unwrap(), 2);
        assert!(!challenge::exists(db.db(), "token-1").await.unwrap());
    }

    async fn block_list_add_remove_check(db: &TestDb) {
        assert!(!block_list::is_blocked(db.db(), "02bb").await.unwrap());
        assert!(block_list::add(db.db(), "02bb", "bad prover").await.unwrap());
        assert!(block_list::add(db.db(), "02cc", "other").await.unwrap());
        assert!(block_list::is_blocked(db.db(), "02bb").await.unwrap());
        let listed = block_list::list(db.db()).await.unwrap();
        assert_eq!(listed.iter().map(|b| b.public_key.as_str()).collect::<Vec<_>>(), ["02bb", "02cc"]);
        assert_eq!(listed[0].prover_name, "bad prover");
        assert!(block_list::remove(db.db(), "02bb").await.unwrap());
        assert!(!block_list::remove(db.db(), "02bb").await.unwrap());
        assert!(!block_list::is_blocked(db.db(), "02bb").await.unwrap());
        assert!(block_list::is_blocked(db.db(), "02cc").await.unwrap());
    }

    async fn status_counts(db: &TestDb) {
        insert_chunks(db, 5).await;
        let a = claim(db, &request(TaskType::Chunk, 1, 1, 5)).await;
        let b = claim(db, &request(TaskType::Chunk, 2, 1, 5)).await;
        claim(db, &request(TaskType::Chunk, 3, 1, 5)).await;
        tasks::record_verified_proof(db.db(), a.prover_task.uuid, b"p", 1).await.unwrap();
        tasks::record_failure(db.db(), b.prover_task.uuid, ProverTaskFailureType::SubmitStatusNotOk, 1).await.unwrap();

        let counts = stats::task_status_counts(db.db()).await.unwrap();
        let chunk = |status| TaskStatusCount { task_type: TaskType::Chunk, status, count: 0 };
        let expect = [
            (ProvingStatus::Unassigned, 2),
            (ProvingStatus::Assigned, 1),
            (ProvingStatus::Verified, 1),
            (ProvingStatus::Failed, 1),
        ].map(|(s, n)| TaskStatusCount { count: n, ..chunk(s) });
        assert_eq!(counts, expect);
        assert_eq!(stats::count_tasks(db.db(), TaskType::Chunk, ProvingStatus::Unassigned).await.unwrap(), 2);
        assert_eq!(stats::oldest_unassigned(db.db(), TaskType::Chunk).await.unwrap(), Some(3));
        assert_eq!(stats::oldest_unassigned(db.db(), TaskType::Batch).await.unwrap(), None);
        assert_eq!(stats::active_provers(db.db()).await.unwrap(), 1);

        let pt = stats::prover_task_status_counts(db.db()).await.unwrap();
        let pt: Vec<_> = pt.iter().map(|c| (c.task_type, c.status, c.count)).collect();
        assert_eq!(pt, vec![
            (TaskType::Chunk, ProverTaskStatus::Assigned, 1),
            (TaskType::Chunk, ProverTaskStatus::ProofValid, 1),
            (TaskType::Chunk, ProverTaskStatus::ProofInvalid, 1),
        ]);
        // Failures by type: the one prover-reported failure; then a timeout on the third task.
        let failures = |counts: Vec<stats::ProverTaskFailureCount>| -> Vec<_> {
            counts.iter().map(|c| (c.task_type, c.failure_type, c.count)).collect()
        };
        assert_eq!(
            failures(stats::prover_task_failure_counts(db.db()).await.unwrap()),
            vec![(TaskType::Chunk, ProverTaskFailureType::SubmitStatusNotOk, 1)]
        );
        let expired = tasks::expire_assigned(db.db(), TaskType::Chunk, std::time::Duration::ZERO, 5, 10).await.unwrap();
        assert_eq!(expired.len(), 1);
        assert_eq!(
            failures(stats::prover_task_failure_counts(db.db()).await.unwrap()),
            vec![
                (TaskType::Chunk, ProverTaskFailureType::Timeout, 1),
                (TaskType::Chunk, ProverTaskFailureType::SubmitStatusNotOk, 1),
            ]
        );

        let listed = tasks::list(db.db(), &tasks::TaskFilter {
            task_type: Some(TaskType::Chunk),
            proving_status: Some(ProvingStatus::Unassigned),
            limit: 0,
        }).await.unwrap();
        assert_eq!(listed.iter().map(|t| t.index).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(tasks::list(db.db(), &tasks::TaskFilter::default()).await.unwrap().len(), 5);
    }
}

#[tokio::test]
async fn connect_accepts_sqlite_paths_and_urls_and_refuses_others() {
    let dir = std::env::temp_dir().join(format!(
        "rollproof_connect_{}",
        rollproof_db::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.db");
    for url in [
        path.display().to_string(),
        format!("sqlite://{}", dir.join("b.db").display()),
        "sqlite::memory:".to_owned(),
    ] {
        let db = Db::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        db.migrate().await.unwrap();
        challenge::insert(&db, "c").await.unwrap();
        assert!(challenge::exists(&db, "c").await.unwrap(), "{url}");
        db.close().await;
    }
    // The file keeps the data.
    let db = Db::connect(path.to_str().unwrap()).await.unwrap();
    assert!(challenge::exists(&db, "c").await.unwrap());
    db.close().await;
    let err = Db::connect("mysql://x@localhost/db").await.unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

//! Migrations: they apply, are idempotent, set the reference's defaults, store the enums'
//! exact values, and are the same schema on both backends.

use std::collections::BTreeMap;

use rollproof_db::{batch, bundle, chunk, prover_task, tasks, testing::TestDb, Backend};
use rollproof_primitives::{
    ProofsReadyStatus, ProverTaskFailureType, ProverTaskStatus, ProvingStatus, RollupStatus,
    TaskType,
};

use crate::common::{self, backend_tests, h, insert_chunks, prover, scalar};

const TABLES: [&str; 7] = [
    "l2_block",
    "chunk",
    "batch",
    "bundle",
    "prover_task",
    "challenge",
    "prover_block_list",
];

backend_tests! {
    async fn migrations_apply_and_are_idempotent(db: &TestDb) {
        let versions = db.migration_versions();
        assert!(!versions.is_empty());
        let applied = scalar(db, "SELECT COUNT(*) FROM _sqlx_migrations WHERE success").await;
        assert_eq!(applied, versions.len() as i64);
        for table in TABLES {
            assert_eq!(scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
        }
        // Data survives re-running the migrations, which apply nothing new.
        insert_chunks(db, 1).await;
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(
            scalar(db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
            versions.len() as i64
        );
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM chunk").await, 1);
    }

    async fn defaults_are_the_reference_ones(db: &TestDb) {
        insert_chunks(db, 2).await;
        batch::insert(db.db(), &common::batch(0, 0, 1)).await.unwrap();
        bundle::insert(db.db(), &common::bundle(0, 0)).await.unwrap();

        let c = chunk::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!(c.proving.proving_status, ProvingStatus::Unassigned);
        assert_eq!((c.proving.total_attempts, c.proving.active_attempts), (0, 0));
        assert_eq!(c.proving.proof, None);
        assert_eq!(c.batch_hash, Some(h(20, 0)));

        let b = batch::get_by_index(db.db(), 0).await.unwrap().unwrap();
        assert_eq!(b.chunk_proofs_status, ProofsReadyStatus::Pending);
        assert_eq!(b.proving.proving_status, ProvingStatus::Unassigned);
        assert_eq!(b.rollup.rollup_status, RollupStatus::Pending);

        let u = bundle::latest(db.db()).await.unwrap().unwrap();
        assert_eq!(u.index, 1, "bundle indexes are assigned by the database from 1");
        assert_eq!(u.batch_proofs_status, ProofsReadyStatus::Pending);
        assert_eq!(u.proving.proving_status, ProvingStatus::Unassigned);
        assert_eq!(u.rollup_status, RollupStatus::Pending);

        // The stored integers are the reference's: 1 = unassigned / pending.
        assert_eq!(scalar(db, "SELECT proving_status FROM chunk WHERE \"index\" = 0").await, 1);
        assert_eq!(scalar(db, "SELECT chunk_proofs_status FROM batch").await, 1);
        assert_eq!(scalar(db, "SELECT rollup_status FROM batch").await, 1);
        assert_eq!(scalar(db, "SELECT batch_proofs_status FROM bundle").await, 1);
        assert_eq!(scalar(db, "SELECT rollup_status FROM bundle").await, 1);
    }

    async fn enums_round_trip_with_exact_values(db: &TestDb) {
        insert_chunks(db, 1).await;
        batch::insert(db.db(), &common::batch(0, 0, 0)).await.unwrap();
        let chunk_hash = h(10, 0);
        for &status in ProvingStatus::ALL {
            assert!(tasks::set_proving_status(db.db(), TaskType::Chunk, chunk_hash, status).await.unwrap());
            let c = chunk::get_by_hash(db.db(), chunk_hash).await.unwrap().unwrap();
            assert_eq!(c.proving.proving_status, status);
            assert_eq!(
                scalar(db, "SELECT proving_status FROM chunk").await,
                i64::from(status.as_i16())
            );
        }
        for &status in RollupStatus::ALL {
            assert!(batch::update_rollup_status(db.db(), h(20, 0), status, Some(h(99, 1))).await.unwrap());
            let b = batch::get_by_hash(db.db(), h(20, 0)).await.unwrap().unwrap();
            assert_eq!(b.rollup.rollup_status, status);
            assert_eq!(scalar(db, "SELECT rollup_status FROM batch").await, i64::from(status.as_i16()));
        }
        let b = batch::get_by_hash(db.db(), h(20, 0)).await.unwrap().unwrap();
        assert_eq!(b.rollup.commit_tx_hash, Some(h(99, 1)));
        assert!(b.rollup.committed_at.is_some() && b.rollup.finalized_at.is_some());

        for &task_type in TaskType::ALL {
            for &status in ProverTaskStatus::ALL {
                for &failure in ProverTaskFailureType::ALL {
                    let pt = prover_task::insert(db.db(), &prover_task::NewProverTask {
                        prover: prover(1),
                        task_id: h(40, 1),
                        task_type,
                        proving_status: status,
                        failure_type: failure,
                    }).await.unwrap();
                    let back = prover_task::get_by_uuid(db.db(), pt.uuid).await.unwrap().unwrap();
                    assert_eq!(back, pt);
                    assert_eq!((back.task_type, back.proving_status, back.failure_type), (task_type, status, failure));
                    assert_eq!(back.reward, rollproof_primitives::U256::ZERO);
                    let id = back.id;
                    assert_eq!(
                        scalar(db, &format!("SELECT task_type * 100 + proving_status * 10 + failure_type FROM prover_task WHERE id = {id}")).await,
                        i64::from(task_type.as_i16()) * 100 + i64::from(status.as_i16()) * 10 + i64::from(failure.as_i16())
                    );
                }
            }
        }
    }
}

/// Table -> column -> (type class, nullable, has default); index name -> (table, unique, partial).
#[derive(Debug, PartialEq)]
struct Schema {
    columns: BTreeMap<String, BTreeMap<String, (String, bool, bool)>>,
    indexes: BTreeMap<String, (String, bool, bool)>,
}

/// Whether a column default is a real one (`DEFAULT NULL` is reported as no default by
/// PostgreSQL for some types, as `NULL::type` for others, and as `NULL` by SQLite).
fn is_default(default: Option<&str>) -> bool {
    default.is_some_and(|d| !d.to_ascii_uppercase().starts_with("NULL"))
}

/// A type's class, comparable across the dialects.
fn class(ty: &str) -> String {
    let ty = ty.to_ascii_lowercase();
    let c = if ty.contains("int") || ty.contains("serial") {
        "integer"
    } else if ty.contains("char") || ty == "text" {
        "text"
    } else if ty.contains("bytea") || ty.contains("blob") || ty == "uuid" {
        "bytes"
    } else if ty.contains("timestamp") {
        "timestamp"
    } else if ty.contains("numeric") || ty.contains("decimal") {
        "decimal"
    } else {
        "other"
    };
    c.to_owned()
}

async fn pg_schema(db: &TestDb) -> Schema {
    let pool = db.as_postgres().unwrap();
    let mut columns: BTreeMap<String, BTreeMap<String, (String, bool, bool)>> = BTreeMap::new();
    let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, \
         column_default::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, ty, nullable, default) in rows {
        // The primary keys are NOT NULL implicitly on SQLite too; uuid/reward are typed per
        // dialect (see the migration's header).
        let ty = match (table.as_str(), column.as_str()) {
            ("prover_task", "reward") => "text".to_owned(),
            _ => class(&ty),
        };
        columns.entry(table).or_default().insert(
            column,
            (ty, nullable == "YES", is_default(default.as_deref())),
        );
    }
    let mut indexes = BTreeMap::new();
    let rows: Vec<(String, String, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, t.relname::text, i.indisunique, i.indpred IS NOT NULL \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT i.indisprimary AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, table, unique, partial) in rows {
        indexes.insert(name, (table, unique, partial));
    }
    Schema { columns, indexes }
}

async fn sqlite_schema(db: &TestDb) -> Schema {
    let pool = db.as_sqlite().unwrap();
    let mut columns: BTreeMap<String, BTreeMap<String, (String, bool, bool)>> = BTreeMap::new();
    let mut indexes = BTreeMap::new();
    for table in TABLES {
        let rows: Vec<(String, String, bool, Option<String>, i64)> = sqlx::query_as(&format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        for (column, ty, notnull, default, pk) in rows {
            // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT is PostgreSQL's BIGSERIAL: not null,
            // with a default (the sequence).
            let (nullable, has_default) = if pk > 0 {
                (false, true)
            } else {
                (!notnull, is_default(default.as_deref()))
            };
            columns
                .entry(table.to_owned())
                .or_default()
                .insert(column, (class(&ty), nullable, has_default));
        }
        let rows: Vec<(String, bool, bool, String)> = sqlx::query_as(&format!(
            "SELECT name, \"unique\", partial, origin FROM pragma_index_list('{table}')"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        for (name, unique, partial, origin) in rows {
            if origin == "c" {
                indexes.insert(name, (table.to_owned(), unique, partial));
            }
        }
    }
    Schema { columns, indexes }
}

/// The two migration folders describe the same schema: same tables, columns (type class,
/// nullability, default present) and indexes (name, table, unique, partial).
#[tokio::test]
async fn migrations_are_equivalent_on_both_backends() {
    let pg = TestDb::new(Backend::Postgres).await;
    let lite = TestDb::new(Backend::Sqlite).await;
    assert_eq!(pg.migration_versions(), lite.migration_versions());
    let (a, b) = (pg_schema(&pg).await, sqlite_schema(&lite).await);
    let want: std::collections::BTreeSet<String> = TABLES.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        a.columns
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        want
    );
    for (table, cols) in &a.columns {
        assert_eq!(
            Some(cols),
            b.columns.get(table),
            "columns of {table} differ"
        );
    }
    assert_eq!(a.columns, b.columns);
    assert_eq!(a.indexes, b.indexes);
    // Spot checks: our claim index, partial uniqueness, a reference index nothing reads
    // dropped (0004).
    assert_eq!(
        a.indexes.get("chunk_unassigned_index"),
        Some(&("chunk".to_owned(), false, true))
    );
    assert_eq!(a.indexes.get("chunk_end_block_number_attempts_index"), None);
    assert_eq!(
        a.indexes.get("chunk_hash_uindex"),
        Some(&("chunk".to_owned(), true, true))
    );
    assert_eq!(
        a.indexes.get("challenge_uindex"),
        Some(&("challenge".to_owned(), true, false))
    );
}

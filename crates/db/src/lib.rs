//! rollproof's database layer, shared by the rollup services and the coordinator: the reference
//! schema (`l2_block`, `chunk`, `batch`, `bundle`, `prover_task`, `challenge`,
//! `prover_block_list`) with its exact status values, embedded migrations, and typed data access
//! on **PostgreSQL** (production; many coordinator replicas share one database) and **SQLite**
//! (the embedded default for one machine).
//!
//! Key components:
//!
//! - [`Db`] (connect with a URL, [`Db::migrate`], [`Db::begin`]) and [`Tx`]; every data-access
//!   function takes an [`Executor`]: `&Db` (auto-commit; multi-statement operations open their
//!   own transaction) or `&mut Tx` (inside the caller's transaction).
//! - One module per table with its row types and queries: [`l2_block`], [`chunk`], [`batch`],
//!   [`bundle`], [`prover_task`], [`challenge`], [`block_list`]. Status columns are the
//!   `rollproof-primitives` enums, hashes are `B256`, counters are unsigned.
//! - [`tasks`]: the proving-task life cycle across the three task tables, each step one
//!   transaction: [`tasks::claim`] (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite
//!   `BEGIN IMMEDIATE`), [`tasks::record_verified_proof`] (prover task + object + parent
//!   readiness atomically), [`tasks::record_failure`], [`tasks::expire_assigned`] (timeouts),
//!   [`tasks::fail_exhausted`], [`tasks::refresh_readiness`], [`tasks::requeue`].
//! - [`stats`]: counts per type and status for metrics and tools.
//! - [`Error`]: one error enum; [`Error::Duplicate`] for uniqueness violations (replayed
//!   challenge, duplicate hash or index).
//! - `testing` (feature `testing`): a fresh database per test on either backend.
//!
//! How the two backends share one code path: [`Db`] is an enum over sqlx's `PgPool` and
//! `SqlitePool`. Queries are plain SQL strings valid on both (`$1` placeholders, `"index"`
//! quoted, `RETURNING`, `ON CONFLICT`, partial indexes), bound from one argument list and
//! decoded through one typed row reader; only the row-locking suffixes (`FOR UPDATE [SKIP
//! LOCKED]`, empty on SQLite, whose write transaction already excludes other writers) differ.
//! Timestamps are UTC `TIMESTAMP` columns written by the application in whole seconds
//! ([`now`]); proofs, headers, blobs and metadata are bytes; block headers and transactions are
//! JSON text as in the reference.
//!
//! Entry point:
//!
//! ```no_run
//! # async fn demo() -> rollproof_db::Result<()> {
//! use rollproof_db::{tasks, prover_task::ProverIdentity, Db};
//! use rollproof_primitives::TaskType;
//!
//! let db = Db::connect("postgres://rollproof:rollproof@127.0.0.1:5432/rollproof").await?;
//! db.migrate().await?;
//! let request = tasks::ClaimRequest {
//!     task_type: TaskType::Chunk,
//!     prover: ProverIdentity { public_key: "02ab…".into(), name: "p1".into(), version: "v1".into() },
//!     provers_per_session: 1,
//!     session_attempts: 5,
//!     max_end_block_number: None,
//!     exclude_task_ids: vec![],
//!     only_task_id: None,
//!     exclude_recent_failures: 2,
//!     forks: None,
//! };
//! if let Some(assignment) = tasks::claim(&db, &request).await? {
//!     // ... the prover proves, the coordinator verifies ...
//!     tasks::record_verified_proof(&db, assignment.prover_task.uuid, b"{}", 42).await?;
//! }
//! # Ok(())
//! # }
//! ```

pub mod batch;
pub mod block_list;
pub mod bundle;
pub mod challenge;
pub mod chunk;
mod config;
mod conn;
mod db;
mod error;
pub mod l2_block;
pub mod prover_task;
mod proving;
pub mod stats;
pub mod tasks;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::DbConfig;
pub use db::{now, Backend, Db, DbOptions, Executor, Handle, Tx};
pub use error::{Error, Result};
pub use proving::ProvingState;
pub use uuid::Uuid;

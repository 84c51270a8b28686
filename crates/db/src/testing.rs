//! Throwaway databases for tests (feature `testing`): every [`TestDb`] is a fresh, migrated
//! database that disappears when it is dropped.
//!
//! - PostgreSQL: a database `rollproof_test_<random>` created on the server named by
//!   `ROLLPROOF_TEST_PG_URL` (e.g. `postgres://rollproof:rollproof@127.0.0.1:5432/postgres`,
//!   printed by `scripts/postgres.sh`; the role needs CREATEDB), dropped `WITH (FORCE)` on drop.
//!   Without the variable, [`TestDb::postgres`] panics with instructions: PostgreSQL tests fail
//!   instead of passing silently.
//! - SQLite: a file in the system's temp directory, removed on drop.

use std::{ops::Deref, path::PathBuf};

use uuid::Uuid;

use crate::{Backend, Db, DbOptions};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "ROLLPROOF_TEST_PG_URL";

/// A fresh, migrated database of either backend, deleted when dropped. Derefs to [`Db`].
#[derive(Debug)]
pub struct TestDb {
    db: Db,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Postgres { admin_url: String, name: String },
    Sqlite { path: PathBuf },
}

impl TestDb {
    /// A fresh database of `backend`.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => Self::postgres().await,
            Backend::Sqlite => Self::sqlite().await,
        }
    }

    /// A fresh PostgreSQL database on the server of `ROLLPROOF_TEST_PG_URL`.
    ///
    /// # Panics
    /// When the variable is unset or the server refuses: the test fails, with what to run.
    pub async fn postgres() -> Self {
        let admin_url = std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{PG_URL_VAR} is not set: PostgreSQL tests need a server. Run \
                 `export {PG_URL_VAR}=$(scripts/postgres.sh)` (starts the machine's PostgreSQL \
                 and creates the test role), then run the tests again."
            )
        });
        let name = format!("rollproof_test_{}", Uuid::new_v4().simple());
        let admin = Db::connect_with(&DbOptions {
            max_connections: 1,
            ..DbOptions::new(&admin_url)
        })
        .await
        .unwrap_or_else(|e| {
            panic!("cannot connect to {PG_URL_VAR} ({admin_url}): {e}; run scripts/postgres.sh")
        });
        let pool = admin
            .as_postgres()
            .expect("ROLLPROOF_TEST_PG_URL must be a postgres:// URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let db = Db::connect_with(&DbOptions {
            max_connections: 30,
            ..DbOptions::new(url)
        })
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the new test database {name}: {e}"));
        db.migrate().await.expect("migrations apply");
        Self {
            db,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// A fresh SQLite database in a temp file.
    pub async fn sqlite() -> Self {
        let path =
            std::env::temp_dir().join(format!("rollproof_test_{}.db", Uuid::new_v4().simple()));
        let db = Db::connect(path.to_str().expect("temp dir path is UTF-8"))
            .await
            .unwrap_or_else(|e| panic!("cannot create SQLite database {}: {e}", path.display()));
        db.migrate().await.expect("migrations apply");
        Self {
            db,
            cleanup: Cleanup::Sqlite { path },
        }
    }

    /// The database handle (also reachable through `Deref`).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The URL of this database: PostgreSQL URL or SQLite file path (for connecting a second
    /// handle, e.g. a second coordinator replica).
    pub fn url(&self) -> String {
        match &self.cleanup {
            Cleanup::Postgres { admin_url, name } => with_database(admin_url, name),
            Cleanup::Sqlite { path } => path.display().to_string(),
        }
    }
}

impl Deref for TestDb {
    type Target = Db;

    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop cannot await, and may run inside a runtime: use a thread with its own.
                let dropped = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("tokio runtime");
                    rt.block_on(async move {
                        let admin = Db::connect_with(&DbOptions {
                            max_connections: 1,
                            ..DbOptions::new(&admin_url)
                        })
                        .await?;
                        if let Some(pool) = admin.as_postgres() {
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(pool)
                                .await?;
                        }
                        admin.close().await;
                        Ok::<_, crate::Error>(())
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) && !std::thread::panicking() {
                    eprintln!("warning: could not drop the test database {}", self.url());
                }
            }
            Cleanup::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
        }
    }
}

/// `url` with its database (path) replaced by `name`, query string kept.
fn with_database(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Defines each `async fn name(db: &TestDb)` once and generates the tests `name::postgres` and
/// `name::sqlite`, each on a fresh database of that backend (multi-threaded tokio runtime; the
/// calling crate needs `tokio` with the `macros` and `rt-multi-thread` features).
#[macro_export]
macro_rules! backend_tests {
    ($($(#[$meta:meta])* async fn $name:ident($db:ident: &$ty:ty) $body:block)+) => {
        $(
            $(#[$meta])*
            async fn $name($db: &$ty) $body

            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let db = $crate::testing::TestDb::postgres().await;
                    super::$name(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    super::$name(&db).await;
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/postgres", "x"),
            "postgres://u:p@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
    }
}

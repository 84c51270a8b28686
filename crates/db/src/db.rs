//! Connecting ([`Db`], [`DbOptions`]), migrating, transactions ([`Tx`]) and the [`Executor`]
//! trait through which every data-access function runs, on a pool or inside a transaction.

use std::{future::Future, pin::Pin, str::FromStr, time::Duration};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use sqlx::{
    migrate::Migrator,
    pool::PoolConnection,
    pool::PoolOptions,
    postgres::PgConnectOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
    Acquire, PgPool, Postgres, Sqlite, SqlitePool,
};

use crate::{
    conn::Conn,
    error::{Error, Result},
};

static PG_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// A pooled connection idle at least this long is pinged before use, so that one the server
/// dropped meanwhile is replaced rather than failing a query; a busier one is used at once
/// (sqlx's default pings before every use: a round trip more per statement).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// The pool settings of either backend: sizes and timeout from `options`, pings as
/// [`PING_IF_IDLE_FOR`] says.
fn pool_options<DB: sqlx::Database>(options: &DbOptions) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .min_connections(options.min_connections)
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL: production; many coordinator replicas may share one database.
    Postgres,
    /// SQLite: the embedded default for one machine (a file).
    Sqlite,
}

/// How to connect: the URL and the pool size (the reference's `db{dsn, maxOpenNum, maxIdleNum}`).
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `postgres://user:password@host:port/database`, `sqlite:path` / `sqlite://path`
    /// (`?mode=…` etc. allowed), or a bare file path (SQLite; created when missing).
    pub url: String,
    /// Most connections the pool opens (`maxOpenNum`).
    pub max_connections: u32,
    /// Connections the pool keeps open when idle (`maxIdleNum`).
    pub min_connections: u32,
    /// How long to wait for a free connection, or for SQLite's write lock, before failing.
    pub acquire_timeout: Duration,
}

impl DbOptions {
    /// Options with the given URL and defaults: 10 connections at most, none kept idle, 30 s
    /// acquire timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// A handle to the database: a connection pool of either backend. Cheap to clone (the pool is
/// shared). Every data-access function takes `&Db` or a `&mut Tx` (see [`Executor`]).
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
}

#[derive(Debug, Clone)]
enum Pool {
    Pg(PgPool),
    Sqlite(SqlitePool),
}

impl Db {
    /// Connects with [`DbOptions::new`]`(url)`.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(&DbOptions::new(url)).await
    }

    /// Connects to the database `options.url` names. Does not migrate: call [`Db::migrate`].
    ///
    /// PostgreSQL sessions run with `timezone = UTC` (the `TIMESTAMP` columns hold UTC). SQLite
    /// files are created when missing and use WAL with a busy timeout of
    /// `options.acquire_timeout`; `sqlite::memory:` gets a single connection (every connection
    /// would otherwise see its own empty database).
    pub async fn connect_with(options: &DbOptions) -> Result<Self> {
        let url = options.url.trim();
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(|e| invalid_url(url, e))?
                .options([("timezone", "UTC")]);
            let pool = pool_options::<Postgres>(options)
                .connect_with(connect)
                .await?;
            Pool::Pg(pool)
        } else {
            if url.contains("://") && !url.starts_with("sqlite://") {
                return Err(Error::InvalidUrl {
                    url: url.to_owned(),
                    reason: "expected postgres://, postgresql://, sqlite: or a file path".into(),
                });
            }
            let sqlite_url = if url.starts_with("sqlite:") {
                url.to_owned()
            } else {
                format!("sqlite://{url}")
            };
            let memory = sqlite_url.contains(":memory:") || sqlite_url.contains("mode=memory");
            let connect = SqliteConnectOptions::from_str(&sqlite_url)
                .map_err(|e| invalid_url(url, e))?
                .create_if_missing(true)
                .journal_mode(if memory {
                    SqliteJournalMode::Memory
                } else {
                    SqliteJournalMode::Wal
                })
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(options.acquire_timeout);
            let mut pool = pool_options::<Sqlite>(options);
            if memory {
                pool = pool
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
            Pool::Sqlite(pool.connect_with(connect).await?)
        };
        Ok(Self { pool })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Pg(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the embedded migrations of this backend (`migrations/postgres` or
    /// `migrations/sqlite`) that are not applied yet. Idempotent; on PostgreSQL, concurrent
    /// callers serialize on an advisory lock.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Pg(p) => PG_MIGRATOR.run(p).await?,
            Pool::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    /// The versions of the embedded migrations of this backend, in order.
    pub fn migration_versions(&self) -> Vec<i64> {
        let migrator = match self.backend() {
            Backend::Postgres => &PG_MIGRATOR,
            Backend::Sqlite => &SQLITE_MIGRATOR,
        };
        migrator.iter().map(|m| m.version).collect()
    }

    /// Starts a transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the database's write
    /// lock at once, so concurrent writers queue instead of failing on lock upgrades.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        Ok(Tx(match &self.pool {
            Pool::Pg(p) => TxInner::Pg(p.begin().await?),
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
        }))
    }

    /// Closes every connection of the pool; later calls fail.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Pg(p) => p.close().await,
            Pool::Sqlite(p) => p.close().await,
        }
    }

    /// The PostgreSQL pool, for callers that need sqlx directly (e.g. test fixtures).
    pub fn as_postgres(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Pg(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }

    /// The SQLite pool, for callers that need sqlx directly.
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            Pool::Pg(_) => None,
        }
    }
}

fn invalid_url(url: &str, err: sqlx::Error) -> Error {
    Error::InvalidUrl {
        url: url.to_owned(),
        reason: err.to_string(),
    }
}

/// A database transaction of either backend. Dropped without [`Tx::commit`], it rolls back.
/// Pass `&mut tx` to data-access functions to run them inside it; functions that need their own
/// transaction then use a savepoint.
#[derive(Debug)]
pub struct Tx<'c>(TxInner<'c>);

#[derive(Debug)]
enum TxInner<'c> {
    Pg(sqlx::Transaction<'c, Postgres>),
    Sqlite(sqlx::Transaction<'c, Sqlite>),
}

impl Tx<'_> {
    /// Commits the transaction (releases the savepoint when nested).
    pub async fn commit(self) -> Result<()> {
        match self.0 {
            TxInner::Pg(t) => t.commit().await?,
            TxInner::Sqlite(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back (to the savepoint when nested).
    pub async fn rollback(self) -> Result<()> {
        match self.0 {
            TxInner::Pg(t) => t.rollback().await?,
            TxInner::Sqlite(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Which database this transaction runs on.
    pub fn backend(&self) -> Backend {
        match self.0 {
            TxInner::Pg(_) => Backend::Postgres,
            TxInner::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.0 {
            TxInner::Pg(t) => Conn::Pg(&mut *t),
            TxInner::Sqlite(t) => Conn::Sqlite(&mut *t),
        }
    }
}

/// A connection lent to one data-access call: from the pool, or borrowed from a transaction.
#[doc(hidden)]
pub struct Handle<'c>(HandleInner<'c>);

enum HandleInner<'c> {
    PgPool(PoolConnection<Postgres>),
    SqlitePool(PoolConnection<Sqlite>),
    Borrowed(Conn<'c>),
}

impl Handle<'_> {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.0 {
            HandleInner::PgPool(c) => Conn::Pg(&mut *c),
            HandleInner::SqlitePool(c) => Conn::Sqlite(&mut *c),
            HandleInner::Borrowed(c) => c.reborrow(),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &super::Db {}
    impl Sealed for &mut super::Tx<'_> {}
}

/// Where a data-access function runs: `&Db` (a pooled connection; multi-statement operations
/// open their own transaction) or `&mut Tx` (inside the caller's transaction; multi-statement
/// operations use a savepoint). Sealed: implemented for exactly those two.
pub trait Executor<'c>: sealed::Sealed + Send + Sized {
    /// Which database the statements run on (for the few operations written per dialect).
    #[doc(hidden)]
    fn backend(&self) -> Backend;

    /// A connection for single statements.
    #[doc(hidden)]
    fn acquire(self) -> BoxFuture<'c, Result<Handle<'c>>>;

    /// A transaction (or a savepoint inside the caller's) for multi-statement operations.
    #[doc(hidden)]
    fn begin(self) -> BoxFuture<'c, Result<Tx<'c>>>;
}

/// A boxed, sendable future. The [`Executor`] methods return it rather than `impl Future`:
/// with an opaque future type, callers' futures fail the compiler's `Send` check when spawned
/// (higher-ranked lifetime inference), which a concrete boxed type avoids.
#[doc(hidden)]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<'c> Executor<'c> for &'c Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }

    fn acquire(self) -> BoxFuture<'c, Result<Handle<'c>>> {
        Box::pin(async move {
            Ok(Handle(match &self.pool {
                Pool::Pg(p) => HandleInner::PgPool(p.acquire().await?),
                Pool::Sqlite(p) => HandleInner::SqlitePool(p.acquire().await?),
            }))
        })
    }

    fn begin(self) -> BoxFuture<'c, Result<Tx<'c>>> {
        Box::pin(async move {
            let tx: Tx<'c> = Db::begin(self).await?;
            Ok(tx)
        })
    }
}

impl<'c, 't> Executor<'c> for &'c mut Tx<'t> {
    fn backend(&self) -> Backend {
        Tx::backend(self)
    }

    fn acquire(self) -> BoxFuture<'c, Result<Handle<'c>>> {
        Box::pin(async move { Ok(Handle(HandleInner::Borrowed(self.conn()))) })
    }

    fn begin(self) -> BoxFuture<'c, Result<Tx<'c>>> {
        Box::pin(async move {
            Ok(Tx(match &mut self.0 {
                TxInner::Pg(t) => TxInner::Pg(t.begin().await?),
                TxInner::Sqlite(t) => TxInner::Sqlite(t.begin().await?),
            }))
        })
    }
}

/// The current time in UTC, truncated to whole seconds: what every timestamp column receives
/// (the reference's `TIMESTAMP(0)`), identical on both backends.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

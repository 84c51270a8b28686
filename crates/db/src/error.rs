//! The crate's one error type.

use rollproof_primitives::{InvalidEnumValue, TaskType};

/// Result alias of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything the data layer can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A unique index refused the row: a replayed challenge, a duplicate block/chunk/batch/bundle
    /// hash or index. Nothing was written.
    #[error("duplicate {what}")]
    Duplicate {
        /// What collided: the table or index name, or the database's message.
        what: String,
    },
    /// The row the operation needs does not exist (or is soft-deleted).
    #[error("{what} not found: {key}")]
    NotFound {
        /// The kind of row, e.g. `"prover_task"`.
        what: &'static str,
        /// The key that was looked up.
        key: String,
    },
    /// The row exists but is in a state that does not allow the operation (e.g. a proof submitted
    /// twice for the same prover task). Nothing was written.
    #[error("{what} {key}: {reason}")]
    InvalidState {
        /// The kind of row, e.g. `"prover_task"`.
        what: &'static str,
        /// The row's key.
        key: String,
        /// Why the operation is refused.
        reason: String,
    },
    /// A batch or bundle names children (chunks or batches) that are not stored.
    #[error("{parent} {hash} covers {expected} {children} but only {found} are stored")]
    MissingChildren {
        /// `"batch"` or `"bundle"`.
        parent: &'static str,
        /// The parent's hash.
        hash: String,
        /// `"chunks"` or `"batches"`.
        children: &'static str,
        /// How many children the index range covers.
        expected: u64,
        /// How many live children were found.
        found: u64,
    },
    /// The operation does not apply to this task type (e.g. [`TaskType::Undefined`]).
    #[error("unsupported task type {0}")]
    UnsupportedTaskType(TaskType),
    /// A value does not fit its column (e.g. a `u64` above `i64::MAX`), or a stored value is not a
    /// valid value of its Rust type (a corrupt hash, a negative count).
    #[error("invalid value for {column}: {reason}")]
    InvalidValue {
        /// The column, e.g. `"chunk.end_block_number"`.
        column: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored status is not a value of its enum.
    #[error("invalid value in column {column}: {source}")]
    InvalidEnum {
        /// The column, e.g. `"proving_status"`.
        column: &'static str,
        /// The enum's own error.
        source: InvalidEnumValue,
    },
    /// The database URL is neither `postgres://…`, `postgresql://…`, `sqlite:…` nor a file path.
    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given (password elided by the caller when needed).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database or driver error.
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Duplicate {
                what: db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned()),
            },
            _ => Error::Sqlx(err),
        }
    }
}

impl Error {
    /// Whether this is a uniqueness violation ([`Error::Duplicate`]).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Error::Duplicate { .. })
    }
}

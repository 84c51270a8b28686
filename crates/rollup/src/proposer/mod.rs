//! The three proposers. Each has a pure decision function over what is waiting (blocks,
//! chunks, batches) that says how many to close into the next object or to wait, and a
//! proposer that reads the database, decides, builds the row and writes it in one transaction:
//!
//! - [`chunk`]: consecutive blocks, by block count, transactions, gas, estimated guest
//!   instructions, transaction bytes, fork boundary and timeout;
//! - [`batch`]: consecutive chunks of one fork, by chunk count, blob capacity (the compressed
//!   payload must fit one EIP-4844 blob) and timeout; header, blob, KZG commitment and opening;
//! - [`bundle`]: consecutive batches of one codec version, by batch count and timeout.

pub mod batch;
pub mod bundle;
pub mod chunk;

/// Why a proposer closed an object (for logs and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Taking one more would break this limit (its config field name).
    Limit(&'static str),
    /// The first item alone breaks this limit, so it goes alone.
    Oversized(&'static str),
    /// The next item is of another fork (or codec version).
    ForkBoundary,
    /// The oldest item waited longer than the timeout.
    Timeout,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closed::Limit(limit) => write!(f, "{limit} reached"),
            Closed::Oversized(limit) => write!(f, "alone over {limit}"),
            Closed::ForkBoundary => f.write_str("fork boundary"),
            Closed::Timeout => f.write_str("timeout"),
        }
    }
}

/// A proposer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// Nothing to close yet.
    Wait,
    /// Close the first `count` waiting items into one object.
    Close {
        /// How many.
        count: usize,
        /// Why now.
        closed: Closed,
    },
}

impl Proposal {
    /// Close the first `count` items because of `closed`.
    pub fn close(count: usize, closed: Closed) -> Self {
        Proposal::Close { count, closed }
    }
}

/// Seconds since the Unix epoch of a database time (UTC).
pub(crate) fn unix_seconds(t: chrono::NaiveDateTime) -> u64 {
    t.and_utc().timestamp().max(0) as u64
}

//! rollproof's rollup side: it follows an L2 node and turns its blocks into proving tasks.
//!
//! - [`ingest`]: [`Ingester`] stores confirmed blocks (`l2_block`) with their execution
//!   witnesses from any Ethereum JSON-RPC node that serves `debug_executionWitness`
//!   ([`rpc::L2Client`]); each block is validated statelessly before it is stored; reorgs above
//!   the chunked blocks are rolled back.
//! - [`proposer`]: the chunk, batch and bundle proposers, each a pure decision over what waits
//!   (limits, fork boundaries, timeouts) and a writer of the row (chunk public inputs from
//!   native validation; batch header, blob and KZG opening; bundle hash).
//! - [`relayer`]: [`Relayer`] runs both in passes; [`config`]: the JSON config
//!   ([`RelayerConfig`]); [`metrics`]: Prometheus counters.
//!
//! Entry point: `rollup_relayer --config config.json` (see the binary), or
//! [`Relayer::from_config`] + [`Relayer::run`].

pub mod config;
pub mod error;
pub mod ingest;
pub mod metrics;
pub mod proposer;
pub mod relayer;
pub mod rpc;

pub use config::RelayerConfig;
pub use error::{RelayerError, Result};
pub use ingest::Ingester;
pub use proposer::{
    batch::store_batch,
    bundle::store_bundle,
    chunk::{chunk_hash, store_chunk},
    Closed, Proposal,
};
pub use relayer::{Limits, PassReport, Relayer};

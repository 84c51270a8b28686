//! rollproof's prover. Today: building the per-fork circuit assets
//! ([`assets_cmd::build_assets`]); the service mode, `handle` and `dump` follow (prover issue).
//!
//! Entry point: the `prover` binary (`prover --help`).

pub mod assets_cmd;

//! OpenVM host plumbing shared by rollproof's provers and verifiers.
//!
//! This crate turns a guest program under `crates/circuits/` into real STARK proofs on a CPU:
//!
//! - [`GuestToolchain`]: the guest Rust toolchain installed by `scripts/install-guest-toolchain.sh`,
//!   checked before any guest build so a missing toolchain is a clear error, not a rustup failure.
//! - [`GuestProgram`]: a guest crate and its `openvm.toml` VM configuration;
//!   [`GuestProgram::build`] compiles it with `openvm-build` (locked, with reproducible paths) and
//!   transpiles it into an [`AppProgram`].
//! - [`ProvingParams`]: STARK parameters tuned for CPUs (log stacked height 20 instead of the
//!   SDK's 24, which costs minutes of setup and ~4x proving time for small programs here).
//! - [`AppProgram`]: execute (no proof), measure, and prove a program into an [`AppProof`].
//! - [`AppProgram::prove_stark`] / [`verify_stark_proof`]: aggregated STARK proofs
//!   ([`StarkProof`]) and their per-program [`StarkVerifyingKey`], the form provers submit.
//! - [`ChildVerifier`]: parent programs (batch, bundle) verify their children's aggregated
//!   proofs inside the guest through OpenVM's deferral mechanism; [`ChildCommits`] are the
//!   child program commitments a parent guest must insist on.
//! - [`verify_app_proof`]: check an app proof against a verifying key and the expected program
//!   commitment, returning the public values the guest revealed.
//!
//! - [`evm`] (feature `evm`): the EVM-verifiable SNARK of a program's proof (root STARK wrapped
//!   in halo2 over BN254), its Solidity verifier and a local-EVM check.
//!
//! Entry point: `GuestProgram::open(dir)?.build(&GuestToolchain::from_env()?, params)?`.
//! The `zkvm_selfcheck` binary runs the whole path on the smallest guest.

mod app;
mod deferral;
mod error;
#[cfg(feature = "evm")]
pub mod evm;
mod guest;
mod params;
pub mod selfcheck;
pub mod srs;
mod stark;
mod toolchain;
mod verify;

pub use app::{AppProgram, AppProof, ExecutionReport};
pub use deferral::{ChildCommits, ChildInputs, ChildVerifier, CHILD_DEFERRAL_INDEX};
pub use error::ZkvmError;
pub use guest::{circuits_dir, GuestProgram};
pub use openvm_continuations::CommitBytes;
pub use openvm_sdk::{keygen::AppVerifyingKey, StdIn};
pub use params::ProvingParams;
pub use stark::{verify_stark_proof, StarkProof, StarkVerifyingKey};
pub use toolchain::GuestToolchain;
pub use verify::verify_app_proof;

//! rollproof's proving library, shared by the prover and the coordinator.
//!
//! Key components (growing with the chunk circuit issue):
//! - [`chunk`]: [`ChunkProgram`], the chunk guest built for OpenVM: execute a
//!   [`ChunkWitness`](rollproof_stateless::ChunkWitness) to its public-input hash and cycle
//!   count, and prove it.
//! - [`Error`]: one error type.
//!
//! Entry point: [`ChunkProgram::build`].

pub mod chunk;
mod error;

pub use chunk::{ChunkExecution, ChunkProgram};
pub use error::Error;

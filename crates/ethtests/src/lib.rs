//! Real Ethereum test vectors (ethereum/tests `BlockchainTests`, written by others) through
//! rollproof's stateless path: for every block, the witness is generated from the full state,
//! then the block is validated from the witness alone and compared with the fixture.
//!
//! Key components:
//! - [`fixture`]: the BlockchainTests JSON shape, file discovery, the shared fixtures' location.
//! - [`runner`]: one case ([`run_case`]) -> [`CaseOutcome`]; the fork rules per network name.
//! - [`suite`]: many files on several threads with filtering and stable sampling
//!   ([`run_suite`]), per-case reports and the [`Summary`] whose last line is
//!   `N passed, M failed, K skipped`.
//!
//! - [`bench`]: plain execution vs stateless validation vs witness generation, on synthetic
//!   30M-gas blocks and fixture blocks (`ethtests bench`).
//!
//! Entry point: the `ethtests` binary (`ethtests --help`), or [`run_suite`] from tests.

pub mod bench;
pub mod fixture;
pub mod runner;
pub mod suite;

pub use runner::{run_case, CaseOutcome};
pub use suite::{run_suite, CaseReport, Observer, SuiteOptions, Summary};

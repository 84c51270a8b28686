//! rollproof's prover: the `prover` binary (`prover --help`) over these modules.
//!
//! - [`config`]: `config.json` in the reference's shape, with `PROVER_…` overrides;
//! - [`key`]: the secp256k1 identity in `keys_dir` (created on first start, mode 0600);
//! - [`client`]: the coordinator client (signed login, get_task, submit_proof, retries);
//! - [`store`]: the in-flight task of each worker, kept across crashes and restarts;
//! - [`download`]: fetching each fork's assets from its `base_url` (sha256-checked, resumed);
//! - [`circuits`]: per-fork circuits from the assets, proving a task and checking the proof;
//! - [`service`]: the service loop (resume or get a task, prove, submit);
//! - [`metrics`]: `/health` and `/metrics`;
//! - [`tools`]: `prover handle`, `prover dump`, `prover prove-file`;
//! - [`assets_cmd`]: `prover assets build`.

pub mod assets_cmd;
pub mod circuits;
pub mod client;
pub mod config;
pub mod download;
#[cfg(feature = "evm")]
pub mod evm_cmd;
pub mod key;
pub mod metrics;
pub mod service;
pub mod store;
pub mod tools;

/// `vX.Y.Z-<git commit>`: this build, without the ZK version of its assets.
pub fn build_version() -> String {
    format!(
        "v{}-{}",
        env!("CARGO_PKG_VERSION"),
        env!("ROLLPROOF_GIT_COMMIT")
    )
}

/// `vX.Y.Z-<git commit>-<zk version>`: the version string the prover logs in with and puts
/// into its proofs (the coordinator compares everything after the second dash).
pub fn prover_version(zk_version: &str) -> String {
    format!("{}-{zk_version}", build_version())
}

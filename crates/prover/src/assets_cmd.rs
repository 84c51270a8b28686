//! `prover assets build`: builds the guests, transpiles, generates keys and writes each fork's
//! asset folder (see `rollproof_libzkp::assets`).

use std::path::Path;

use rollproof_libzkp::{
    assets::{write_assets, AssetManifest},
    ChunkProgram,
};
use rollproof_primitives::ForkName;
use rollproof_zkvm::{GuestToolchain, ProvingParams};

/// Builds the chunk program once and writes the assets of every fork in `forks` under `out`.
/// Returns each fork's manifest.
pub fn build_assets(
    out: &Path,
    forks: &[ForkName],
    params: ProvingParams,
) -> anyhow::Result<Vec<AssetManifest>> {
    let toolchain = GuestToolchain::from_env()?;
    tracing::info!("building the chunk guest and its keys (minutes on a cold machine)");
    let chunk = ChunkProgram::build(&toolchain, params)?;
    forks
        .iter()
        .map(|fork| {
            let manifest = write_assets(out, *fork, &chunk)?;
            tracing::info!(%fork, zk_version = %manifest.zk_version, dir = %out.join(fork.as_str()).display(), "assets written");
            Ok(manifest)
        })
        .collect()
}

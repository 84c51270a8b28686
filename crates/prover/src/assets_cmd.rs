//! `prover assets build`: builds the guests, transpiles, generates keys and writes each fork's
//! asset folder (see `rollproof_libzkp::assets`).

use std::path::Path;

use rollproof_libzkp::{
    assets::{write_assets, AggregationPrograms, AssetManifest},
    BatchProgram, BundleProgram, ChunkProgram,
};
use rollproof_primitives::ForkName;
use rollproof_zkvm::{GuestToolchain, ProvingParams};

/// Builds the chunk program once (and, with `aggregation`, the batch program for it and the
/// bundle program for that: deferral keys and verifying keys, about 10 more minutes on 2
/// cores) and writes the assets of every fork in `forks` under `out`. Returns each fork's
/// manifest.
pub fn build_assets(
    out: &Path,
    forks: &[ForkName],
    params: ProvingParams,
    aggregation: bool,
) -> anyhow::Result<Vec<AssetManifest>> {
    let toolchain = GuestToolchain::from_env()?;
    tracing::info!("building the chunk guest and its keys (minutes on a cold machine)");
    let chunk = ChunkProgram::build(&toolchain, params)?;
    let programs = if aggregation {
        tracing::info!("building the batch guest for the chunk key (deferral keys, minutes)");
        let batch = BatchProgram::build(&toolchain, params, &chunk.verifying_key()?)?;
        tracing::info!("building the bundle guest for the batch key (deferral keys, minutes)");
        let bundle = BundleProgram::build(&toolchain, params, batch.app())?;
        Some((batch, bundle))
    } else {
        None
    };
    let aggregation = programs
        .as_ref()
        .map(|(batch, bundle)| AggregationPrograms { batch, bundle });
    forks
        .iter()
        .map(|fork| {
            let manifest = write_assets(out, *fork, &chunk, aggregation)?;
            tracing::info!(%fork, zk_version = %manifest.zk_version, dir = %out.join(fork.as_str()).display(), "assets written");
            Ok(manifest)
        })
        .collect()
}

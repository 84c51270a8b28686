//! `prover`: rollproof's prover binary.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rollproof_primitives::ForkName;
use rollproof_prover::assets_cmd::build_assets;
use rollproof_zkvm::ProvingParams;

/// rollproof's prover. `prover assets build` writes the per-fork circuit assets (programs,
/// VM configs, verifying keys, manifest.json with sha256 and size) that provers download and
/// coordinators verify with.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Circuit assets.
    #[command(subcommand)]
    Assets(AssetsCommand),
}

#[derive(Debug, Subcommand)]
enum AssetsCommand {
    /// Build the guests from source, transpile, generate keys and write `<out>/<fork>/`.
    /// The same sources give byte-identical files on any machine.
    Build {
        /// Forks to write (repeat the flag; default: every fork).
        #[arg(long = "fork")]
        forks: Vec<ForkName>,
        /// Output folder.
        #[arg(long, default_value = "assets")]
        out: PathBuf,
        /// log2 of the STARK stacked trace height (CPU default 20).
        #[arg(long, default_value_t = 20)]
        log_stacked_height: usize,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Assets(AssetsCommand::Build {
            forks,
            out,
            log_stacked_height,
        }) => {
            let forks = if forks.is_empty() {
                ForkName::ALL.to_vec()
            } else {
                forks
            };
            let params = ProvingParams::new(log_stacked_height).map_err(anyhow::Error::msg)?;
            for manifest in build_assets(&out, &forks, params)? {
                println!(
                    "{}: {} ({} files) in {}",
                    manifest.fork,
                    manifest.zk_version,
                    manifest.files.len(),
                    out.join(manifest.fork.as_str()).display()
                );
            }
            Ok(())
        }
    }
}

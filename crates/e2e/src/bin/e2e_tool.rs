//! `e2e_tool`: prepares an end-to-end proving run over a real chain (the reference's
//! `tests/prover-e2e` flow).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rollproof_e2e::import::{import, ImportConfig};

/// End-to-end test preparation: import a block range of an L2 node into the coordinator's
/// database as chunks, batches and bundles, and write the test set that `prover handle`
/// proves through the coordinator.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The e2e folder's config: `{db_config: {driver_name, dsn}, fetch_config: {endpoint,
    /// genesis_path}}`.
    #[arg(long, default_value = "conf/config.json")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetches blocks BEGIN..=END with their execution witnesses (each validated), stores them,
    /// splits them at random into chunks, batches and bundles (`--counts`, seeded: the same
    /// seed gives the same split), stores those and writes the test set.
    Import {
        /// First block.
        begin: u64,
        /// Last block.
        end: u64,
        /// Seed of the random split.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Chunks, batches and bundles to make, e.g. 4,2,1.
        #[arg(long, default_value = "1,1,1", value_delimiter = ',')]
        counts: Vec<usize>,
        /// Where the test set goes.
        #[arg(long, default_value = "testset.json")]
        output: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let Command::Import {
        begin,
        end,
        seed,
        counts,
        output,
    } = cli.command;
    let counts: [usize; 3] = counts
        .try_into()
        .map_err(|_| anyhow::anyhow!("--counts takes three numbers: chunks,batches,bundles"))?;
    let config = ImportConfig::load(&cli.config)?;
    let set = import(&config, begin, end, counts, seed).await?;
    std::fs::write(&output, serde_json::to_string_pretty(&set)?)?;
    println!(
        "{}: {} chunks, {} batches, {} bundles",
        output.display(),
        set.chunks.len(),
        set.batches.len(),
        set.bundles.len()
    );
    Ok(())
}

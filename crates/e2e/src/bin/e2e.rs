//! `e2e`: rollproof's end-to-end run on one machine.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rollproof_e2e::{run_local, summary_table, RunOptions};
use rollproof_primitives::ForkName;

/// rollproof end to end on this machine.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Devnet blocks -> rollup relayer -> database (embedded SQLite, or --postgres) ->
    /// coordinator -> prover -> verified chunk, batch and bundle proofs in `<out>/proofs/`,
    /// with a summary table. Builds the circuit assets first when `--assets` lacks them
    /// (~15 minutes on 2 cores); then a small chunk takes ~10 minutes to prove, the batch and
    /// the bundle ~25 minutes each at ~15 GB of memory. `--chunks-only` stops at the chunks.
    Run {
        /// Blocks to build and prove, one chunk each (1 to 3).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3))]
        blocks: u64,
        /// Transactions of each kind per block (block 1 also deploys an ERC-20).
        #[arg(long, default_value_t = 2)]
        txs: usize,
        /// The chain's fork.
        #[arg(long, default_value = "galileo")]
        fork: ForkName,
        /// Output folder (database, prover state, proofs).
        #[arg(long, default_value = "e2e-out")]
        out: PathBuf,
        /// Circuit assets root (reused when present, built otherwise).
        #[arg(long, default_value = "e2e-out/assets")]
        assets: PathBuf,
        /// Use this (empty) PostgreSQL database instead of SQLite, e.g.
        /// postgres://rollproof:rollproof@127.0.0.1:5432/e2e.
        #[arg(long)]
        postgres: Option<String>,
        /// Prove with `prover handle` (the tasks as a test set, each asked for by id) instead
        /// of the prover service.
        #[arg(long)]
        handle: bool,
        /// Prove the chunks only: no batch or bundle (the assets need only the chunk circuit;
        /// about a third of the time).
        #[arg(long)]
        chunks_only: bool,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // OpenVM logs every proving phase at info: keep the run's own stages readable.
                .unwrap_or_else(|_| "info,openvm_stark_backend=warn,openvm_sdk=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let Command::Run {
        blocks,
        txs,
        fork,
        out,
        assets,
        postgres,
        handle,
        chunks_only,
    } = Cli::parse().command;
    let opts = RunOptions {
        blocks: blocks as usize,
        txs_per_block: txs,
        fork,
        out,
        assets,
        postgres,
        handle,
        aggregation: !chunks_only,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(run_local(&opts))?;
    print!("{}", summary_table(&summary));
    anyhow::ensure!(
        summary.proofs.iter().all(|c| c.verified),
        "a written proof does not verify"
    );
    // The prover's proving thread cannot be interrupted; it is idle by now.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

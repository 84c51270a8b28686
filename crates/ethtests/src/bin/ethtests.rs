//! `ethtests`: run ethereum/tests BlockchainTests through rollproof's stateless validation.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use anyhow::{bail, Context};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use rollproof_devnet::TxKindGen;
use rollproof_ethtests::{
    bench::{fixture_blocks, measure_all, synthetic_block},
    fixture::{default_root, discover},
    run_suite, CaseOutcome, CaseReport, Observer, SuiteOptions,
};
use rollproof_primitives::ForkName;

/// Runs BlockchainTests fixtures (files or folders) block by block: generates each block's
/// execution witness from the full pre-state, validates the block statelessly from the witness
/// alone, and checks the state root, the block hash, expected rejections and the final chain
/// head. Prints one line per failure or skip and, last, `N passed, M failed, K skipped`.
/// Exits non-zero when a case fails for a reason not listed as known (EIP-7610).
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: Args,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Benchmark: plain revm execution over the full in-memory state vs stateless validation
    /// (witness decode + trie reveal + execution + post-state root) vs witness generation, on
    /// synthetic full blocks (ETH and ERC-20 transfers) and on fixture blocks. Prints a table
    /// with times, Mgas/s and the stateless/plain ratio. Build with --release for real numbers.
    Bench(BenchArgs),
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Gas of each synthetic block.
    #[arg(long, default_value_t = 30_000_000)]
    gas: u64,
    /// Runs per measurement; the fastest counts.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Fork rules of the synthetic blocks (galileo = Cancun, galileoV2 = Prague).
    #[arg(long, default_value = "galileo")]
    fork: ForkName,
    /// Fixture files or folders for the fixture workload (default: the shared fixtures).
    #[arg(long)]
    fixtures: Vec<PathBuf>,
    /// Use one fixture case in N.
    #[arg(long, default_value_t = 10)]
    fixture_sample: u64,
}

#[derive(Debug, clap::Args)]
struct Args {
    /// Fixture files or folders (searched recursively for .json). Default: the shared fixtures
    /// (`ROLLPROOF_ETHTESTS`, or `shared/fixtures/ethereum-tests/BlockchainTests` beside the
    /// repository).
    paths: Vec<PathBuf>,
    /// Worker threads (default: the number of cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Run only cases whose file path or test name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Run a stable sample of one case in N, spread over all folders.
    #[arg(long, default_value_t = 1)]
    sample: u64,
    /// Also print every rejected invalid block with the error that rejected it.
    #[arg(long, short)]
    verbose: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Bench(args)) => bench(args).map(|()| ExitCode::SUCCESS),
        None => run(cli.run),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The fixture files under `paths`, or under the shared fixtures when `paths` is empty.
fn fixture_files(paths: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    let paths = if paths.is_empty() {
        vec![default_root().context(
            "no fixture path given and no shared BlockchainTests found; pass a path or set \
             ROLLPROOF_ETHTESTS",
        )?]
    } else {
        paths
    };
    let files = discover(&paths).map_err(anyhow::Error::msg)?;
    if files.is_empty() {
        bail!("no .json files under {paths:?}");
    }
    Ok(files)
}

fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let mut workloads = Vec::new();
    for (name, kind) in [
        ("ETH transfers", TxKindGen::EthTransfer),
        ("ERC-20 transfers", TxKindGen::Erc20Transfer),
    ] {
        eprintln!("building a {} gas block of {name} ...", args.gas);
        let block = synthetic_block(args.fork, kind, args.gas).map_err(anyhow::Error::msg)?;
        workloads.push((format!("{name} ({})", args.fork), vec![block]));
    }
    let files = fixture_files(args.fixtures)?;
    eprintln!(
        "collecting fixture blocks (one case in {}) ...",
        args.fixture_sample
    );
    workloads.push((
        format!("fixtures (1 case in {})", args.fixture_sample),
        fixture_blocks(&files, args.fixture_sample),
    ));
    println!(
        "{:<32} {:>6} {:>6} {:>11} {:>10} {:>10} {:>8} {:>10} {:>10} {:>11} {:>10}",
        "workload",
        "blocks",
        "txs",
        "gas",
        "plain ms",
        "stless ms",
        "ratio",
        "plain Mg/s",
        "stless Mg/s",
        "witgen ms",
        "witness KiB"
    );
    for (name, blocks) in &workloads {
        let t = measure_all(blocks, args.repeats).map_err(anyhow::Error::msg)?;
        println!(
            "{name:<32} {:>6} {:>6} {:>11} {:>10.1} {:>10.1} {:>7.2}x {:>10.1} {:>11.1} {:>11.1} {:>10}",
            t.blocks,
            t.txs,
            t.gas,
            t.plain.as_secs_f64() * 1e3,
            t.stateless.as_secs_f64() * 1e3,
            t.ratio(),
            t.mgas_per_s(t.plain),
            t.mgas_per_s(t.stateless),
            t.witness_generation.as_secs_f64() * 1e3,
            t.witness_bytes / 1024,
        );
    }
    Ok(())
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = fixture_files(args.paths)?;
    let defaults = SuiteOptions::default();
    let options = SuiteOptions {
        jobs: args.jobs.unwrap_or(defaults.jobs),
        filter: args.filter,
        sample: args.sample,
    };
    let progress = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {elapsed}  {msg}")
            .expect("static template"),
    );
    let started = Instant::now();
    let printer = Printer {
        progress,
        verbose: args.verbose,
    };
    let summary = run_suite(&files, &options, &printer);
    printer.progress.finish_and_clear();
    println!(
        "{} files, {} valid blocks validated, {} invalid blocks rejected, {} known failures \
         (EIP-7610), {:.1} s on {} threads",
        files.len(),
        summary.blocks,
        summary.rejected,
        summary.known_failed,
        started.elapsed().as_secs_f64(),
        options.jobs,
    );
    println!("{}", summary.last_line());
    Ok(if summary.failed > summary.known_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints failures (and skips, and with `--verbose` rejections) above the progress bar, which
/// is drawn only on a terminal.
struct Printer {
    progress: ProgressBar,
    verbose: bool,
}

impl Observer for Printer {
    fn case(&self, report: &CaseReport) {
        self.progress.suspend(|| print_report(report, self.verbose));
    }

    fn file_done(&self, _file: &Path) {
        self.progress.inc(1);
    }
}

fn print_report(report: &CaseReport, verbose: bool) {
    let file = report.file.display();
    let name = &report.name;
    match &report.outcome {
        CaseOutcome::Failed { block, reason } => {
            let block = block.map_or_else(String::new, |b| format!(" block {b}"));
            let known = report.known.map_or_else(String::new, |k| format!(" [{k}]"));
            println!("FAIL {file} {name}{block}: {reason}{known}");
        }
        CaseOutcome::Skipped { reason } => println!("SKIP {file} {name}: {reason}"),
        CaseOutcome::Passed { rejected, .. } if verbose => {
            for (block, reason) in rejected {
                println!("rejected {file} {name} block {block}: {reason}");
            }
        }
        CaseOutcome::Passed { .. } => {}
    }
}

//! `ethtests`: run ethereum/tests BlockchainTests through rollproof's stateless validation.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use anyhow::{bail, Context};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use rollproof_ethtests::{
    fixture::{default_root, discover},
    run_suite, CaseOutcome, CaseReport, Observer, SuiteOptions,
};

/// Runs BlockchainTests fixtures (files or folders) block by block: generates each block's
/// execution witness from the full pre-state, validates the block statelessly from the witness
/// alone, and checks the state root, the block hash, expected rejections and the final chain
/// head. Prints one line per failure or skip and, last, `N passed, M failed, K skipped`.
/// Exits non-zero when a case fails for a reason not listed as known (EIP-7610).
#[derive(Debug, Parser)]
#[command(version)]
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
    match run(Args::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![default_root().context(
            "no fixture path given and no shared BlockchainTests found; pass a path or set \
             ROLLPROOF_ETHTESTS",
        )?]
    } else {
        args.paths
    };
    let files = discover(&paths).map_err(anyhow::Error::msg)?;
    if files.is_empty() {
        bail!("no .json files under {paths:?}");
    }
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

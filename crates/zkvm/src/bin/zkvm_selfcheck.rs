//! `zkvm_selfcheck`: proves and verifies the smallest rollproof guest to show that this machine
//! can build guests, prove with OpenVM and verify the result. Exits non-zero on any failure.

use std::{fs, path::PathBuf, time::Instant};

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use rollproof_zkvm::{selfcheck, verify_app_proof, GuestProgram, GuestToolchain, ProvingParams};

/// Build the self-check guest, execute it, prove it with OpenVM (app STARK proof) and verify
/// the proof, printing what was proved and what it cost.
///
/// Needs the guest toolchain: run `scripts/install-guest-toolchain.sh` and
/// `source scripts/env.sh` first (or use `scripts/selfcheck.sh`, which does both).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Fibonacci steps the guest computes (~10 RISC-V instructions each; at most 1048576).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=selfcheck::MAX_STEPS as i64))]
    steps: u32,
    /// log2 of the stacked trace height (10..=24). 20 suits CPUs; 24 is the SDK default for GPUs.
    #[arg(long, default_value_t = ProvingParams::CPU_DEFAULT.log_stacked_height)]
    log_stacked_height: usize,
    /// Execute only: skip key generation, proving and verification.
    #[arg(long)]
    execute_only: bool,
    /// Also write the proof (JSON) to this file.
    #[arg(long)]
    proof_out: Option<PathBuf>,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,rollproof_zkvm=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let params = ProvingParams::new(args.log_stacked_height).map_err(anyhow::Error::msg)?;

    let toolchain = GuestToolchain::from_env()?;
    let guest = GuestProgram::named(selfcheck::GUEST_NAME)?;
    let started = Instant::now();
    let program = guest.build(&toolchain, params)?;
    println!(
        "built guest `{}` in {:.1}s ({})",
        guest.name(),
        started.elapsed().as_secs_f64(),
        guest.dir().display()
    );

    let expected = selfcheck::expected_public_values(args.steps);
    let started = Instant::now();
    let executed = program.execute(selfcheck::input(args.steps))?;
    ensure!(
        executed == expected,
        "execution revealed {executed:?}, expected {expected:?}"
    );
    println!(
        "executed in {:.2}s: fib({}) mod 2^64 = {}",
        started.elapsed().as_secs_f64(),
        args.steps,
        selfcheck::fibonacci(args.steps)
    );
    if args.execute_only {
        return Ok(());
    }

    let started = Instant::now();
    let report = program.execute_metered(selfcheck::input(args.steps))?;
    let vk = program.verifying_key()?;
    let program_commit = program.exe_commit()?;
    println!(
        "keygen + metered run in {:.1}s: {} instructions, {} trace cells; program commit {program_commit}",
        started.elapsed().as_secs_f64(),
        report.instructions,
        report.trace_cells
    );

    let started = Instant::now();
    let proof = program.prove(selfcheck::input(args.steps))?;
    let prove_secs = started.elapsed().as_secs_f64();
    println!(
        "proved in {prove_secs:.1}s: {} segment(s), log stacked height {}",
        proof.num_segments(),
        params.log_stacked_height
    );
    if let Some(path) = &args.proof_out {
        fs::write(path, proof.to_json()?).with_context(|| format!("writing {}", path.display()))?;
        println!("proof written to {}", path.display());
    }

    let started = Instant::now();
    let public_values = verify_app_proof(&vk, &proof, &program_commit)?;
    if public_values != expected {
        bail!("verified proof revealed {public_values:?}, expected {expected:?}");
    }
    println!("verified in {:.2}s", started.elapsed().as_secs_f64());
    println!(
        "VERIFIED: program {program_commit} computed fib({}) mod 2^64 = {} (peak RSS {})",
        args.steps,
        selfcheck::fibonacci(args.steps),
        peak_rss().unwrap_or_else(|| "unknown".to_string())
    );
    Ok(())
}

/// Peak resident set size of this process, from /proc (Linux).
fn peak_rss() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(format!("{:.2} GiB", kib as f64 / (1024.0 * 1024.0)))
}

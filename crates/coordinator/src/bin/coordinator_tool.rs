//! `coordinator_tool`: operator commands against the coordinator's database.

use std::path::PathBuf;

use alloy_primitives::B256;
use clap::{Parser, Subcommand};
use rollproof_coordinator::{connect, tool, verifier::Verifiers, Config};
use rollproof_primitives::{ForkName, ProvingStatus, TaskType};

/// Operator commands: migrate, status, tasks, requeue, block-prover, unblock-prover, bench,
/// verify.
/// Config overrides as for coordinator_api (`COORDINATOR_*`).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The JSON config file.
    #[arg(long, env = "COORDINATOR_CONFIG", default_value = "conf/config.json")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the database migrations.
    Migrate,
    /// Counts per type and status, oldest unassigned task, active provers.
    Status,
    /// List tasks.
    Tasks {
        /// chunk, batch or bundle (or 1, 2, 3).
        #[arg(long, value_parser = parse_task_type)]
        r#type: Option<TaskType>,
        /// Proving status number (1 unassigned, 2 assigned, 4 verified, 5 failed).
        #[arg(long, value_parser = parse_status)]
        status: Option<ProvingStatus>,
        /// At most this many per type.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Reset a failed or stuck task to unassigned.
    Requeue {
        /// chunk, batch or bundle.
        #[arg(value_parser = parse_task_type)]
        task_type: TaskType,
        /// The task's hash.
        hash: B256,
    },
    /// Refuse a prover key at login and get_task.
    BlockProver {
        /// Compressed public key, hex.
        public_key: String,
        /// A name for the record.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Allow a blocked prover key again.
    UnblockProver {
        /// Compressed public key, hex.
        public_key: String,
    },
    /// Benchmark: seed real one-block devnet chunks with witnesses (use an empty database; the
    /// config's genesis and verifiers decide the fork and vk), serve the API in-process and run
    /// simulated provers doing get_task -> submit(status=error) over HTTP.
    Bench {
        /// Pending chunk tasks to seed.
        #[arg(long, default_value_t = 100_000)]
        tasks: u64,
        /// Concurrent simulated provers.
        #[arg(long, default_value_t = 1000)]
        provers: u64,
        /// Offered load in get_task calls per second over all provers (an open loop: each
        /// prover paces itself; the latencies then show the service time at that load).
        /// Default: a closed loop, every prover asks again as soon as it has submitted.
        #[arg(long)]
        rate: Option<f64>,
        /// The `/coordinator/v1` base URL of a `coordinator_api` already running on the same
        /// config (e.g. http://127.0.0.1:8390/coordinator/v1): only the provers run here, so
        /// their CPU is measured apart from the server's. Default: serve the API in-process.
        #[arg(long)]
        server: Option<String>,
    },
    /// Verify a proof file (wrapped-proof JSON) offline against the configured verifier
    /// assets of a fork (`prover_manager.verifier.verifiers`); needs no database.
    Verify {
        /// The proof file.
        proof: PathBuf,
        /// The fork (any case).
        #[arg(long, value_parser = parse_fork)]
        fork: ForkName,
        /// What the proof is of: chunk, batch or bundle.
        #[arg(long = "type", value_parser = parse_task_type, default_value = "chunk")]
        task_type: TaskType,
    },
}

fn parse_task_type(s: &str) -> Result<TaskType, String> {
    match s.to_lowercase().as_str() {
        "chunk" | "1" => Ok(TaskType::Chunk),
        "batch" | "2" => Ok(TaskType::Batch),
        "bundle" | "3" => Ok(TaskType::Bundle),
        _ => Err(format!("unknown task type {s:?} (chunk, batch, bundle)")),
    }
}

fn parse_fork(s: &str) -> Result<ForkName, String> {
    s.parse::<ForkName>().map_err(|e| e.to_string())
}

fn parse_status(s: &str) -> Result<ProvingStatus, String> {
    let n: i64 = s
        .parse()
        .map_err(|_| format!("status must be a number, got {s:?}"))?;
    ProvingStatus::try_from(n).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rollproof_coordinator::init_logging("warn");
    let args = Args::parse();
    let config = Config::load(&args.config)?;
    if let Command::Verify {
        proof,
        fork,
        task_type,
    } = &args.command
    {
        let verifiers = Verifiers::load(&config.prover_manager.verifier)?;
        return tool::verify_proof_file(
            &verifiers,
            *task_type,
            *fork,
            proof,
            &mut std::io::stdout(),
        );
    }
    let db = connect(&config).await?;
    let out = &mut std::io::stdout();
    match args.command {
        Command::Migrate => println!("migrations applied: {:?}", db.migration_versions()),
        Command::Status => tool::status(&db, out).await?,
        Command::Tasks {
            r#type,
            status,
            limit,
        } => tool::list_tasks(&db, r#type, status, limit, out).await?,
        Command::Requeue { task_type, hash } => tool::requeue(&db, task_type, hash, out).await?,
        Command::BlockProver { public_key, name } => {
            tool::set_blocked(&db, &public_key, &name, true, out).await?
        }
        Command::UnblockProver { public_key } => {
            tool::set_blocked(&db, &public_key, "", false, out).await?
        }
        Command::Bench {
            tasks,
            provers,
            rate,
            server,
        } => {
            drop(db);
            let options = rollproof_coordinator::bench::BenchOptions {
                tasks,
                provers,
                rate,
                server,
            };
            let r = rollproof_coordinator::bench::run(config, options).await?;
            let rate = r.assignments as f64 / r.elapsed.as_secs_f64();
            println!(
                "seeded {} one-block chunks in {:.2?}; {} assignments in {:.2?}: {rate:.0} \
                 assignments/s; get_task p50 {:.2?}, p99 {:.2?} ({} bytes per task)",
                tasks, r.seeding, r.assignments, r.elapsed, r.p50, r.p99, r.mean_task_bytes
            );
        }
        Command::Verify { .. } => unreachable!("handled above"),
    }
    Ok(())
}

//! `prover`: rollproof's prover binary.

use std::{path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};
use rollproof_primitives::{ForkName, TaskType};
use rollproof_prover::{assets_cmd::build_assets, config::Config, service, tools};
use rollproof_zkvm::ProvingParams;

/// rollproof's prover. Without a subcommand it runs as a service: logs in to the coordinator
/// (one secp256k1 identity per worker, kept in `keys_dir`), asks for tasks of its
/// `supported_proof_types`, proves them with the circuits of `circuits.<fork>.workspace_path`,
/// checks each proof and submits it. A task in flight is kept in `db_path` and resumed after a
/// crash or restart. SIGTERM / Ctrl-C stop the process at once; the task in flight stays in
/// the store and is resumed on the next start.
///
/// At start the assets of forks with a `base_url` are fetched (see `prover assets fetch`).
///
/// `prover handle`, `prover dump` and `prover prove-file` prove or export chosen tasks.
///
/// `prover assets build` writes the per-fork circuit assets (programs, VM configs, verifying
/// keys, manifest.json with sha256 and size) that provers load and coordinators verify with.
#[derive(Debug, Parser)]
#[command(disable_version_flag = true)]
struct Cli {
    /// Print `vX.Y.Z-<git>-<zk version>` (the ZK version of the assets `--config` names) and
    /// exit.
    #[arg(long, short = 'V')]
    version: bool,
    /// The prover's config (reference shape; `PROVER_A__B=value` overrides field a.b).
    #[arg(long, default_value = "conf/config.json", global = true)]
    config: PathBuf,
    /// Seconds between get_task calls while the coordinator has nothing to prove.
    #[arg(long, default_value_t = service::DEFAULT_POLL_INTERVAL.as_secs())]
    poll_interval_sec: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

/// `--version`: the build and the ZK version of the configured assets (from their manifests),
/// or the build alone with the reason when the config or the assets cannot be read.
fn print_version(config: &std::path::Path) {
    let build = rollproof_prover::build_version();
    let zk = Config::load(config)
        .map_err(anyhow::Error::from)
        .and_then(|config| rollproof_prover::circuits::zk_version_of(&config));
    match zk {
        Ok(zk) => println!("{}", rollproof_prover::prover_version(&zk)),
        Err(e) => println!("{build} (no ZK version: {e})"),
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Circuit assets.
    #[command(subcommand)]
    Assets(AssetsCommand),
    /// Prove the tasks a test set names, straight from the coordinator, in order (chunks,
    /// then batches, then bundles): each is asked for by id, proven, checked and submitted,
    /// and must be accepted. Exits non-zero on the first failure, saying why.
    Handle {
        /// `{"chunks": [hash, …], "batches": […], "bundles": […]}`.
        testset: PathBuf,
    },
    /// Write one task's input to files without proving it (to reproduce it offline with
    /// `prove-file`): `<out>/<type>-<id>/task.json` plus, for a chunk, `witness.bin` (or
    /// `witness.json`); for a batch, `witness.json` (header, blob, KZG values) and
    /// `child_proofs.json` (its chunk proofs); for a bundle, `child_proofs.json` (its batch
    /// proofs). The assignment is handed back at once, which costs the task one attempt.
    Dump {
        /// Write a chunk's witness as JSON instead of its binary encoding.
        #[arg(long)]
        json: bool,
        /// `chunk`, `batch` or `bundle`.
        task_type: TaskKind,
        /// The task's hash.
        id: String,
        /// Folder to write into.
        #[arg(long, default_value = "dump")]
        out: PathBuf,
    },
    /// Prove a folder written by `dump` with the configured circuits; the checked proof goes
    /// to `proof.json` in that folder.
    ProveFile {
        /// The dump folder.
        dir: PathBuf,
    },
    /// The bundle's EVM-verifiable proof (built with feature `evm`).
    #[cfg(feature = "evm")]
    #[command(subcommand)]
    Evm(EvmCommand),
}

/// `prover evm`: halo2 SNARKs of bundles for an L1 verifier contract. The KZG SRS
/// (`kzg_bn254_23.srs`) is read from `<workspace_path>/<fork>/bundle/srs/` unless `--srs-dir`
/// says otherwise; key generation and proving need far more than 24 GB of memory.
#[cfg(feature = "evm")]
#[derive(Debug, Subcommand)]
enum EvmCommand {
    /// Prove a bundle dump (`prover dump bundle <id>`) into `evm_proof.json` in that folder.
    Prove {
        /// The bundle dump folder.
        dir: PathBuf,
        /// Folder holding `kzg_bn254_23.srs`.
        #[arg(long)]
        srs_dir: Option<PathBuf>,
        /// Also check the proof in a local EVM against this verifier folder (`evm verifier`).
        #[arg(long)]
        verifier: Option<PathBuf>,
    },
    /// Write the Solidity verifier of a fork's bundle circuit (needs `solc` on PATH).
    Verifier {
        /// The fork whose bundle circuit it verifies.
        #[arg(long)]
        fork: ForkName,
        /// Folder holding `kzg_bn254_23.srs`.
        #[arg(long)]
        srs_dir: Option<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "evm-verifier")]
        out: PathBuf,
    },
}

/// A task type on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TaskKind {
    Chunk,
    Batch,
    Bundle,
}

impl From<TaskKind> for TaskType {
    fn from(kind: TaskKind) -> Self {
        match kind {
            TaskKind::Chunk => TaskType::Chunk,
            TaskKind::Batch => TaskType::Batch,
            TaskKind::Bundle => TaskType::Bundle,
        }
    }
}

/// A multi-threaded runtime for the commands that talk HTTP.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
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
        /// Also build the batch and bundle circuits (bound to this chunk program; about 10
        /// more minutes on 2 cores). Needed to prove or verify batches and bundles.
        #[arg(long)]
        aggregation: bool,
    },
    /// Download the assets of every fork with a `base_url` into its `workspace_path` (what
    /// the service does at start): `<base_url><fork>/manifest.json`, then each file it lists,
    /// checked against its sha256 and size; interrupted transfers resume, corrupt files are
    /// fetched again.
    Fetch,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            // OpenVM logs every AIR of a key generation at info: keep those out by default.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,openvm_stark_backend::keygen=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if cli.version {
        print_version(&cli.config);
        return Ok(());
    }
    match cli.command {
        None => {
            let config = Config::load(&cli.config)?;
            let runtime = runtime()?;
            let poll = Duration::from_secs(cli.poll_interval_sec.max(1));
            let result = runtime.block_on(async {
                tokio::select! {
                    result = service::run_service(config, poll) => result,
                    signal = stop_signal() => {
                        tracing::info!("{signal}: stopping; a task in flight stays in the local store and resumes on restart");
                        Ok(())
                    }
                }
            });
            // A proof in progress runs on a blocking thread that cannot be interrupted: do not
            // wait for it (its task is in the store).
            runtime.shutdown_timeout(Duration::from_secs(1));
            result
        }
        Some(Command::Handle { testset }) => {
            let config = Config::load(&cli.config)?;
            let testset = tools::TestSet::read(&testset)?;
            let handled = runtime()?.block_on(tools::handle(&config, &testset))?;
            for t in &handled {
                println!(
                    "{} {}: proven in {:.1} s, accepted",
                    t.task_type,
                    t.task_id,
                    t.proving.as_secs_f64()
                );
            }
            Ok(())
        }
        Some(Command::Dump {
            json,
            task_type,
            id,
            out,
        }) => {
            let config = Config::load(&cli.config)?;
            let dir =
                runtime()?.block_on(tools::dump(&config, task_type.into(), &id, &out, json))?;
            println!("{}", dir.display());
            Ok(())
        }
        Some(Command::ProveFile { dir }) => {
            let config = Config::load(&cli.config)?;
            let proof = runtime()?.block_on(tools::prove_file(&config, &dir))?;
            println!("{}", proof.display());
            Ok(())
        }
        #[cfg(feature = "evm")]
        Some(Command::Evm(EvmCommand::Prove {
            dir,
            srs_dir,
            verifier,
        })) => {
            let config = Config::load(&cli.config)?;
            let proof = rollproof_prover::evm_cmd::prove(
                &config,
                &dir,
                srs_dir.as_deref(),
                verifier.as_deref(),
            )?;
            println!("{}", proof.display());
            Ok(())
        }
        #[cfg(feature = "evm")]
        Some(Command::Evm(EvmCommand::Verifier { fork, srs_dir, out })) => {
            let config = Config::load(&cli.config)?;
            for file in
                rollproof_prover::evm_cmd::write_verifier(&config, fork, srs_dir.as_deref(), &out)?
            {
                println!("{}", file.display());
            }
            Ok(())
        }
        Some(Command::Assets(AssetsCommand::Fetch)) => {
            let config = Config::load(&cli.config)?;
            let timeout = Duration::from_secs(config.sdk_config.coordinator.connection_timeout_sec);
            runtime()?.block_on(rollproof_prover::download::sync_all(&config, timeout))?;
            println!(
                "{}",
                rollproof_prover::prover_version(&rollproof_prover::circuits::zk_version_of(
                    &config
                )?)
            );
            Ok(())
        }
        Some(Command::Assets(AssetsCommand::Build {
            forks,
            out,
            log_stacked_height,
            aggregation,
        })) => {
            let forks = if forks.is_empty() {
                ForkName::ALL.to_vec()
            } else {
                forks
            };
            let params = ProvingParams::new(log_stacked_height).map_err(anyhow::Error::msg)?;
            for manifest in build_assets(&out, &forks, params, aggregation)? {
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

/// Resolves on SIGTERM or Ctrl-C, naming which.
async fn stop_signal() -> &'static str {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler installs");
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
    }
}

//! `prover`: rollproof's prover binary.

use std::{path::PathBuf, time::Duration};

use clap::{Parser, Subcommand};
use rollproof_primitives::ForkName;
use rollproof_prover::{assets_cmd::build_assets, config::Config, service};
use rollproof_zkvm::ProvingParams;

/// rollproof's prover. Without a subcommand it runs as a service: logs in to the coordinator
/// (one secp256k1 identity per worker, kept in `keys_dir`), asks for tasks of its
/// `supported_proof_types`, proves them with the circuits of `circuits.<fork>.workspace_path`,
/// checks each proof and submits it. A task in flight is kept in `db_path` and resumed after a
/// crash or restart. SIGTERM / Ctrl-C stop the process at once; the task in flight stays in
/// the store and is resumed on the next start.
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
            // OpenVM logs every AIR of a key generation at info: keep those out by default.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,openvm_stark_backend::keygen=warn".into()),
        )
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
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
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
        Some(Command::Assets(AssetsCommand::Build {
            forks,
            out,
            log_stacked_height,
        })) => {
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

/// Resolves on SIGTERM or Ctrl-C, naming which.
async fn stop_signal() -> &'static str {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler installs");
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
    }
}

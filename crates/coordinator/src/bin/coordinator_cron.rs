//! `coordinator_cron`: timeouts, exhausted tasks, readiness and challenge cleanup.

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use rollproof_coordinator::{connect, cron, Config};

/// Times out assignments older than their type's collection time, fails tasks out of attempts,
/// re-checks batch/bundle readiness and deletes old challenges. Safe to run several copies
/// against one PostgreSQL. Config overrides as for coordinator_api (`COORDINATOR_*`). Logs go
/// to stderr, at RUST_LOG's levels (default info).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The JSON config file.
    #[arg(long, env = "COORDINATOR_CONFIG", default_value = "conf/config.json")]
    config: PathBuf,
    /// Seconds between passes.
    #[arg(long, default_value_t = 2)]
    interval_sec: u64,
    /// Run one pass and exit.
    #[arg(long)]
    once: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rollproof_coordinator::init_logging("info,sqlx=warn");
    let args = Args::parse();
    let config = Config::load(&args.config)?;
    let db = connect(&config).await?;
    loop {
        let report = cron::run_once(&db, &config).await?;
        tracing::info!(?report, "cron pass");
        if args.once {
            println!("{report:?}");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(args.interval_sec)).await;
    }
}

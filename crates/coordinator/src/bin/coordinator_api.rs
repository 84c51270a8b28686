//! `coordinator_api`: serves the `/coordinator/v1` API and `/metrics`.

use std::path::PathBuf;

use clap::Parser;
use rollproof_coordinator::{api, app_state, connect, Config};

/// Serves the prover-facing coordinator API (challenge, login, get_task, submit_proof, health)
/// and Prometheus `/metrics`. Config values can be overridden by environment variables
/// `COORDINATOR_<JSON_PATH>` with `__` between levels, e.g. `COORDINATOR_DB__DSN`.
/// Logs go to stderr, at RUST_LOG's levels (default info).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The JSON config file (the reference coordinator's shape).
    #[arg(long, env = "COORDINATOR_CONFIG", default_value = "conf/config.json")]
    config: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "COORDINATOR_LISTEN", default_value = "0.0.0.0:8390")]
    listen: String,
    /// Largest request body accepted, bytes.
    #[arg(long, default_value_t = api::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rollproof_coordinator::init_logging("info,sqlx=warn");
    let args = Args::parse();
    let config = Config::load(&args.config)?;
    let db = connect(&config).await?;
    let state = app_state(config, db)?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    tracing::info!("listening on {}", listener.local_addr()?);
    let app = api::router(state, args.body_limit);
    api::serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

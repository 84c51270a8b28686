//! `rollup_relayer`: follows an L2 node into the database and proposes chunks, batches and
//! bundles for the coordinator to hand out.

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::Parser;
use rollproof_rollup::{relayer::metrics_router, relayer::unix_now, Relayer, RelayerConfig};

/// Ingests L2 blocks with their execution witnesses from `l2_config.endpoint` (any Ethereum
/// JSON-RPC node that serves debug_executionWitness, e.g. `devnet`), validates each block
/// statelessly, stores it, and proposes chunks, batches and bundles under the configured limits
/// (`l2_config.{chunk,batch,bundle}_proposer_config`) as proving tasks in `db_config.dsn`
/// (PostgreSQL or SQLite). Restarts continue from the database. Any config field can be
/// overridden by `ROLLUP_<PATH>` with `__` between JSON levels, e.g.
/// `ROLLUP_L2_CONFIG__ENDPOINT=http://node:8545`. Logs: RUST_LOG (default info).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The JSON config file.
    #[arg(long, env = "ROLLUP_CONFIG", default_value = "conf/config.json")]
    config: PathBuf,
    /// Run one pass (ingest what is confirmed, propose what is due), print a summary and
    /// exit; non-zero exit status when a step failed.
    #[arg(long)]
    once: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let config = RelayerConfig::load(&args.config)?;
    let db = config
        .db_config
        .connect()
        .await
        .with_context(|| format!("db_config.dsn {}", config.db_config.dsn))?;
    let relayer = Relayer::from_config(&config, db)?;
    relayer.check_node().await?;
    if args.once {
        let report = relayer.pass(unix_now()).await;
        let ingest = report.ingest.as_ref();
        println!(
            "head {} stored {} tip {} | chunks {} batches {} bundles {} | errors {}",
            ingest.map_or(0, |i| i.head),
            ingest.map_or(0, |i| i.stored),
            ingest.and_then(|i| i.tip).unwrap_or_default(),
            report.chunks.len(),
            report.batches.len(),
            report.bundles.len(),
            report.errors.len()
        );
        if let Some(e) = report.errors.first() {
            anyhow::bail!("{e}");
        }
        return Ok(());
    }
    if let Some(addr) = &config.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("metrics_listen {addr}"))?;
        let app = metrics_router(Arc::clone(relayer.metrics()));
        tracing::info!(%addr, "serving /metrics and /health");
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    tracing::info!(endpoint = %config.l2_config.endpoint, "relayer started");
    relayer.run(config.poll_interval(), shutdown_signal()).await;
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

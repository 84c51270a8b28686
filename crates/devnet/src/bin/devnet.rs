//! `devnet`: a local Ethereum-equivalent L2 chain with JSON-RPC, for development and tests.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use alloy_primitives::U256;
use anyhow::Context;
use clap::Parser;
use rollproof_devnet::{producer, rpc, Genesis, Node, NodeConfig, TxMix};
use tracing_subscriber::EnvFilter;

/// A local Ethereum-equivalent L2 chain: blocks from a seeded transaction generator and from
/// eth_sendRawTransaction, served over JSON-RPC 2.0 (HTTP) with eth_getProof and
/// debug_executionWitness. Logs one line per block (number, txs, gas, build time, witness
/// size); set RUST_LOG to change the level.
#[derive(Debug, Parser)]
#[command(name = "devnet", version)]
struct Args {
    /// Address the JSON-RPC server listens on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8545", env = "DEVNET_LISTEN")]
    listen: SocketAddr,
    /// genesis.json in geth's shape (config.chainId, galileoBlock/galileoTime,
    /// galileoV2Block/galileoV2Time, alloc, timestamp, gasLimit, baseFeePerGas, coinbase).
    /// Default: the embedded crates/devnet/genesis.example.json.
    #[arg(long, env = "DEVNET_GENESIS")]
    genesis: Option<PathBuf>,
    /// Milliseconds between blocks; 0 makes blocks only on request (evm_mine).
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
    /// Seconds each block's timestamp advances over its parent's. Timestamps are logical
    /// (genesis timestamp + number x step), so runs are reproducible and a galileoV2Block
    /// activation is exactly a time activation.
    #[arg(long, default_value_t = 2)]
    timestamp_step: u64,
    /// Generated transactions per block (fewer when the gas limit is reached; 0 for blocks
    /// with submitted transactions only). The first generated block also deploys the ERC-20
    /// and the storage writer the mix needs.
    #[arg(long, default_value_t = 20)]
    txs_per_block: usize,
    /// Weights of generated kinds: eth (ETH transfers), erc20 (token transfers), storage
    /// (16 storage slots written or cleared per call), create (contract creations).
    #[arg(long, default_value = "eth=4,erc20=4,storage=1,create=1")]
    mix: TxMix,
    /// Seed of the generator's wallets and recipients (same seed, same chain).
    #[arg(long, default_value = rollproof_devnet::node::DEFAULT_SEED)]
    seed: String,
    /// Number of generator wallets (their keys are logged at startup and served by
    /// devnet_wallets).
    #[arg(long, default_value_t = 8)]
    wallets: usize,
    /// Genesis balance in wei for each generator wallet that the genesis alloc lacks.
    #[arg(long, default_value = "1000000000000000000000000")]
    wallet_balance: U256,
    /// Do not add the generator wallets to the genesis alloc.
    #[arg(long)]
    no_fund_wallets: bool,
    /// Keep the chain in this file: loaded (blocks re-executed, head hash checked) when it
    /// exists, written atomically (temporary file + rename).
    #[arg(long, env = "DEVNET_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Write the state file every N blocks (0: only on shutdown). It is also written on
    /// shutdown (Ctrl-C or SIGTERM).
    #[arg(long, default_value_t = 1)]
    persist_every: u64,
    /// Recent blocks whose state is kept for eth_getProof, eth_getBalance and friends.
    #[arg(long, default_value_t = 64)]
    state_history: usize,
    /// Print the effective genesis (wallet funding included) as JSON and exit.
    #[arg(long)]
    print_genesis: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let genesis = match &args.genesis {
        Some(path) => Genesis::load(path)?,
        None => Genesis::devnet_default(),
    };
    let config = NodeConfig {
        genesis,
        timestamp_step: args.timestamp_step,
        seed: args.seed.clone(),
        wallets: args.wallets,
        wallet_balance: (!args.no_fund_wallets).then_some(args.wallet_balance),
        txs_per_block: args.txs_per_block,
        mix: args.mix.clone(),
        token_supply: U256::from(10u128.pow(27)),
        state_history: args.state_history,
        state_file: args.state_file.clone(),
        persist_every: args.persist_every,
    };
    let node = Arc::new(Node::new(config).context("starting the chain")?);
    if args.print_genesis {
        println!("{}", serde_json::to_string_pretty(node.genesis())?);
        return Ok(());
    }
    for (address, secret) in node.wallets() {
        tracing::info!(%address, private_key = %secret, "wallet");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let head = node.read().head_number();
    tracing::info!(
        rpc = %listener.local_addr()?,
        chain_id = node.chain_id(),
        head,
        block_time_ms = args.block_time_ms,
        txs_per_block = args.txs_per_block,
        mix = %args.mix,
        "devnet running"
    );
    let producer = (args.block_time_ms > 0).then(|| {
        tokio::spawn(producer::run(
            Arc::clone(&node),
            Duration::from_millis(args.block_time_ms),
        ))
    });
    let shutdown = async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler installs");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    };
    rpc::serve(listener, Arc::clone(&node), shutdown).await?;
    if let Some(producer) = producer {
        producer.abort();
        producer.await.ok();
    }
    node.persist().context("saving the state file")?;
    Ok(())
}

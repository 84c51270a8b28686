//! Chunk circuit numbers: guest cycles per block and per gas on typical workloads (OpenVM
//! execute mode: the real guest in the real VM, no proof), and with `--prove` the app and
//! aggregated proving time, peak memory, proof size and verification time per chunk size.
//!
//! ```sh
//! cargo bench --workspace --bench chunk --profile dev                 # cycles, ~10 min
//! cargo bench --workspace --bench chunk --profile dev -- --prove 1,8  # + proofs of 1 and 8 transfers
//! ```

use std::time::{Duration, Instant};

use alloy_primitives::U256;
use clap::Parser;
use rollproof_devnet::{BlockSettings, LocalChain, TxGenerator, TxKindGen};
use rollproof_libzkp::{
    testing::{peak_rss_gib, reset_peak_rss},
    ChunkProgram, Verifier,
};
use rollproof_primitives::{ForkName, TaskType};
use rollproof_stateless::{ChainSpec, ChunkInput, ChunkWitness, NativeCrypto};
use rollproof_zkvm::{GuestToolchain, ProvingParams};

/// Chunk guest benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// Transactions per synthetic block.
    #[arg(long, default_value_t = 100)]
    txs: usize,
    /// Fixture sample: one Ethereum test case in N (0: no fixture workload).
    #[arg(long, default_value_t = 200)]
    fixture_sample: u64,
    /// Also prove chunks of this many ETH transfers each (comma-separated, e.g. `1,8`).
    #[arg(long, value_delimiter = ',')]
    prove: Vec<usize>,
    /// log2 of the STARK stacked trace height.
    #[arg(long, default_value_t = 20)]
    log_stacked_height: usize,
    /// `cargo bench` passes this; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

const CHAIN_ID: u64 = 534_351;

/// A chunk of one or two blocks built on a fresh devnet chain: `setup` transactions in block
/// 1 (not measured), then the measured block of `txs`.
fn synthetic(
    fork: ForkName,
    setup: impl FnOnce(&mut TxGenerator) -> Vec<alloy_consensus::TxEnvelope>,
    txs: impl FnOnce(&mut TxGenerator) -> Vec<alloy_consensus::TxEnvelope>,
) -> ChunkWitness {
    let mut generator = TxGenerator::new(CHAIN_ID, b"chunk bench", 16);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    let mut chain = LocalChain::funded(
        spec,
        BlockSettings::default(),
        generator.allocation(U256::from(10u128.pow(26))),
    );
    let setup = setup(&mut generator);
    let first = if setup.is_empty() {
        1
    } else {
        chain.build_block(setup).expect("setup block builds");
        2
    };
    let measured = txs(&mut generator);
    chain.build_block(measured).expect("measured block builds");
    ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input: chain.chunk_input(first..=first),
    }
}

fn transfers(fork: ForkName, kind: TxKindGen, count: usize) -> ChunkWitness {
    synthetic(
        fork,
        |g| {
            // ERC-20 transfers need the token deployed first; the other kinds need nothing.
            if matches!(kind, TxKindGen::Erc20Transfer) {
                vec![g.deploy_erc20(U256::MAX >> 1)]
            } else {
                Vec::new()
            }
        },
        |g| (0..count).map(|_| g.next(kind)).collect(),
    )
}

fn deploys(fork: ForkName, count: usize) -> ChunkWitness {
    synthetic(
        fork,
        |_| Vec::new(),
        |g| {
            (0..count)
                .map(|_| g.deploy_erc20(U256::from(1u64 << 60)))
                .collect()
        },
    )
}

/// One-block chunks from the valid blocks of a sample of the shared Ethereum tests, under
/// whichever of our forks (Cancun or Prague rules) validates them.
fn fixtures(sample: u64) -> Vec<ChunkWitness> {
    let Some(root) = rollproof_ethtests::fixture::default_root() else {
        eprintln!("fixtures: not found (set ROLLPROOF_ETHTESTS); skipped");
        return Vec::new();
    };
    let files = rollproof_ethtests::fixture::discover(&[root]).unwrap_or_default();
    let mut witnesses = Vec::new();
    for block in rollproof_ethtests::bench::fixture_blocks(&files, sample) {
        let Ok(generated) =
            block
                .pre_state
                .generate_witness(&block.chain, &block.ancestors, &block.block, &[])
        else {
            continue;
        };
        let input = ChunkInput {
            blocks: vec![block.block.clone()],
            witness: generated.witness,
            prev_msg_queue_hash: Default::default(),
            withdraw_root_slot: None,
        };
        let found = [ForkName::Galileo, ForkName::GalileoV2]
            .into_iter()
            .map(|fork| ChunkWitness {
                chain_id: block.chain.chain_id,
                fork,
                input: input.clone(),
            })
            .find(|witness| witness.validate(&NativeCrypto).is_ok());
        witnesses.extend(found);
    }
    witnesses
}

struct Row {
    name: String,
    blocks: usize,
    txs: usize,
    gas: u64,
    instructions: u64,
    trace_cells: u64,
    wall: Duration,
}

fn execute(program: &ChunkProgram, name: &str, witnesses: &[ChunkWitness]) -> Row {
    let mut row = Row {
        name: name.to_string(),
        blocks: 0,
        txs: 0,
        gas: 0,
        instructions: 0,
        trace_cells: 0,
        wall: Duration::ZERO,
    };
    for witness in witnesses {
        let started = Instant::now();
        let execution = program
            .execute(witness)
            .unwrap_or_else(|e| panic!("{name}: the guest failed: {e}"));
        row.wall += started.elapsed();
        row.blocks += witness.input.blocks.len();
        row.txs += witness
            .input
            .blocks
            .iter()
            .map(|b| b.body.transactions.len())
            .sum::<usize>();
        row.gas += witness
            .input
            .blocks
            .iter()
            .map(|b| b.header.gas_used)
            .sum::<u64>();
        row.instructions += execution.instructions;
        row.trace_cells += execution.trace_cells;
    }
    row
}

fn print_rows(rows: &[Row]) {
    println!(
        "| workload | blocks | txs | gas | guest instructions | per block | per gas | trace cells | execute |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2} | {} | {:.1} s |",
            row.name,
            row.blocks,
            row.txs,
            row.gas,
            row.instructions,
            row.instructions / row.blocks.max(1) as u64,
            row.instructions as f64 / row.gas.max(1) as f64,
            row.trace_cells,
            row.wall.as_secs_f64()
        );
    }
}

fn prove(program: &ChunkProgram, sizes: &[usize]) {
    let fork = ForkName::Galileo;
    let started = Instant::now();
    let vk = program.verifying_key().expect("keys");
    println!(
        "\nproving keys (app + aggregation): {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let mut verifier = Verifier::default();
    verifier.insert(fork, TaskType::Chunk, vk);
    println!(
        "| ETH transfers | gas | instructions | app proof | app peak RSS | app + aggregation | peak RSS | raw SDK (prove_stark) | overhead | proof bytes | verify |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &count in sizes {
        let witness = transfers(fork, TxKindGen::EthTransfer, count);
        let gas: u64 = witness.input.blocks.iter().map(|b| b.header.gas_used).sum();
        let instructions = program.execute(&witness).expect("executes").instructions;

        reset_peak_rss();
        let started = Instant::now();
        program
            .app()
            .prove(ChunkProgram::input(&witness))
            .expect("app proof");
        let app = started.elapsed();
        let app_rss = peak_rss_gib();

        reset_peak_rss();
        let started = Instant::now();
        let proof = program.prove(&witness, "bench").expect("chunk proof");
        let full = started.elapsed();
        let full_rss = peak_rss_gib();

        let started = Instant::now();
        program
            .app()
            .prove_stark(ChunkProgram::input(&witness))
            .expect("raw proof");
        let raw = started.elapsed();

        let started = Instant::now();
        verifier.verify(fork, &proof).expect("the proof verifies");
        let verify = started.elapsed();
        println!(
            "| {count} | {gas} | {instructions} | {:.0} s | {app_rss:.1} GiB | {:.0} s | {full_rss:.1} GiB | {:.0} s | {:+.1}% | {} | {:.0} ms |",
            app.as_secs_f64(),
            full.as_secs_f64(),
            raw.as_secs_f64(),
            (full.as_secs_f64() / raw.as_secs_f64() - 1.0) * 100.0,
            proof.proof.len(),
            verify.as_secs_f64() * 1000.0
        );
    }
}

fn main() {
    let args = Args::parse();
    let toolchain = GuestToolchain::from_env().expect("guest toolchain (. scripts/env.sh)");
    let params = ProvingParams::new(args.log_stacked_height).expect("log stacked height");
    let started = Instant::now();
    let program = ChunkProgram::build(&toolchain, params).expect("the chunk guest builds");
    println!(
        "chunk guest built in {:.0} s; {} txs per synthetic block",
        started.elapsed().as_secs_f64(),
        args.txs
    );

    let mut rows = Vec::new();
    for fork in [ForkName::Galileo, ForkName::GalileoV2] {
        let eth = transfers(fork, TxKindGen::EthTransfer, args.txs);
        rows.push(execute(&program, &format!("{fork}: ETH transfers"), &[eth]));
        let erc20 = transfers(fork, TxKindGen::Erc20Transfer, args.txs);
        rows.push(execute(
            &program,
            &format!("{fork}: ERC-20 transfers"),
            &[erc20],
        ));
    }
    let deploy = deploys(ForkName::Galileo, (args.txs / 10).max(1));
    rows.push(execute(&program, "galileo: ERC-20 deploys", &[deploy]));
    if args.fixture_sample > 0 {
        let sample = fixtures(args.fixture_sample);
        if !sample.is_empty() {
            let name = format!("Ethereum tests, 1 case in {}", args.fixture_sample);
            rows.push(execute(&program, &name, &sample));
        }
    }
    print_rows(&rows);

    if !args.prove.is_empty() {
        prove(&program, &args.prove);
    }
}

//! Speed of the stateless path against plain execution, on the same blocks in one run:
//!
//! - **plain**: sender recovery + revm execution (alloy-evm's Ethereum block executor) over the
//!   full state in an in-memory revm database, as a full node executes;
//! - **stateless**: decoding the binary chunk witness + sender recovery + trie reveal +
//!   execution from the witness + post-state root: what the chunk guest does;
//! - **witness generation**: executing over the full state while recording, then proving every
//!   touched account and slot.
//!
//! Workloads: synthetic 30M-gas blocks from the devnet generator (ETH transfers, ERC-20
//! transfers) and the valid blocks of a sample of the Ethereum test fixtures.

use std::time::{Duration, Instant};

use alloy_consensus::{transaction::SignerRecoverable, Block, Header, TxEnvelope};
use alloy_primitives::{B256, U256};
use rollproof_devnet::{BlockSettings, LocalChain, TxGenerator, TxKindGen};
use rollproof_primitives::ForkName;
use rollproof_stateless::{
    execute::execute_block, host::HostState, ChainSpec, ChunkInput, ChunkWitness, NativeCrypto,
};

use crate::{
    fixture::load,
    runner::{run_case_with, CaseOutcome},
    suite::in_sample,
};

/// One block to measure, with everything needed to replay it.
pub struct BenchBlock {
    /// The rules.
    pub chain: ChainSpec,
    /// The full state before the block.
    pub pre_state: HostState,
    /// Ancestor headers, oldest first, ending with the parent.
    pub ancestors: Vec<Header>,
    /// The block.
    pub block: Block<TxEnvelope>,
}

/// Best-of-`repeats` times of one block or the sum over a workload's blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// Blocks measured.
    pub blocks: usize,
    /// Transactions in them.
    pub txs: usize,
    /// Gas they used.
    pub gas: u64,
    /// Plain execution over the full in-memory state.
    pub plain: Duration,
    /// Stateless validation from the encoded witness.
    pub stateless: Duration,
    /// Witness generation from the full state.
    pub witness_generation: Duration,
    /// Size of the encoded chunk witnesses (bytes).
    pub witness_bytes: usize,
}

impl Timings {
    fn add(&mut self, other: &Timings) {
        self.blocks += other.blocks;
        self.txs += other.txs;
        self.gas += other.gas;
        self.plain += other.plain;
        self.stateless += other.stateless;
        self.witness_generation += other.witness_generation;
        self.witness_bytes += other.witness_bytes;
    }

    /// Million gas per second at `time`.
    pub fn mgas_per_s(&self, time: Duration) -> f64 {
        self.gas as f64 / 1e6 / time.as_secs_f64().max(1e-9)
    }

    /// Stateless time over plain time.
    pub fn ratio(&self) -> f64 {
        self.stateless.as_secs_f64() / self.plain.as_secs_f64().max(1e-9)
    }
}

/// The fastest of `repeats` runs of `f` (at least one), and its last result.
fn best_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        let value = f();
        best = best.min(started.elapsed());
        result = Some(value);
    }
    (best, result.expect("ran at least once"))
}

/// Measures one block: plain execution, witness generation and stateless validation, each the
/// best of `repeats`. Errors if the block does not execute or validate.
pub fn measure(block: &BenchBlock, repeats: usize) -> Result<Timings, String> {
    let BenchBlock {
        chain,
        pre_state,
        ancestors,
        block,
    } = block;
    let mut plain = Duration::MAX;
    for _ in 0..repeats.max(1) {
        // Loading the state into revm's cache is setup, not execution.
        let db = pre_state.to_revm_db(ancestors);
        let started = Instant::now();
        let transactions = block
            .body
            .transactions
            .iter()
            .map(|tx| tx.clone().try_into_recovered())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("sender recovery: {e}"))?;
        let output = execute_block(
            chain,
            &block.header,
            &transactions,
            &block.body.ommers,
            block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            db,
        )
        .map_err(|e| format!("plain execution: {e}"))?;
        plain = plain.min(started.elapsed());
        if output.0.gas_used != block.header.gas_used {
            return Err(format!(
                "plain execution used {} gas, the header says {}",
                output.0.gas_used, block.header.gas_used
            ));
        }
    }
    let (witness_generation, generated) = best_of(repeats, || {
        pre_state.generate_witness(chain, ancestors, block, &[])
    });
    let generated = generated.map_err(|e| format!("witness generation: {e}"))?;
    let encoded = ChunkWitness {
        chain_id: chain.chain_id,
        // Only carried along: the decode below is timed, validation uses `chain`.
        fork: ForkName::Galileo,
        input: ChunkInput {
            blocks: vec![block.clone()],
            witness: generated.witness,
            prev_msg_queue_hash: B256::ZERO,
            withdraw_root_slot: None,
        },
    }
    .encode();
    let (stateless, info) = best_of(repeats, || {
        let witness = ChunkWitness::decode(&encoded).map_err(|e| e.to_string())?;
        rollproof_stateless::validate_chunk(chain, &witness.input, &NativeCrypto)
            .map_err(|e| e.to_string())
    });
    let info = info.map_err(|e| format!("stateless validation: {e}"))?;
    if info.post_state_root != block.header.state_root {
        return Err("stateless post-state root differs from the header".into());
    }
    Ok(Timings {
        blocks: 1,
        txs: block.body.transactions.len(),
        gas: block.header.gas_used,
        plain,
        stateless,
        witness_generation,
        witness_bytes: encoded.len(),
    })
}

/// Measures every block of a workload and sums the timings.
pub fn measure_all(blocks: &[BenchBlock], repeats: usize) -> Result<Timings, String> {
    let mut total = Timings::default();
    for block in blocks {
        total.add(&measure(block, repeats)?);
    }
    Ok(total)
}

/// A synthetic block of `kind` transfers filling `gas` (the ERC-20 token is deployed in the
/// block before), on `fork`.
pub fn synthetic_block(fork: ForkName, kind: TxKindGen, gas: u64) -> Result<BenchBlock, String> {
    const CHAIN_ID: u64 = 534_351;
    let mut generator = TxGenerator::new(CHAIN_ID, b"ethtests bench", 16);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    let settings = BlockSettings {
        gas_limit: gas.max(30_000_000),
        ..BlockSettings::default()
    };
    let mut chain = LocalChain::funded(
        spec.clone(),
        settings,
        generator.allocation(U256::from(10u128.pow(26))),
    );
    chain
        .build_block(vec![generator.deploy_erc20(U256::MAX >> 1)])
        .map_err(|e| e.to_string())?;
    let pre_state = chain.state.clone();
    let ancestors = chain.headers.clone();
    let block = chain
        .build_block(generator.fill(kind, gas))
        .map_err(|e| e.to_string())?
        .clone();
    Ok(BenchBlock {
        chain: spec,
        pre_state,
        ancestors,
        block,
    })
}

/// Fixture blocks using more gas than this are left out of the fixture workload: they are
/// out-of-gas stress cases (a transaction with a 2^53 gas limit burning it all in one step)
/// whose gas says nothing about speed.
pub const FIXTURE_GAS_CAP: u64 = 100_000_000;

/// The valid blocks of the sampled cases (one in `sample`) of `files`, from cases that pass,
/// up to [`FIXTURE_GAS_CAP`] gas each.
pub fn fixture_blocks(files: &[std::path::PathBuf], sample: u64) -> Vec<BenchBlock> {
    let mut blocks = Vec::new();
    for file in files {
        let Ok(cases) = load(file) else { continue };
        for (name, case) in &cases {
            if !in_sample(file, name, sample) {
                continue;
            }
            let mut case_blocks = Vec::new();
            let outcome = run_case_with(case, &mut |imported| {
                case_blocks.push(BenchBlock {
                    chain: imported.chain.clone(),
                    pre_state: imported.pre_state.clone(),
                    ancestors: imported.ancestors.to_vec(),
                    block: imported.block.clone(),
                })
            });
            if matches!(outcome, CaseOutcome::Passed { .. }) {
                blocks.extend(
                    case_blocks
                        .into_iter()
                        .filter(|b| b.block.header.gas_used <= FIXTURE_GAS_CAP),
                );
            }
        }
    }
    blocks
}

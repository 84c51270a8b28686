//! Fixed sample chunks for tests across crates. The suite proves one real chunk and caches the
//! proof by witness bytes, so every crate that needs a real proof must ask for the very same
//! chunk: this one.

use alloy_primitives::{B256, U256};
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChainSpec, ChunkWitness};

use crate::{genesis_state, BlockSettings, LocalChain, TxGenerator, TxKindGen};

/// Chain id of the sample chunks.
pub const SAMPLE_CHAIN_ID: u64 = 534_351;

/// The sample chain behind [`one_transfer_chunk`]: genesis plus block 1 with one ETH transfer.
pub fn one_transfer_chain() -> LocalChain {
    let mut generator = TxGenerator::new(SAMPLE_CHAIN_ID, b"chunk proof", 1);
    let spec = ChainSpec::from_fork(SAMPLE_CHAIN_ID, ForkName::Galileo);
    let settings = BlockSettings::default();
    let state = genesis_state(
        &spec,
        settings.genesis_timestamp,
        generator.allocation(U256::from(10u128.pow(20))),
    );
    let mut chain = LocalChain::new(spec, settings, state);
    chain
        .build_block(vec![generator.next(TxKindGen::EthTransfer)])
        .expect("the sample block is valid");
    chain
}

/// The suite's real-proof chunk: block 1 of [`one_transfer_chain`] (one ETH transfer,
/// galileo), message-queue hash before it `0x4242…42`.
pub fn one_transfer_chunk() -> ChunkWitness {
    let chain = one_transfer_chain();
    let mut input = chain.chunk_input(1..=1);
    input.prev_msg_queue_hash = B256::repeat_byte(0x42);
    ChunkWitness {
        chain_id: SAMPLE_CHAIN_ID,
        fork: ForkName::Galileo,
        input,
    }
}

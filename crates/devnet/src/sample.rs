//! Fixed sample chunks for tests across crates. The suite proves one real chunk and caches the
//! proof by witness bytes, so every crate that needs a real proof must ask for the very same
//! chunk: this one.

use alloy_primitives::{B256, U256};
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChainSpec, ChunkWitness};

use crate::{BlockSettings, LocalChain, TxGenerator, TxKindGen};

/// Chain id of the sample chunks.
pub const SAMPLE_CHAIN_ID: u64 = 534_351;

/// The sample chain behind [`sample_chunk`]: genesis plus block 1 with an ERC-20 deploy, two
/// ETH transfers and two ERC-20 transfers (contract calls), all from one wallet.
pub fn sample_chain() -> LocalChain {
    let mut generator = TxGenerator::new(SAMPLE_CHAIN_ID, b"chunk proof", 1);
    let spec = ChainSpec::from_fork(SAMPLE_CHAIN_ID, ForkName::Galileo);
    let mut chain = LocalChain::funded(
        spec,
        BlockSettings::default(),
        generator.allocation(U256::from(10u128.pow(20))),
    );
    let txs = vec![
        generator.deploy_erc20(U256::from(10u64.pow(18))),
        generator.next(TxKindGen::EthTransfer),
        generator.next(TxKindGen::EthTransfer),
        generator.next(TxKindGen::Erc20Transfer),
        generator.next(TxKindGen::Erc20Transfer),
    ];
    chain.build_block(txs).expect("the sample block is valid");
    chain
}

/// The suite's real-proof chunk: block 1 of [`sample_chain`] (galileo), message-queue hash
/// before it `0x4242…42`.
pub fn sample_chunk() -> ChunkWitness {
    let chain = sample_chain();
    let mut input = chain.chunk_input(1..=1);
    input.prev_msg_queue_hash = B256::repeat_byte(0x42);
    ChunkWitness {
        chain_id: SAMPLE_CHAIN_ID,
        fork: ForkName::Galileo,
        input,
    }
}

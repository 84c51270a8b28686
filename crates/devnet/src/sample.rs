//! Fixed sample chunks for tests across crates. The suite proves one real chunk and caches the
//! proof by witness bytes, so every crate that needs a real proof must ask for the very same
//! chunk: this one.

use alloy_eips::Encodable2718;
use alloy_primitives::{B256, U256};
use rollproof_primitives::ForkName;
use rollproof_stateless::{ChainSpec, ChunkWitness};
use serde_json::json;

use crate::{BlockSettings, Genesis, LocalChain, Node, NodeConfig, TxGenerator, TxKindGen};

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

/// Wallets of [`token_chain`]'s generator.
const TOKEN_WALLETS: usize = 3;

/// What each of [`token_chain`]'s wallets holds at genesis.
fn token_balance() -> U256 {
    U256::from(10u128.pow(24))
}

/// A devnet node that produces [`token_chain`]'s blocks (same arguments): its genesis has
/// chain `chain_id`, `fork` active from block 0, [`BlockSettings::default`] and the token
/// chain's wallets funded; each block's transactions are submitted to its pool before the block
/// is produced. Serve it (e.g. [`LocalRpc`](crate::rpc::LocalRpc)) to follow the chain over
/// JSON-RPC as a relayer does.
pub fn token_node(chain_id: u64, fork: ForkName, seed: &[u8], n: usize, blocks: usize) -> Node {
    let chain = token_chain(chain_id, fork, seed, n, blocks);
    let settings = BlockSettings::default();
    let mut config = json!({"chainId": chain_id, "galileoBlock": 0});
    if fork == ForkName::GalileoV2 {
        config["galileoV2Block"] = json!(0);
    }
    let mut genesis = Genesis {
        config: serde_json::from_value(config).expect("an object"),
        timestamp: settings.genesis_timestamp,
        gas_limit: settings.gas_limit,
        base_fee_per_gas: settings.genesis_base_fee,
        coinbase: settings.coinbase,
        alloc: Default::default(),
    };
    let wallets = TxGenerator::new(chain_id, seed, TOKEN_WALLETS);
    genesis.fund(wallets.wallets.iter().map(|w| w.address), token_balance());
    let node = Node::new(NodeConfig {
        genesis,
        timestamp_step: settings.block_time,
        wallet_balance: None,
        txs_per_block: 0,
        state_file: None,
        ..NodeConfig::default()
    })
    .expect("the token node's genesis is valid");
    for block in &chain.blocks {
        for tx in &block.body.transactions {
            node.send_raw_transaction(&tx.encoded_2718())
                .expect("the token chain's transactions are valid");
        }
        node.produce_block()
            .expect("the token chain's blocks are valid");
    }
    node
}

/// A funded chain of `fork` (wallets from `seed`) with up to three blocks of `n` transactions
/// each kind: 1 = an ERC-20 deploy and `n` ETH transfers, 2 = `n` ERC-20 transfers, 3 = `n` ETH
/// transfers; the first `blocks` (1 to 3) are built.
pub fn token_chain(
    chain_id: u64,
    fork: ForkName,
    seed: &[u8],
    n: usize,
    blocks: usize,
) -> LocalChain {
    let mut generator = TxGenerator::new(chain_id, seed, TOKEN_WALLETS);
    let spec = ChainSpec::from_fork(chain_id, fork);
    let mut chain = LocalChain::funded(
        spec,
        BlockSettings::default(),
        generator.allocation(token_balance()),
    );
    let kinds = [
        TxKindGen::EthTransfer,
        TxKindGen::Erc20Transfer,
        TxKindGen::EthTransfer,
    ];
    for (number, kind) in (1..).zip(kinds).take(blocks.clamp(1, 3)) {
        let mut txs = Vec::new();
        if number == 1 {
            txs.push(generator.deploy_erc20(U256::from(10u64.pow(18))));
        }
        txs.extend((0..n).map(|_| generator.next(kind)));
        chain
            .build_block(txs)
            .expect("the token chain's blocks are valid");
    }
    chain
}

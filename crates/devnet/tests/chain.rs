//! The devnet chain builds blocks that validate statelessly, and its ERC-20 behaves like one.

use alloy_consensus::Transaction;
use alloy_primitives::{Address, TxKind, U256};
use rollproof_devnet::{
    erc20::{balance_slot, transfer_calldata},
    BlockSettings, LocalChain, TxGenerator, TxKindGen, TxMix,
};
use rollproof_primitives::ForkName;
use rollproof_stateless::{validate_chunk, ChainSpec, NativeCrypto};

const CHAIN_ID: u64 = 534_351;

fn chain_on(fork: ForkName) -> (LocalChain, TxGenerator) {
    let generator = TxGenerator::new(CHAIN_ID, b"devnet test", 4);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    (
        LocalChain::funded(
            spec,
            BlockSettings::default(),
            generator.allocation(U256::from(10u128.pow(24))),
        ),
        generator,
    )
}

fn token_balance(chain: &LocalChain, token: Address, owner: Address) -> U256 {
    chain.state.accounts[&token]
        .storage
        .get(&balance_slot(owner))
        .copied()
        .unwrap_or_default()
}

#[test]
fn erc20_and_eth_blocks_validate_statelessly_on_both_forks() {
    for fork in [ForkName::Galileo, ForkName::GalileoV2] {
        let (mut chain, mut generator) = chain_on(fork);
        let supply = U256::from(10u64.pow(18));
        let deploy = generator.deploy_erc20(supply);
        chain.build_block(vec![deploy]).unwrap();
        let token = generator.token.unwrap();
        let holder = generator.wallets[0].address;
        assert_eq!(token_balance(&chain, token, holder), supply);

        let transfers = generator.fill(TxKindGen::Erc20Transfer, 2_000_000);
        let count = transfers.len() as u64;
        let block = chain.build_block(transfers).unwrap();
        // ~50.7k each: a new balance slot, a changed one, a log; calldata varies slightly.
        let per_tx = block.header.gas_used / count;
        assert!(
            (50_000..=TxKindGen::Erc20Transfer.gas_used()).contains(&per_tx),
            "ERC20_TRANSFER_GAS bounds one generated transfer: {per_tx}"
        );
        assert_eq!(
            token_balance(&chain, token, holder),
            supply - U256::from(1_000 * count)
        );

        let payments = generator.fill(TxKindGen::EthTransfer, 1_000_000);
        let count = payments.len() as u64;
        assert_eq!(
            chain.build_block(payments).unwrap().header.gas_used,
            count * 21_000
        );

        let input = chain.chunk_input(1..=3);
        let info = validate_chunk(&chain.spec, &input, &NativeCrypto).unwrap();
        assert_eq!(info.post_state_root, chain.head().state_root);
        assert_eq!(info.prev_state_root, chain.headers[0].state_root);
    }
}

#[test]
fn an_erc20_transfer_beyond_the_balance_reverts_and_changes_no_balance() {
    let (mut chain, mut generator) = chain_on(ForkName::Galileo);
    chain
        .build_block(vec![generator.deploy_erc20(U256::from(500u64))])
        .unwrap();
    let token = generator.token.unwrap();
    let holder = generator.wallets[0].address;
    let to = generator.fresh_recipient();
    let tx = generator.wallets[0].sign(
        CHAIN_ID,
        TxKind::Call(token),
        U256::ZERO,
        transfer_calldata(to, U256::from(501u64)),
        100_000,
        Default::default(),
    );
    chain.build_block(vec![tx]).unwrap();
    assert_eq!(token_balance(&chain, token, holder), U256::from(500u64));
    assert_eq!(token_balance(&chain, token, to), U256::ZERO);
}

#[test]
fn an_invalid_transaction_is_an_error_and_leaves_the_chain_unchanged() {
    let (mut chain, mut generator) = chain_on(ForkName::Galileo);
    let tx = generator.next(TxKindGen::EthTransfer);
    // The same sender and nonce again: the second one is invalid.
    generator.wallets[0].nonce = 0;
    let replay = generator.wallets[0].sign(
        CHAIN_ID,
        TxKind::Call(Address::repeat_byte(1)),
        U256::from(1u64),
        Default::default(),
        21_000,
        Default::default(),
    );
    assert!(chain.build_block(vec![tx, replay]).is_err());
    assert_eq!(chain.blocks.len(), 0);
    assert_eq!(chain.headers.len(), 1);
}

#[test]
fn storage_calls_and_creations_stay_within_their_gas_bounds_and_validate() {
    for fork in [ForkName::Galileo, ForkName::GalileoV2] {
        let (mut chain, mut generator) = chain_on(fork);
        chain
            .build_block(vec![generator.deploy_storage_writer()])
            .unwrap();
        let writer = generator.storage_writer.unwrap();
        // Eight calls: six write fresh batches, two clear the oldest ones.
        for kind in [TxKindGen::StorageCall, TxKindGen::ContractCreation] {
            let txs: Vec<_> = (0..8).map(|_| generator.next(kind)).collect();
            let number = chain.build_block(txs).unwrap().header.number;
            let receipts = &chain.receipts[number as usize - 1];
            let mut previous = 0;
            for receipt in receipts {
                assert!(receipt.status(), "{kind} succeeds");
                let used = receipt.cumulative_gas_used() - previous;
                previous = receipt.cumulative_gas_used();
                assert!(
                    used <= kind.gas_used() && used > 30_000,
                    "{kind} used {used}, bound {}",
                    kind.gas_used()
                );
            }
        }
        let slots = &chain.state.accounts[&writer].storage;
        let per_call = rollproof_devnet::contracts::SLOTS_PER_CALL as usize;
        assert_eq!(slots.len(), (6 - 2) * per_call, "written minus cleared");
        let creations = &chain.blocks[2].body.transactions;
        let created: Vec<bool> = creations.iter().map(|tx| tx.to().is_none()).collect();
        assert_eq!(created, vec![true; 8]);
        let input = chain.chunk_input(1..=3);
        let info = validate_chunk(&chain.spec, &input, &NativeCrypto).unwrap();
        assert_eq!(info.post_state_root, chain.head().state_root);
    }
}

#[test]
fn a_mix_parses_draws_every_kind_and_refuses_nonsense() {
    let mix: TxMix = "eth=4, erc20=4,storage=1,create=1".parse().unwrap();
    assert_eq!(mix, TxMix::default());
    assert_eq!(mix.to_string(), "eth=4,erc20=4,storage=1,create=1");
    assert!("eth=0".parse::<TxMix>().is_err());
    assert!("gold=1".parse::<TxMix>().is_err());
    assert!("eth".parse::<TxMix>().is_err());
    let mut generator = TxGenerator::new(CHAIN_ID, b"mix", 2);
    let draws: Vec<TxKindGen> = (0..200).map(|_| generator.draw(&mix)).collect();
    for kind in TxKindGen::ALL {
        assert!(draws.contains(&kind), "{kind} drawn");
    }
    let eth = draws
        .iter()
        .filter(|k| **k == TxKindGen::EthTransfer)
        .count();
    assert!(
        (50..=110).contains(&eth),
        "eth drawn {eth} of 200 at weight 4/10"
    );
    // The same seed draws the same sequence.
    let mut again = TxGenerator::new(CHAIN_ID, b"mix", 2);
    assert_eq!(
        draws,
        (0..200).map(|_| again.draw(&mix)).collect::<Vec<_>>()
    );
}

#[test]
fn the_token_node_produces_the_token_chains_blocks() {
    for fork in [ForkName::Galileo, ForkName::GalileoV2] {
        let chain = rollproof_devnet::sample::token_chain(CHAIN_ID, fork, b"token node", 2, 3);
        let node = rollproof_devnet::sample::token_node(CHAIN_ID, fork, b"token node", 2, 3);
        let view = node.read();
        assert_eq!(view.head_number(), 3);
        for (number, expected) in (1..).zip(&chain.blocks) {
            let block = view.block(number).unwrap();
            assert_eq!(
                block.body.transactions, expected.body.transactions,
                "{fork} block {number}"
            );
            assert_eq!(
                block.header.state_root, expected.header.state_root,
                "{fork} block {number}"
            );
        }
        assert_eq!(node.genesis().fork_at(1, 2).unwrap(), fork);
    }
}

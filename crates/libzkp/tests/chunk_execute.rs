//! The chunk guest in OpenVM's execute mode (real guest, real VM, no proof) on devnet chunks:
//! it reveals exactly the public-input hash native stateless validation computes, and a wrong
//! witness makes execution fail instead of revealing anything.

use std::sync::OnceLock;

use alloy_primitives::{keccak256, B256, U256};
use rollproof_devnet::{genesis_state, BlockSettings, LocalChain, TxGenerator, TxKindGen};
use rollproof_libzkp::{ChunkProgram, Error};
use rollproof_primitives::{Domain, ForkName, PiVersion, PublicInputs};
use rollproof_stateless::{ChainSpec, ChunkWitness, NativeCrypto};
use rollproof_zkvm::{GuestToolchain, ProvingParams};

const CHAIN_ID: u64 = 534_351;

fn program() -> &'static ChunkProgram {
    static PROGRAM: OnceLock<ChunkProgram> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let toolchain = GuestToolchain::from_env().expect("guest toolchain (scripts/env.sh)");
        ChunkProgram::build(&toolchain, ProvingParams::default()).expect("chunk guest builds")
    })
}

/// Blocks: 1 = ERC-20 deploy + ETH transfers, 2 = ERC-20 transfers.
fn devnet_witness(fork: ForkName) -> (ChunkWitness, B256) {
    let mut generator = TxGenerator::new(CHAIN_ID, b"chunk guest", 3);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    let settings = BlockSettings::default();
    let state = genesis_state(
        &spec,
        settings.genesis_timestamp,
        generator.allocation(U256::from(10u128.pow(24))),
    );
    let mut chain = LocalChain::new(spec, settings, state);
    let mut first = vec![generator.deploy_erc20(U256::from(10u64.pow(18)))];
    first.extend((0..3).map(|_| generator.next(TxKindGen::EthTransfer)));
    chain.build_block(first).unwrap();
    let transfers = (0..3)
        .map(|_| generator.next(TxKindGen::Erc20Transfer))
        .collect();
    chain.build_block(transfers).unwrap();
    let mut input = chain.chunk_input(1..=2);
    input.prev_msg_queue_hash = B256::repeat_byte(0x42);
    let witness = ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input,
    };
    (witness, chain.headers[0].state_root)
}

#[test]
fn guest_reveals_the_native_pi_hash_and_rejects_a_wrong_witness() {
    for fork in [ForkName::Galileo, ForkName::GalileoV2] {
        let (witness, pre_state_root) = devnet_witness(fork);
        let info = witness.validate(&NativeCrypto).unwrap();
        let expected = info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte());
        let execution = program().execute(&witness).unwrap();
        assert_eq!(execution.pi_hash, expected, "{fork}");
        let gas: u64 = witness.input.blocks.iter().map(|b| b.header.gas_used).sum();
        eprintln!(
            "{fork}: {} instructions for {gas} gas ({:.1} per gas)",
            execution.instructions,
            execution.instructions as f64 / gas as f64
        );

        // A wrong witness fails natively and inside the guest alike: a block claiming one more
        // gas than it used, and a witness without the pre-state root node.
        let mut wrong_gas = witness.clone();
        wrong_gas.input.blocks[1].header.gas_used += 1;
        let mut no_root = witness.clone();
        no_root
            .input
            .witness
            .state
            .retain(|node| keccak256(node) != pre_state_root);
        assert_eq!(
            no_root.input.witness.state.len() + 1,
            witness.input.witness.state.len()
        );
        for broken in [wrong_gas, no_root] {
            assert!(broken.validate(&NativeCrypto).is_err());
            assert!(matches!(program().execute(&broken), Err(Error::Zkvm(_))));
        }
    }
}

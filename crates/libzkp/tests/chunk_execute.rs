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

#[test]
fn chunk_tasks_carry_the_witness_and_expected_pi_hash() {
    use rollproof_libzkp::{chunk_task, UniversalTask};

    let (witness, _) = devnet_witness(ForkName::GalileoV2);
    let built = chunk_task(&witness, b"vk bytes").unwrap();
    assert_eq!(built.task.identifier, "1-2");
    assert_eq!(built.task.fork_name, ForkName::GalileoV2);
    assert_eq!(built.expected_pi_hash, built.metadata.pi_hash());
    let json = serde_json::to_string(&built.task).unwrap();
    let parsed: UniversalTask = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, built.task);
    assert_eq!(parsed.chunk_witness().unwrap().encode(), witness.encode());

    // A task whose witness is for another fork, or with no witness, is refused.
    let mut wrong_fork = parsed.clone();
    wrong_fork.fork_name = ForkName::Galileo;
    assert!(matches!(wrong_fork.chunk_witness(), Err(Error::Task(_))));
    let mut empty = parsed;
    empty.serialized_witness.clear();
    assert!(matches!(empty.chunk_witness(), Err(Error::Task(_))));
    // A chunk that does not validate never becomes a task.
    let mut broken = witness;
    broken.input.blocks[0].header.gas_used += 1;
    assert!(matches!(
        chunk_task(&broken, b"vk"),
        Err(Error::Validation(_))
    ));
}

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

/// A contract that passes its 128-byte calldata to ecrecover (0x01) and to sha256 (0x02) and
/// stores the results in slots 0 and 1.
fn precompile_caller() -> Vec<u8> {
    use rollproof_devnet::asm::{assemble, deployer, push_u64, Item};
    const MLOAD: u8 = 0x51;
    const CALLDATASIZE: u8 = 0x36;
    const CALLDATACOPY: u8 = 0x37;
    const GAS: u8 = 0x5a;
    const STATICCALL: u8 = 0xfa;
    const POP: u8 = 0x50;
    const SSTORE: u8 = 0x55;
    let call_and_store = |precompile: u64, out: u64, slot: u64| {
        vec![
            // STATICCALL(gas, precompile, in 0, in calldatasize, out, 32); result -> slot.
            push_u64(32),
            push_u64(out),
            Item::Op(CALLDATASIZE),
            push_u64(0),
            push_u64(precompile),
            Item::Op(GAS),
            Item::Op(STATICCALL),
            Item::Op(POP),
            push_u64(out),
            Item::Op(MLOAD),
            push_u64(slot),
            Item::Op(SSTORE),
        ]
    };
    let mut runtime = vec![
        Item::Op(CALLDATASIZE),
        push_u64(0),
        push_u64(0),
        Item::Op(CALLDATACOPY),
    ];
    runtime.extend(call_and_store(1, 0x100, 0));
    runtime.extend(call_and_store(2, 0x120, 1));
    runtime.push(Item::Op(0x00));
    deployer(&[], &assemble(&runtime))
}

/// The guest's ecrecover and sha256 precompiles (on the VM extensions) agree with revm's
/// native ones: a low-s and a high-s signature recover the signer, a signature with r = 0
/// recovers nothing, and the stored results and state root match native execution.
#[test]
fn precompiles_on_the_extensions_match_native_execution() {
    use alloy_consensus::crypto::secp256k1::sign_message;
    use alloy_primitives::{Address, TxKind};
    use rollproof_devnet::wallet::Fees;

    let order: U256 = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"
        .parse()
        .unwrap();
    let fork = ForkName::Galileo;
    let mut generator = TxGenerator::new(CHAIN_ID, b"precompiles", 2);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    let settings = BlockSettings::default();
    let state = genesis_state(
        &spec,
        settings.genesis_timestamp,
        generator.allocation(U256::from(10u128.pow(24))),
    );
    let mut chain = LocalChain::new(spec, settings, state);
    let deployer_wallet = &mut generator.wallets[1];
    let contract = deployer_wallet.address.create(deployer_wallet.nonce);
    let deploy = deployer_wallet.sign(
        CHAIN_ID,
        TxKind::Create,
        U256::ZERO,
        precompile_caller().into(),
        200_000,
        Fees::default(),
    );
    chain.build_block(vec![deploy]).unwrap();

    let secret = B256::repeat_byte(0x17);
    let signer = alloy_consensus::crypto::secp256k1::public_key_to_address(
        *k256::ecdsa::SigningKey::from_slice(secret.as_slice())
            .unwrap()
            .verifying_key(),
    );
    let digest = keccak256(b"rollproof precompile test");
    let signature = sign_message(secret, digest).unwrap();
    let calldata = |v: bool, r: U256, s: U256| {
        let mut data = digest.to_vec();
        data.extend(U256::from(27 + u64::from(v)).to_be_bytes::<32>());
        data.extend(r.to_be_bytes::<32>());
        data.extend(s.to_be_bytes::<32>());
        data
    };
    let cases = [
        (
            calldata(signature.v(), signature.r(), signature.s()),
            Some(signer),
        ),
        // The same signature with s' = n - s and the other parity: valid for the precompile.
        (
            calldata(!signature.v(), signature.r(), order - signature.s()),
            Some(signer),
        ),
        (calldata(signature.v(), U256::ZERO, signature.s()), None),
    ];
    for (data, recovered) in cases {
        let call = generator.wallets[0].sign(
            CHAIN_ID,
            TxKind::Call(contract),
            U256::ZERO,
            data.clone().into(),
            200_000,
            Fees::default(),
        );
        chain.build_block(vec![call]).unwrap();
        let storage = &chain.state.accounts[&contract].storage;
        let slot = |i: u64| storage.get(&U256::from(i)).copied().unwrap_or_default();
        let stored = Address::from_word(B256::from(slot(0)));
        // A failed recovery returns nothing and leaves the previous value in place.
        if let Some(address) = recovered {
            assert_eq!(stored, address);
        }
        use sha2::Digest;
        assert_eq!(
            B256::from(slot(1)).0,
            <[u8; 32]>::from(sha2::Sha256::digest(&data))
        );
    }
    let mut input = chain.chunk_input(1..=4);
    input.prev_msg_queue_hash = B256::repeat_byte(0x42);
    let witness = ChunkWitness {
        chain_id: CHAIN_ID,
        fork,
        input,
    };
    let info = witness.validate(&NativeCrypto).unwrap();
    let expected = info.pi_hash(PiVersion::new(fork, Domain::Rollup).byte());
    let execution = program().execute(&witness).unwrap();
    assert_eq!(execution.pi_hash, expected);
}

//! The chunk guest in OpenVM's execute mode (real guest, real VM, no proof) on devnet chunks:
//! it reveals exactly the public-input hash native stateless validation computes, and a wrong
//! witness makes execution fail instead of revealing anything.

use std::sync::OnceLock;

use alloy_primitives::{keccak256, B256, U256};
use rollproof_devnet::{BlockSettings, LocalChain, TxGenerator};
use rollproof_libzkp::{ChunkProgram, Error, ProofMetadata};
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
    let chain = rollproof_devnet::sample::token_chain(CHAIN_ID, fork, b"chunk guest", 3, 2);
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

/// A chain with a funded generator and `code` deployed as block 1; returns the contract.
fn chain_with_contract(seed: &[u8], fork: ForkName, code: Vec<u8>) -> PrecompileChain {
    use alloy_primitives::TxKind;
    use rollproof_devnet::wallet::Fees;

    let mut generator = TxGenerator::new(CHAIN_ID, seed, 2);
    let spec = ChainSpec::from_fork(CHAIN_ID, fork);
    let mut chain = LocalChain::funded(
        spec,
        BlockSettings::default(),
        generator.allocation(U256::from(10u128.pow(24))),
    );
    let deployer_wallet = &mut generator.wallets[1];
    let contract = deployer_wallet.address.create(deployer_wallet.nonce);
    let deploy = deployer_wallet.sign(
        CHAIN_ID,
        TxKind::Create,
        U256::ZERO,
        code.into(),
        200_000,
        Fees::default(),
    );
    chain.build_block(vec![deploy]).unwrap();
    PrecompileChain {
        chain,
        generator,
        contract,
        fork,
    }
}

/// A devnet chain with a precompile-calling contract, one call per block.
struct PrecompileChain {
    chain: LocalChain,
    generator: TxGenerator,
    contract: alloy_primitives::Address,
    fork: ForkName,
}

impl PrecompileChain {
    /// Calls the contract with `data` in a block of its own; returns its storage slots 0..3.
    fn call(&mut self, data: Vec<u8>) -> [U256; 3] {
        use alloy_primitives::TxKind;
        use rollproof_devnet::wallet::Fees;

        let call = self.generator.wallets[0].sign(
            CHAIN_ID,
            TxKind::Call(self.contract),
            U256::ZERO,
            data.into(),
            1_000_000,
            Fees::default(),
        );
        self.chain.build_block(vec![call]).unwrap();
        let storage = &self.chain.state.accounts[&self.contract].storage;
        [0u64, 1, 2].map(|i| storage.get(&U256::from(i)).copied().unwrap_or_default())
    }

    /// The guest, run on every block built so far, reveals native validation's pi hash.
    fn assert_guest_matches_native(&self) {
        let last = self.chain.headers.len() as u64 - 1;
        let mut input = self.chain.chunk_input(1..=last);
        input.prev_msg_queue_hash = B256::repeat_byte(0x42);
        let witness = ChunkWitness {
            chain_id: CHAIN_ID,
            fork: self.fork,
            input,
        };
        let info = witness.validate(&NativeCrypto).unwrap();
        let expected = info.pi_hash(PiVersion::new(self.fork, Domain::Rollup).byte());
        let execution = program().execute(&witness).unwrap();
        assert_eq!(execution.pi_hash, expected);
        let gas: u64 = witness.input.blocks.iter().map(|b| b.header.gas_used).sum();
        eprintln!(
            "{} blocks: {} instructions for {gas} gas",
            witness.input.blocks.len(),
            execution.instructions
        );
    }
}

/// A contract that passes its 128-byte calldata to ecrecover (0x01) and to sha256 (0x02) and
/// stores the results in slots 0 and 1.
fn ecrecover_sha256_caller() -> Vec<u8> {
    use rollproof_devnet::asm::{assemble, deployer, op, push_u64, Item};
    let call_and_store = |precompile: u64, out: u64, slot: u64| {
        vec![
            // STATICCALL(gas, precompile, in 0, in calldatasize, out, 32); result -> slot.
            push_u64(32),
            push_u64(out),
            Item::Op(op::CALLDATASIZE),
            push_u64(0),
            push_u64(precompile),
            Item::Op(op::GAS),
            Item::Op(op::STATICCALL),
            Item::Op(op::POP),
            push_u64(out),
            Item::Op(op::MLOAD),
            push_u64(slot),
            Item::Op(op::SSTORE),
        ]
    };
    let mut runtime = vec![
        Item::Op(op::CALLDATASIZE),
        push_u64(0),
        push_u64(0),
        Item::Op(op::CALLDATACOPY),
    ];
    runtime.extend(call_and_store(1, 0x100, 0));
    runtime.extend(call_and_store(2, 0x120, 1));
    runtime.push(Item::Op(op::STOP));
    deployer(&[], &assemble(&runtime))
}

/// A contract that calls the precompile whose address is calldata's first word with the rest
/// of calldata (giving it 300,000 gas), and stores whether the call succeeded in slot 0 and the
/// first two words of its output in slots 1 and 2 (zero when it failed).
fn precompile_proxy() -> Vec<u8> {
    use rollproof_devnet::asm::{assemble, deployer, op, push_u64, Item};
    let input_len = [push_u64(32), Item::Op(op::CALLDATASIZE), Item::Op(op::SUB)];
    let mut runtime = Vec::new();
    // CALLDATACOPY(0, 32, calldatasize - 32)
    runtime.extend(input_len.clone());
    runtime.extend([push_u64(32), push_u64(0), Item::Op(op::CALLDATACOPY)]);
    // STATICCALL(300_000, calldata[0], 0, calldatasize - 32, 0x1000, 64) -> slot 0. A failing
    // precompile burns the gas it was given: forward a fixed amount, keep enough for the stores.
    runtime.extend([push_u64(64), push_u64(0x1000)]);
    runtime.extend(input_len);
    runtime.extend([
        push_u64(0),
        push_u64(0),
        Item::Op(op::CALLDATALOAD),
        push_u64(300_000),
        Item::Op(op::STATICCALL),
        push_u64(0),
        Item::Op(op::SSTORE),
    ]);
    for (offset, slot) in [(0x1000, 1), (0x1020, 2)] {
        runtime.extend([
            push_u64(offset),
            Item::Op(op::MLOAD),
            push_u64(slot),
            Item::Op(op::SSTORE),
        ]);
    }
    runtime.push(Item::Op(op::STOP));
    deployer(&[], &assemble(&runtime))
}

/// The guest's ecrecover and sha256 precompiles (on the VM extensions) agree with revm's
/// native ones: a low-s and a high-s signature recover the signer, a signature with r = 0
/// recovers nothing, and the stored results and state root match native execution.
#[test]
fn precompiles_on_the_extensions_match_native_execution() {
    use alloy_consensus::crypto::secp256k1::sign_message;
    use alloy_primitives::Address;

    let order: U256 = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"
        .parse()
        .unwrap();
    let mut chain =
        chain_with_contract(b"precompiles", ForkName::Galileo, ecrecover_sha256_caller());

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
        let slots = chain.call(data.clone());
        let stored = Address::from_word(B256::from(slots[0]));
        // A failed recovery returns nothing and leaves the previous value in place.
        if let Some(address) = recovered {
            assert_eq!(stored, address);
        }
        use sha2::Digest;
        assert_eq!(
            B256::from(slots[1]).0,
            <[u8; 32]>::from(sha2::Sha256::digest(&data))
        );
    }
    chain.assert_guest_matches_native();
}

/// bn254 constants for the precompile test (EIP-196/197 encodings, big-endian words).
mod bn254 {
    /// The base field's modulus p.
    pub const P: &str = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
    /// The group order r.
    pub const R: &str = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
    /// 2 G, G = (1, 2) the G1 generator.
    pub const TWO_G: [&str; 2] = [
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3",
        "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4",
    ];
    /// The G2 generator: x imaginary, x real, y imaginary, y real.
    pub const G2: [&str; 4] = [
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2",
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed",
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b",
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
    ];
}

/// Big-endian words as calldata.
fn words(values: &[U256]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes::<32>()).collect()
}

/// A hex word as a number.
fn word(hex: &str) -> U256 {
    U256::from_str_radix(hex, 16).unwrap()
}

/// A point on the bn254 twist that is not in G2 (its order is not r), in precompile encoding.
fn g2_point_outside_the_subgroup() -> [U256; 4] {
    use ark_bn254::{Fq, Fq2, G2Affine};
    use ark_ff::{BigInteger, PrimeField};

    let mut x = Fq2::new(Fq::from(1u64), Fq::from(1u64));
    let point = loop {
        if let Some(point) = G2Affine::get_point_from_x_unchecked(x, true) {
            if !point.is_in_correct_subgroup_assuming_on_curve() {
                break point;
            }
        }
        x += Fq2::new(Fq::from(1u64), Fq::from(0u64));
    };
    let be = |f: Fq| U256::from_be_slice(&f.into_bigint().to_bytes_be());
    [
        be(point.x.c1),
        be(point.x.c0),
        be(point.y.c1),
        be(point.y.c0),
    ]
}

/// The guest's bn254 precompiles (add, mul, pairing check on the modular, ecc, fp2 and
/// pairing extensions) agree with revm's native ones on valid and invalid inputs: known sums,
/// products (with an unreduced scalar), pairing equations, points off the curve, coordinates
/// not below p, a G2 point outside the subgroup.
#[test]
fn bn254_precompiles_on_the_extensions_match_native_execution() {
    let mut chain = chain_with_contract(b"bn254", ForkName::GalileoV2, precompile_proxy());
    let call = |chain: &mut PrecompileChain, precompile: u64, input: Vec<u8>| {
        let mut data = words(&[U256::from(precompile)]);
        data.extend(input);
        chain.call(data)
    };
    let (p, r) = (word(bn254::P), word(bn254::R));
    let one = U256::from(1);
    let two = U256::from(2);
    let g1 = [one, two];
    let neg_g1 = [one, p - two];
    let two_g = bn254::TWO_G.map(word);
    let g2 = bn254::G2.map(word);
    let ok = |output: [U256; 2]| [one, output[0], output[1]];
    let failed = [U256::ZERO; 3];

    // 0x06: G + G = 2G; the identity is neutral; (1, 3) is off the curve; x = p is refused.
    assert_eq!(call(&mut chain, 6, words(&[g1, g1].concat())), ok(two_g));
    assert_eq!(
        call(&mut chain, 6, words(&g1)),
        ok(g1),
        "short input is padded"
    );
    assert_eq!(
        call(&mut chain, 6, words(&[one, U256::from(3), one, two])),
        failed
    );
    assert_eq!(
        call(&mut chain, 6, words(&[p + one, two, one, two])),
        failed
    );
    // 0x07: [2] G = [r + 2] G = 2G; [r] G is the identity; a scalar of all ones is allowed.
    assert_eq!(call(&mut chain, 7, words(&[one, two, two])), ok(two_g));
    assert_eq!(call(&mut chain, 7, words(&[one, two, r + two])), ok(two_g));
    assert_eq!(
        call(&mut chain, 7, words(&[one, two, r])),
        ok([U256::ZERO; 2])
    );
    let all_ones = call(&mut chain, 7, words(&[one, two, U256::MAX]));
    assert_eq!(all_ones[0], one);
    assert_eq!(
        call(&mut chain, 7, words(&[one, U256::from(3), two])),
        failed
    );
    // 0x08: e(G, G2) e(-G, G2) = 1; e(G, G2) != 1; no pairs is true; bad G2 points fail.
    let pair = |p: [U256; 2], q: [U256; 4]| words(&[p.as_slice(), q.as_slice()].concat());
    let two_pairs = [pair(g1, g2), pair(neg_g1, g2)].concat();
    assert_eq!(call(&mut chain, 8, two_pairs), ok([one, U256::ZERO]));
    assert_eq!(call(&mut chain, 8, pair(g1, g2)), ok([U256::ZERO; 2]));
    assert_eq!(call(&mut chain, 8, Vec::new()), ok([one, U256::ZERO]));
    let identity_pair = [pair(g1, g2), pair([U256::ZERO; 2], g2), pair(neg_g1, g2)].concat();
    assert_eq!(call(&mut chain, 8, identity_pair), ok([one, U256::ZERO]));
    let mut off_twist = g2;
    off_twist[3] += one;
    assert_eq!(call(&mut chain, 8, pair(g1, off_twist)), failed);
    assert_eq!(
        call(&mut chain, 8, pair(g1, g2_point_outside_the_subgroup())),
        failed
    );
    assert_eq!(
        call(&mut chain, 8, pair(g1, g2)[..191].to_vec()),
        failed,
        "length"
    );

    chain.assert_guest_matches_native();
}

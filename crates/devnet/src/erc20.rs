//! A minimal ERC-20 token in EVM assembly: `transfer(address,uint256)` (emits `Transfer`,
//! reverts on insufficient balance) and `balanceOf(address)`. Balances live where Solidity puts
//! `mapping(address => uint256)` at slot 0: `keccak256(pad32(owner) ‖ pad32(0))`. The
//! constructor mints the whole supply to the deployer.

use alloy_primitives::{keccak256, Address, Bytes, U256};

use crate::asm::{assemble, deployer, op, push, push_u64, Item, Item::*};

/// `transfer(address,uint256)`.
pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `balanceOf(address)`.
pub const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];

/// `keccak256("Transfer(address,address,uint256)")`.
pub fn transfer_topic() -> [u8; 32] {
    keccak256("Transfer(address,address,uint256)").0
}

/// The storage slot holding `owner`'s balance.
pub fn balance_slot(owner: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(owner.as_slice());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// Replaces the word on top of the stack (an owner) with `keccak256(pad32(owner) ‖ pad32(0))`.
fn mapping_key() -> Vec<Item> {
    vec![
        push_u64(0),
        Op(op::MSTORE),
        push_u64(0),
        push_u64(0x20),
        Op(op::MSTORE),
        push_u64(0x40),
        push_u64(0),
        Op(op::SHA3),
    ]
}

/// The contract's runtime code.
pub fn runtime() -> Vec<u8> {
    let calldata = |offset| [push_u64(offset), Op(op::CALLDATALOAD)];
    let mut items = vec![
        // selector = calldata[0..4]
        push_u64(0),
        Op(op::CALLDATALOAD),
        push_u64(0xe0),
        Op(op::SHR),
        Op(op::DUP1),
        push(&TRANSFER_SELECTOR),
        Op(op::EQ),
        PushLabel("transfer"),
        Op(op::JUMPI),
        Op(op::DUP1),
        push(&BALANCE_OF_SELECTOR),
        Op(op::EQ),
        PushLabel("balance_of"),
        Op(op::JUMPI),
        Label("fail"),
        push_u64(0),
        Op(op::DUP1),
        Op(op::REVERT),
        Label("balance_of"),
    ];
    items.extend(calldata(4));
    items.extend(mapping_key());
    items.extend([
        Op(op::SLOAD),
        push_u64(0),
        Op(op::MSTORE),
        push_u64(0x20),
        push_u64(0),
        Op(op::RETURN),
        Label("transfer"),
    ]);
    // [kf] balance key of the caller; [kf, bf, amount]
    items.push(Op(op::CALLER));
    items.extend(mapping_key());
    items.extend([Op(op::DUP1), Op(op::SLOAD)]);
    items.extend(calldata(0x24));
    // bf < amount -> fail
    items.extend([
        Op(op::DUP1),
        Op(op::DUP3),
        Op(op::LT),
        PushLabel("fail"),
        Op(op::JUMPI),
        // sstore(kf, bf - amount)
        Op(op::SWAP1),
        Op(op::SUB),
        Op(op::SWAP1),
        Op(op::SSTORE),
    ]);
    // [kt]; sstore(kt, bt + amount)
    items.extend(calldata(4));
    items.extend(mapping_key());
    items.extend([Op(op::DUP1), Op(op::SLOAD)]);
    items.extend(calldata(0x24));
    items.extend([Op(op::ADD), Op(op::SWAP1), Op(op::SSTORE)]);
    // LOG3(0, 32, topic, from, to) with data = amount
    items.extend(calldata(0x24));
    items.extend([push_u64(0), Op(op::MSTORE)]);
    items.extend(calldata(4));
    items.extend([
        Op(op::CALLER),
        push(&transfer_topic()),
        push_u64(0x20),
        push_u64(0),
        Op(op::LOG3),
        // return true
        push_u64(1),
        push_u64(0),
        Op(op::MSTORE),
        push_u64(0x20),
        push_u64(0),
        Op(op::RETURN),
    ]);
    assemble(&items)
}

/// Init code: mints `supply` to the deployer and installs [`runtime`].
pub fn init_code(supply: U256) -> Bytes {
    let mut constructor = vec![Op(op::CALLER)];
    constructor.extend(mapping_key());
    constructor.extend([
        push(&supply.to_be_bytes::<32>()),
        Op(op::SWAP1),
        Op(op::SSTORE),
    ]);
    deployer(&constructor, &runtime()).into()
}

/// Calldata of `transfer(to, amount)`.
pub fn transfer_calldata(to: Address, amount: U256) -> Bytes {
    let mut data = TRANSFER_SELECTOR.to_vec();
    data.extend([0u8; 12]);
    data.extend(to.as_slice());
    data.extend(amount.to_be_bytes::<32>());
    data.into()
}

/// Calldata of `balanceOf(owner)`.
pub fn balance_of_calldata(owner: Address) -> Bytes {
    let mut data = BALANCE_OF_SELECTOR.to_vec();
    data.extend([0u8; 12]);
    data.extend(owner.as_slice());
    data.into()
}

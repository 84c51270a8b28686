//! Small contracts the transaction generator calls or deploys besides the ERC-20, in the
//! crate's assembler: a storage writer (many slots per call, written or cleared) and a tiny
//! contract that fresh deployments create.

use alloy_primitives::{Bytes, U256};

use crate::asm::{assemble, deployer, op, push_u64, Item::*};

/// Slots one generated storage call writes (or clears).
pub const SLOTS_PER_CALL: u64 = 16;

/// Runtime of the storage writer. Calldata is three words `[base, count, value]`: it stores
/// `value` in slots `base .. base + count` (a zero `value` clears them).
pub fn storage_writer_runtime() -> Vec<u8> {
    assemble(&[
        // [value, count, base]: the top of the stack is the next slot.
        push_u64(0x40),
        Op(op::CALLDATALOAD),
        push_u64(0x20),
        Op(op::CALLDATALOAD),
        push_u64(0),
        Op(op::CALLDATALOAD),
        Label("loop"),
        // count == 0 -> done
        Op(op::DUP2),
        Op(op::ISZERO),
        PushLabel("done"),
        Op(op::JUMPI),
        // sstore(slot, value)
        Op(op::DUP3),
        Op(op::DUP2),
        Op(op::SSTORE),
        // slot += 1; count -= 1
        push_u64(1),
        Op(op::ADD),
        Op(op::SWAP1),
        push_u64(1),
        Op(op::SWAP1),
        Op(op::SUB),
        Op(op::SWAP1),
        PushLabel("loop"),
        Op(op::JUMP),
        Label("done"),
        Op(op::STOP),
    ])
}

/// Init code of the storage writer (no constructor).
pub fn storage_writer_init_code() -> Bytes {
    deployer(&[], &storage_writer_runtime()).into()
}

/// Calldata of a storage-writer call: `value` into `count` slots from `base`.
pub fn storage_writer_calldata(base: U256, count: u64, value: U256) -> Bytes {
    let mut data = Vec::with_capacity(96);
    data.extend(base.to_be_bytes::<32>());
    data.extend(U256::from(count).to_be_bytes::<32>());
    data.extend(value.to_be_bytes::<32>());
    data.into()
}

/// Runtime of the tiny contract: returns the word in slot 0.
pub fn tiny_runtime() -> Vec<u8> {
    assemble(&[
        push_u64(0),
        Op(op::SLOAD),
        push_u64(0),
        Op(op::MSTORE),
        push_u64(0x20),
        push_u64(0),
        Op(op::RETURN),
    ])
}

/// Init code of the tiny contract: its constructor stores the block number in slot 0.
pub fn tiny_init_code() -> Bytes {
    deployer(
        &[Op(op::NUMBER), push_u64(0), Op(op::SSTORE)],
        &tiny_runtime(),
    )
    .into()
}

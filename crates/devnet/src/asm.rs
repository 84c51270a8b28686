//! A tiny EVM assembler: opcodes, pushes and labels, so contracts the devnet deploys are
//! readable source instead of opaque hex.

use std::collections::BTreeMap;

/// One assembly item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A raw opcode byte (see [`op`]).
    Op(u8),
    /// `PUSHn` of the given big-endian bytes (1 to 32 of them).
    Push(Vec<u8>),
    /// `PUSH2` of a label's code offset.
    PushLabel(&'static str),
    /// A jump target: emits `JUMPDEST` and names its offset.
    Label(&'static str),
}

/// Opcode bytes used by the devnet's contracts.
#[allow(missing_docs)]
pub mod op {
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const SUB: u8 = 0x03;
    pub const LT: u8 = 0x10;
    pub const EQ: u8 = 0x14;
    pub const SHR: u8 = 0x1c;
    pub const ISZERO: u8 = 0x15;
    pub const SHA3: u8 = 0x20;
    pub const CALLER: u8 = 0x33;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CALLDATACOPY: u8 = 0x37;
    pub const CODECOPY: u8 = 0x39;
    pub const NUMBER: u8 = 0x43;
    pub const POP: u8 = 0x50;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMP: u8 = 0x56;
    pub const JUMPI: u8 = 0x57;
    pub const GAS: u8 = 0x5a;
    pub const JUMPDEST: u8 = 0x5b;
    pub const DUP1: u8 = 0x80;
    pub const DUP2: u8 = 0x81;
    pub const DUP3: u8 = 0x82;
    pub const SWAP1: u8 = 0x90;
    pub const LOG3: u8 = 0xa3;
    pub const RETURN: u8 = 0xf3;
    pub const STATICCALL: u8 = 0xfa;
    pub const REVERT: u8 = 0xfd;
}

/// `PUSHn` of `value` with leading zero bytes dropped (at least one byte).
pub fn push(value: &[u8]) -> Item {
    let start = value
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(value.len() - 1);
    Item::Push(value[start..].to_vec())
}

/// `PUSHn` of a small number.
pub fn push_u64(value: u64) -> Item {
    push(&value.to_be_bytes())
}

/// Assembles `items` into bytecode. Panics on an undefined or repeated label or a push wider
/// than 32 bytes: programs are fixed source in this crate, so those are bugs, not input.
pub fn assemble(items: &[Item]) -> Vec<u8> {
    let size = |item: &Item| match item {
        Item::Op(_) | Item::Label(_) => 1,
        Item::Push(bytes) => 1 + bytes.len(),
        Item::PushLabel(_) => 3,
    };
    let mut labels = BTreeMap::new();
    let mut offset = 0usize;
    for item in items {
        if let Item::Label(name) = item {
            assert!(labels.insert(*name, offset).is_none(), "label {name} twice");
        }
        offset += size(item);
    }
    let mut code = Vec::with_capacity(offset);
    for item in items {
        match item {
            Item::Op(byte) => code.push(*byte),
            Item::Label(_) => code.push(op::JUMPDEST),
            Item::Push(bytes) => {
                assert!(
                    (1..=32).contains(&bytes.len()),
                    "push of {} bytes",
                    bytes.len()
                );
                code.push(0x5f + bytes.len() as u8);
                code.extend(bytes);
            }
            Item::PushLabel(name) => {
                let target = *labels
                    .get(name)
                    .unwrap_or_else(|| panic!("no label {name}"));
                let target = u16::try_from(target).expect("code under 64 KiB");
                code.push(0x61);
                code.extend(target.to_be_bytes());
            }
        }
    }
    code
}

/// Init code that runs `constructor` and then returns `runtime` as the contract's code.
pub fn deployer(constructor: &[Item], runtime: &[u8]) -> Vec<u8> {
    let mut init = constructor.to_vec();
    // CODECOPY(dest 0, offset of runtime, len); RETURN(0, len). The offset is patched below.
    let len = u16::try_from(runtime.len()).expect("runtime under 64 KiB");
    init.extend([
        Item::Push(len.to_be_bytes().to_vec()),
        Item::Op(op::DUP1),
        Item::Push(vec![0, 0]),
        push_u64(0),
        Item::Op(op::CODECOPY),
        push_u64(0),
        Item::Op(op::RETURN),
    ]);
    let mut code = assemble(&init);
    let offset = u16::try_from(code.len()).expect("init under 64 KiB");
    // The placeholder's two bytes sit 8 bytes before the end of the init code.
    let at = code.len() - 8;
    code[at..at + 2].copy_from_slice(&offset.to_be_bytes());
    code.extend(runtime);
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_resolve_to_jumpdests() {
        let code = assemble(&[
            Item::PushLabel("end"),
            Item::Op(0x56),
            push_u64(0x1234),
            Item::Label("end"),
            Item::Op(op::STOP),
        ]);
        assert_eq!(code, [0x61, 0, 7, 0x56, 0x61, 0x12, 0x34, 0x5b, 0x00]);
    }

    #[test]
    fn pushes_drop_leading_zeros() {
        assert_eq!(assemble(&[push_u64(0)]), [0x60, 0]);
        assert_eq!(assemble(&[push(&[0, 0, 1, 2])]), [0x61, 1, 2]);
    }

    #[test]
    fn deployer_returns_the_runtime() {
        let code = deployer(&[], &[0xaa, 0xbb]);
        // PUSH2 0002 DUP1 PUSH2 <off> PUSH1 0 CODECOPY PUSH1 0 RETURN aa bb
        assert_eq!(code.len(), 13 + 2);
        assert_eq!(&code[4..7], &[0x61, 0, 13]);
        assert_eq!(&code[13..], &[0xaa, 0xbb]);
    }
}

//! Public-input versioning, the [`PublicInputs`] trait and the byte writer behind every layout.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, B256, U256};

use crate::fork::ForkName;

/// The kind of chain a proof is for: the high bits of the public-input version byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Domain {
    /// A rollup: data published on L1.
    Rollup = 0,
    /// A validium: data kept off L1.
    Validium = 1,
}

/// The version a public-input layout is hashed under: `(domain << 6) + stf_version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PiVersion {
    /// The fork, which supplies the state-transition version.
    pub fork: ForkName,
    /// The kind of chain.
    pub domain: Domain,
}

impl PiVersion {
    /// The version of `fork` proofs for a chain of kind `domain`.
    pub const fn new(fork: ForkName, domain: Domain) -> Self {
        Self { fork, domain }
    }

    /// The version byte: `(domain << 6) + fork.stf_version()`.
    pub const fn byte(self) -> u8 {
        ((self.domain as u8) << 6) + self.fork.stf_version()
    }
}

impl From<PiVersion> for u8 {
    fn from(version: PiVersion) -> u8 {
        version.byte()
    }
}

/// Something a proof commits to: a byte layout and its keccak256 hash.
pub trait PublicInputs {
    /// The public-input bytes under the version byte `version` (see [`PiVersion::byte`]).
    fn pi_bytes(&self, version: u8) -> Vec<u8>;

    /// The public-input hash a proof reveals: keccak256 of [`Self::pi_bytes`].
    fn pi_hash(&self, version: u8) -> B256 {
        keccak256(self.pi_bytes(version))
    }
}

/// Appends fixed-width big-endian fields; every public-input layout is written with it.
pub(crate) struct PiWriter(Vec<u8>);

impl PiWriter {
    /// A writer for a layout of `len` bytes.
    pub(crate) fn with_capacity(len: usize) -> Self {
        Self(Vec::with_capacity(len))
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    pub(crate) fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes(&[value])
    }

    pub(crate) fn u16(&mut self, value: u16) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    pub(crate) fn u32(&mut self, value: u32) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    pub(crate) fn b256(&mut self, value: &B256) -> &mut Self {
        self.bytes(value.as_slice())
    }

    pub(crate) fn u256(&mut self, value: &U256) -> &mut Self {
        self.bytes(&value.to_be_bytes::<32>())
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_byte_is_domain_high_bits_plus_stf_version() {
        assert_eq!(PiVersion::new(ForkName::Galileo, Domain::Rollup).byte(), 9);
        assert_eq!(
            PiVersion::new(ForkName::GalileoV2, Domain::Rollup).byte(),
            10
        );
        assert_eq!(
            PiVersion::new(ForkName::Galileo, Domain::Validium).byte(),
            0x40 | 9
        );
        assert_eq!(
            u8::from(PiVersion::new(ForkName::GalileoV2, Domain::Validium)),
            0x4a
        );
    }

    #[test]
    fn writer_is_big_endian_and_fixed_width() {
        let mut w = PiWriter::with_capacity(0);
        w.u8(0xab)
            .u16(0x0102)
            .u32(0x0304_0506)
            .u64(0x0708_090a_0b0c_0d0e)
            .u256(&U256::from(0x0fu8))
            .b256(&B256::repeat_byte(0x11));
        let out = w.finish();
        let mut expected = [0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].to_vec();
        expected.extend_from_slice(&[0; 31]);
        expected.push(0x0f);
        expected.extend_from_slice(&[0x11; 32]);
        assert_eq!(out, expected);
    }
}

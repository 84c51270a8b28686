//! The fork registry: every fork rollproof proves, and what each one fixes.

use alloc::string::ToString;
use core::{fmt, str::FromStr};

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ActivationKind, UnknownFork};

/// The Ethereum execution rules (hard fork of the EVM) a rollup fork runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvmSpec {
    /// Ethereum's Cancun rules.
    Cancun,
    /// Ethereum's Prague rules.
    Prague,
}

impl EvmSpec {
    /// The lower-case name, e.g. `"cancun"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cancun => "cancun",
            Self::Prague => "prague",
        }
    }
}

impl fmt::Display for EvmSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the registry knows about one fork.
struct ForkParams {
    /// Lower-case wire name.
    name: &'static str,
    /// Chain-config key of the block activation.
    block_key: &'static str,
    /// Chain-config key of the timestamp activation.
    time_key: &'static str,
    evm_spec: EvmSpec,
    stf_version: u8,
    codec_version: u8,
}

const GALILEO: ForkParams = ForkParams {
    name: "galileo",
    block_key: "galileoBlock",
    time_key: "galileoTime",
    evm_spec: EvmSpec::Cancun,
    stf_version: 9,
    codec_version: 9,
};

const GALILEO_V2: ForkParams = ForkParams {
    name: "galileov2",
    block_key: "galileoV2Block",
    time_key: "galileoV2Time",
    evm_spec: EvmSpec::Prague,
    stf_version: 10,
    codec_version: 10,
};

/// A rollup fork (hard fork of the L2), in activation order: `Galileo < GalileoV2`.
///
/// On the wire (`Display`, serde) a fork is its lower-case name (`"galileo"`, `"galileov2"`);
/// parsing and deserializing accept any case (`"GalileoV2"`, `"GALILEOV2"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ForkName {
    /// Galileo: Cancun EVM rules, state-transition version 9.
    Galileo,
    /// GalileoV2: Prague EVM rules, state-transition version 10.
    GalileoV2,
}

impl ForkName {
    /// Every fork, in activation order.
    pub const ALL: [Self; 2] = [Self::Galileo, Self::GalileoV2];

    const fn params(self) -> &'static ForkParams {
        match self {
            Self::Galileo => &GALILEO,
            Self::GalileoV2 => &GALILEO_V2,
        }
    }

    /// The lower-case wire name, e.g. `"galileov2"`.
    pub const fn as_str(self) -> &'static str {
        self.params().name
    }

    /// The EVM rules blocks of this fork execute with.
    pub const fn evm_spec(self) -> EvmSpec {
        self.params().evm_spec
    }

    /// The state-transition (STF) version, the low bits of the public-input version byte.
    pub const fn stf_version(self) -> u8 {
        self.params().stf_version
    }

    /// The batch codec (da-codec) version batches of this fork are encoded with.
    ///
    /// Assumption of this project: the codec version equals the STF version (galileo 9,
    /// galileoV2 10), as the original's comments pair `galileo` with `da-codec@v9` and
    /// `galileo-v2` with `da-codec@v10`.
    pub const fn codec_version(self) -> u8 {
        self.params().codec_version
    }

    /// The `genesis.json` chain-config key holding this fork's activation of the given kind,
    /// e.g. `"galileoV2Block"` or `"galileoTime"`.
    pub const fn activation_key(self, kind: ActivationKind) -> &'static str {
        match kind {
            ActivationKind::Block => self.params().block_key,
            ActivationKind::Time => self.params().time_key,
        }
    }
}

impl fmt::Display for ForkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ForkName {
    type Err = UnknownFork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|fork| fork.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFork {
                name: s.to_string(),
            })
    }
}

impl Serialize for ForkName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ForkName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl de::Visitor<'_> for NameVisitor {
            type Value = ForkName;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fork name")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ForkName, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_positions_match_discriminants() {
        // `ForkSchedule` indexes its activations by `fork as usize`.
        for (i, fork) in ForkName::ALL.into_iter().enumerate() {
            assert_eq!(fork as usize, i, "{fork}");
        }
    }

    #[test]
    fn activation_keys_follow_genesis_naming() {
        assert_eq!(
            ForkName::Galileo.activation_key(ActivationKind::Block),
            "galileoBlock"
        );
        assert_eq!(
            ForkName::Galileo.activation_key(ActivationKind::Time),
            "galileoTime"
        );
        assert_eq!(
            ForkName::GalileoV2.activation_key(ActivationKind::Block),
            "galileoV2Block"
        );
        assert_eq!(
            ForkName::GalileoV2.activation_key(ActivationKind::Time),
            "galileoV2Time"
        );
    }
}

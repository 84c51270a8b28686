//! The fork schedule of a chain: which fork is active at which block.

use alloc::string::String;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{
    error::{ActivationKind, ForkScheduleError, NoActiveFork},
    fork::ForkName,
};

/// When one fork activates: from a block number on, from a block timestamp on, or either
/// (whichever comes first). A fork with neither is not scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ForkActivation {
    /// First block number running the fork (`<fork>Block` in the chain config).
    pub block: Option<u64>,
    /// First block timestamp running the fork (`<fork>Time` in the chain config).
    pub time: Option<u64>,
}

impl ForkActivation {
    /// Activation at a block number.
    pub const fn at_block(block: u64) -> Self {
        Self {
            block: Some(block),
            time: None,
        }
    }

    /// Activation at a block timestamp.
    pub const fn at_time(time: u64) -> Self {
        Self {
            block: None,
            time: Some(time),
        }
    }

    /// Whether the fork activates at all.
    pub const fn is_scheduled(&self) -> bool {
        self.block.is_some() || self.time.is_some()
    }

    /// Whether the fork is active at a block with this number and timestamp.
    pub fn is_active_at(&self, number: u64, timestamp: u64) -> bool {
        self.block.is_some_and(|block| block <= number)
            || self.time.is_some_and(|time| time <= timestamp)
    }

    /// The activation of the given kind.
    pub const fn get(&self, kind: ActivationKind) -> Option<u64> {
        match kind {
            ActivationKind::Block => self.block,
            ActivationKind::Time => self.time,
        }
    }
}

/// A chain's id and the activation of every fork of [`ForkName::ALL`], checked to be in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkSchedule {
    chain_id: u64,
    /// Indexed by `ForkName as usize` (the position in [`ForkName::ALL`]).
    activations: [ForkActivation; ForkName::ALL.len()],
}

/// The part of a `genesis.json` this module reads; other top-level keys are ignored.
#[derive(Deserialize)]
struct Genesis {
    config: Map<String, Value>,
}

impl ForkSchedule {
    /// A schedule from explicit activations; forks not listed are not scheduled.
    ///
    /// Fails when the activations are out of order (see [`ForkScheduleError`]).
    pub fn new(
        chain_id: u64,
        activations: impl IntoIterator<Item = (ForkName, ForkActivation)>,
    ) -> Result<Self, ForkScheduleError> {
        let mut schedule = Self {
            chain_id,
            activations: Default::default(),
        };
        for (fork, activation) in activations {
            schedule.activations[fork as usize] = activation;
        }
        schedule.validate()?;
        Ok(schedule)
    }

    /// Reads the schedule from a `genesis.json` document:
    /// `{"config": {"chainId": N, "galileoBlock"?: N, "galileoTime"?: N, ...}, ...}`.
    ///
    /// Keys the registry does not know are ignored.
    pub fn from_genesis_json(json: &str) -> Result<Self, ForkScheduleError> {
        let genesis: Genesis = serde_json::from_str(json)?;
        Self::from_chain_config(&genesis.config)
    }

    /// Reads the schedule from the `config` object of a `genesis.json` document.
    pub fn from_chain_config(config: &Map<String, Value>) -> Result<Self, ForkScheduleError> {
        let chain_id = read_u64(config, "chainId")?
            .ok_or(ForkScheduleError::MissingField { key: "chainId" })?;
        let mut activations = [(ForkName::Galileo, ForkActivation::default()); ForkName::ALL.len()];
        for (slot, fork) in activations.iter_mut().zip(ForkName::ALL) {
            let block = read_u64(config, fork.activation_key(ActivationKind::Block))?;
            let time = read_u64(config, fork.activation_key(ActivationKind::Time))?;
            *slot = (fork, ForkActivation { block, time });
        }
        Self::new(chain_id, activations)
    }

    /// The chain's EIP-155 id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The activation of `fork` (not scheduled: both fields `None`).
    pub const fn activation(&self, fork: ForkName) -> ForkActivation {
        self.activations[fork as usize]
    }

    /// The scheduled forks with their activations, in activation order.
    pub fn scheduled(&self) -> impl Iterator<Item = (ForkName, ForkActivation)> + '_ {
        ForkName::ALL
            .into_iter()
            .map(|fork| (fork, self.activation(fork)))
            .filter(|(_, activation)| activation.is_scheduled())
    }

    /// The fork of the block with this number and timestamp: the latest active fork.
    pub fn fork_at(&self, number: u64, timestamp: u64) -> Result<ForkName, NoActiveFork> {
        ForkName::ALL
            .into_iter()
            .rev()
            .find(|&fork| self.activation(fork).is_active_at(number, timestamp))
            .ok_or(NoActiveFork { number, timestamp })
    }

    /// Checks that every scheduled fork's predecessor is scheduled and activates no later.
    ///
    /// Block activations are compared with block activations and timestamps with timestamps;
    /// as in Ethereum, block-activated forks come first, so a block-activated fork cannot follow
    /// a fork activated only by timestamp.
    fn validate(&self) -> Result<(), ForkScheduleError> {
        for pair in ForkName::ALL.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let (e, l) = (self.activation(earlier), self.activation(later));
            if !l.is_scheduled() {
                continue;
            }
            if !e.is_scheduled() {
                return Err(ForkScheduleError::MissingEarlierFork {
                    fork: later,
                    missing: earlier,
                });
            }
            if l.block.is_some() && e.block.is_none() {
                return Err(ForkScheduleError::BlockAfterTimeOnly { earlier, later });
            }
            for kind in [ActivationKind::Block, ActivationKind::Time] {
                if let (Some(earlier_at), Some(later_at)) = (e.get(kind), l.get(kind)) {
                    if later_at < earlier_at {
                        return Err(ForkScheduleError::Misordered {
                            earlier,
                            later,
                            kind,
                            earlier_at,
                            later_at,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads an optional non-negative integer; `null` counts as absent.
fn read_u64(
    config: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<u64>, ForkScheduleError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or(ForkScheduleError::NotAnInteger { key }),
    }
}

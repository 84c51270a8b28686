//! Which execution rules a chain runs: chain id and Ethereum hard-fork activations, built from a
//! rollup fork ([`ForkName`]) or from a plain revm [`SpecId`] (Ethereum tests).

use alloc::vec::Vec;

use alloy_eips::{eip6110::MAINNET_DEPOSIT_CONTRACT_ADDRESS, eip7840::BlobParams};
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::Address;
use revm::primitives::hardfork::SpecId;
use rollproof_primitives::{EvmSpec, ForkName};

/// Chain id, hard-fork activations and the EIP-6110 deposit contract (if any).
#[derive(Clone, Debug)]
pub struct ChainSpec {
    /// EIP-155 chain id.
    pub chain_id: u64,
    forks: Vec<(EthereumHardfork, ForkCondition)>,
    hardforks: EthereumChainHardforks,
    deposit_contract: Option<Address>,
}

/// Ethereum hard forks in activation order with the first revm spec that includes them
/// (difficulty-bomb delays share their predecessor's rules; the DAO fork is left out).
const FORKS: [(EthereumHardfork, SpecId); 16] = [
    (EthereumHardfork::Frontier, SpecId::FRONTIER),
    (EthereumHardfork::Homestead, SpecId::HOMESTEAD),
    (EthereumHardfork::Tangerine, SpecId::TANGERINE),
    (EthereumHardfork::SpuriousDragon, SpecId::SPURIOUS_DRAGON),
    (EthereumHardfork::Byzantium, SpecId::BYZANTIUM),
    (EthereumHardfork::Constantinople, SpecId::PETERSBURG),
    (EthereumHardfork::Petersburg, SpecId::PETERSBURG),
    (EthereumHardfork::Istanbul, SpecId::ISTANBUL),
    (EthereumHardfork::MuirGlacier, SpecId::ISTANBUL),
    (EthereumHardfork::Berlin, SpecId::BERLIN),
    (EthereumHardfork::London, SpecId::LONDON),
    (EthereumHardfork::ArrowGlacier, SpecId::LONDON),
    (EthereumHardfork::GrayGlacier, SpecId::LONDON),
    (EthereumHardfork::Paris, SpecId::MERGE),
    (EthereumHardfork::Shanghai, SpecId::SHANGHAI),
    (EthereumHardfork::Cancun, SpecId::CANCUN),
];

impl ChainSpec {
    /// Every Ethereum fork up to and including `spec` active from genesis (the Ethereum tests'
    /// single-network chains). Block-numbered forks activate at block 0, time-based ones at
    /// timestamp 0.
    pub fn from_spec_id(chain_id: u64, spec: SpecId) -> Self {
        let mut forks: Vec<(EthereumHardfork, ForkCondition)> = FORKS
            .iter()
            .filter(|(_, id)| *id <= spec)
            .map(|&(fork, _)| (fork, activation_at_genesis(fork)))
            .collect();
        if spec >= SpecId::PRAGUE {
            forks.push((EthereumHardfork::Prague, ForkCondition::Timestamp(0)));
        }
        if spec >= SpecId::OSAKA {
            forks.push((EthereumHardfork::Osaka, ForkCondition::Timestamp(0)));
        }
        Self::with_hardforks(chain_id, forks)
    }

    /// The EVM rules of a rollup fork (galileo = Cancun, galileoV2 = Prague), active from
    /// genesis. Rollups have no EIP-6110 deposit contract.
    pub fn from_fork(chain_id: u64, fork: ForkName) -> Self {
        let spec = match fork.evm_spec() {
            EvmSpec::Cancun => SpecId::CANCUN,
            EvmSpec::Prague => SpecId::PRAGUE,
        };
        let mut chain = Self::from_spec_id(chain_id, spec);
        chain.deposit_contract = None;
        chain
    }

    /// Arbitrary activations (fork transitions, e.g. `ShanghaiToCancunAtTime15k`). The deposit
    /// contract is mainnet's.
    pub fn with_hardforks(
        chain_id: u64,
        forks: impl IntoIterator<Item = (EthereumHardfork, ForkCondition)>,
    ) -> Self {
        let forks: Vec<_> = forks.into_iter().collect();
        Self {
            chain_id,
            hardforks: EthereumChainHardforks::new(forks.iter().copied()),
            forks,
            deposit_contract: Some(MAINNET_DEPOSIT_CONTRACT_ADDRESS),
        }
    }

    /// This chain with `fork` activated at `condition` instead (e.g. Cancun at timestamp 15000
    /// on top of [`ChainSpec::from_spec_id`]`(_, SHANGHAI)`).
    pub fn with_activation(mut self, fork: EthereumHardfork, condition: ForkCondition) -> Self {
        self.forks.retain(|(f, _)| *f != fork);
        self.forks.push((fork, condition));
        self.hardforks = EthereumChainHardforks::new(self.forks.iter().copied());
        self
    }

    /// The revm spec of the block with `number` and `timestamp`.
    pub fn spec_at(&self, number: u64, timestamp: u64) -> SpecId {
        alloy_evm::spec_by_timestamp_and_block_number(self, timestamp, number)
    }

    /// The EIP-4844/7691 blob parameters at `timestamp` (`None` before Cancun).
    pub fn blob_params_at(&self, timestamp: u64) -> Option<BlobParams> {
        if self.is_prague_active_at_timestamp(timestamp) {
            Some(BlobParams::prague())
        } else if self.is_cancun_active_at_timestamp(timestamp) {
            Some(BlobParams::cancun())
        } else {
            None
        }
    }
}

fn activation_at_genesis(fork: EthereumHardfork) -> ForkCondition {
    match fork {
        EthereumHardfork::Paris => ForkCondition::TTD {
            activation_block_number: 0,
            fork_block: None,
            total_difficulty: alloy_primitives::U256::ZERO,
        },
        EthereumHardfork::Shanghai
        | EthereumHardfork::Cancun
        | EthereumHardfork::Prague
        | EthereumHardfork::Osaka => ForkCondition::Timestamp(0),
        _ => ForkCondition::Block(0),
    }
}

impl EthereumHardforks for ChainSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.hardforks.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for ChainSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        self.deposit_contract
    }
}

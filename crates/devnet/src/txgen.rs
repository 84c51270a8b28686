//! Signed transaction generators: ETH transfers and ERC-20 transfers to fresh recipients, from
//! deterministic wallets, sized to fill a block's gas.

use alloy_consensus::TxEnvelope;
use alloy_primitives::{keccak256, Address, TxKind, U256};

use crate::{
    erc20,
    wallet::{Fees, Wallet},
};

/// What kind of transactions to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxKindGen {
    /// Plain ETH transfers (21,000 gas each).
    EthTransfer,
    /// ERC-20 `transfer`s of the generator's token (deploy it first).
    Erc20Transfer,
}

impl TxKindGen {
    /// Gas one transaction of this kind uses at most (generated ones are alike: a fresh
    /// recipient, the same sender), used to fill a block without overrunning its limit.
    pub fn gas_used(self) -> u64 {
        match self {
            Self::EthTransfer => 21_000,
            Self::Erc20Transfer => ERC20_TRANSFER_GAS,
        }
    }

    /// The gas limit each transaction of this kind is signed with.
    pub fn gas_limit(self) -> u64 {
        match self {
            Self::EthTransfer => 21_000,
            Self::Erc20Transfer => 100_000,
        }
    }
}

/// Upper bound of the gas one generated ERC-20 transfer uses (~50.7k: a new balance slot, a
/// changed one, a `Transfer` log; calldata cost varies with the recipient's zero bytes).
/// Checked by this crate's tests.
pub const ERC20_TRANSFER_GAS: u64 = 51_000;

/// Deterministic transaction source for one chain.
#[derive(Clone, Debug)]
pub struct TxGenerator {
    chain_id: u64,
    /// The sending wallets, used round-robin (wallet 0 deploys and holds the token).
    pub wallets: Vec<Wallet>,
    /// The ERC-20 token, once deployed.
    pub token: Option<Address>,
    fees: Fees,
    next_sender: usize,
    next_recipient: u64,
    seed: Vec<u8>,
}

impl TxGenerator {
    /// `wallets` wallets derived from `seed`.
    pub fn new(chain_id: u64, seed: &[u8], wallets: usize) -> Self {
        Self {
            chain_id,
            wallets: (0..wallets.max(1) as u64)
                .map(|i| Wallet::derive(seed, i))
                .collect(),
            token: None,
            fees: Fees::default(),
            next_sender: 0,
            next_recipient: 0,
            seed: seed.to_vec(),
        }
    }

    /// Every wallet with `balance`, for the genesis allocation.
    pub fn allocation(&self, balance: U256) -> Vec<(Address, U256)> {
        self.wallets.iter().map(|w| (w.address, balance)).collect()
    }

    /// A new address nobody has used yet.
    pub fn fresh_recipient(&mut self) -> Address {
        let mut preimage = b"recipient".to_vec();
        preimage.extend(&self.seed);
        preimage.extend(self.next_recipient.to_be_bytes());
        self.next_recipient += 1;
        Address::from_slice(&keccak256(preimage)[12..])
    }

    /// Deploys the ERC-20 token from wallet 0 with `supply` minted to it, remembering its
    /// address for [`TxKindGen::Erc20Transfer`].
    pub fn deploy_erc20(&mut self, supply: U256) -> TxEnvelope {
        let deployer = &mut self.wallets[0];
        self.token = Some(deployer.address.create(deployer.nonce));
        let (chain_id, fees) = (self.chain_id, self.fees);
        deployer.sign(
            chain_id,
            TxKind::Create,
            U256::ZERO,
            erc20::init_code(supply),
            1_000_000,
            fees,
        )
    }

    /// One transaction of `kind`. ETH transfers rotate over the wallets; ERC-20 transfers come
    /// from wallet 0, the token holder. Panics for ERC-20 before [`Self::deploy_erc20`].
    pub fn next(&mut self, kind: TxKindGen) -> TxEnvelope {
        let to = self.fresh_recipient();
        let (chain_id, fees) = (self.chain_id, self.fees);
        match kind {
            TxKindGen::EthTransfer => {
                let sender = self.next_sender % self.wallets.len();
                self.next_sender += 1;
                self.wallets[sender].sign(
                    chain_id,
                    TxKind::Call(to),
                    U256::from(1_000_000_000u64),
                    Default::default(),
                    kind.gas_limit(),
                    fees,
                )
            }
            TxKindGen::Erc20Transfer => {
                let token = self.token.expect("deploy_erc20 first");
                self.wallets[0].sign(
                    chain_id,
                    TxKind::Call(token),
                    U256::ZERO,
                    erc20::transfer_calldata(to, U256::from(1_000u64)),
                    kind.gas_limit(),
                    fees,
                )
            }
        }
    }

    /// As many transactions of `kind` as fit in `gas` (each also leaves room for its own gas
    /// limit, as block validity requires).
    pub fn fill(&mut self, kind: TxKindGen, gas: u64) -> Vec<TxEnvelope> {
        let slack = kind.gas_limit() - kind.gas_used();
        let count = gas.saturating_sub(slack) / kind.gas_used();
        (0..count).map(|_| self.next(kind)).collect()
    }
}

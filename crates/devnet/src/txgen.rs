//! Signed transaction generators: ETH transfers, ERC-20 transfers to fresh recipients,
//! storage-heavy calls and contract creations, from deterministic wallets, sized to fill a
//! block's gas or drawn from a weighted [`TxMix`].

use std::{fmt, str::FromStr};

use alloy_consensus::TxEnvelope;
use alloy_primitives::{keccak256, Address, Bytes, TxKind, U256};
use serde::{Deserialize, Serialize};

use crate::{
    contracts, erc20,
    error::MixError,
    wallet::{Fees, Wallet},
};

/// What kind of transactions to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxKindGen {
    /// Plain ETH transfers (21,000 gas each).
    EthTransfer,
    /// ERC-20 `transfer`s of the generator's token (deploy it first).
    Erc20Transfer,
    /// Storage-writer calls: [`contracts::SLOTS_PER_CALL`] fresh slots written, or (every
    /// fourth call) an earlier call's slots cleared (deploy the writer first).
    StorageCall,
    /// Creations of a tiny contract whose constructor writes one slot.
    ContractCreation,
}

impl TxKindGen {
    /// Every kind, in [`TxMix`] order.
    pub const ALL: [Self; 4] = [
        Self::EthTransfer,
        Self::Erc20Transfer,
        Self::StorageCall,
        Self::ContractCreation,
    ];

    /// The kind's name in a mix (`eth`, `erc20`, `storage`, `create`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::EthTransfer => "eth",
            Self::Erc20Transfer => "erc20",
            Self::StorageCall => "storage",
            Self::ContractCreation => "create",
        }
    }

    /// Gas one transaction of this kind uses at most (generated ones are alike), used to fill
    /// a block without overrunning its limit. Checked by this crate's tests.
    pub fn gas_used(self) -> u64 {
        match self {
            Self::EthTransfer => 21_000,
            Self::Erc20Transfer => ERC20_TRANSFER_GAS,
            Self::StorageCall => STORAGE_CALL_GAS,
            Self::ContractCreation => CONTRACT_CREATION_GAS,
        }
    }

    /// The gas limit each transaction of this kind is signed with.
    pub fn gas_limit(self) -> u64 {
        match self {
            Self::EthTransfer => 21_000,
            Self::Erc20Transfer => 100_000,
            Self::StorageCall => 500_000,
            Self::ContractCreation => 200_000,
        }
    }
}

impl fmt::Display for TxKindGen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Upper bound of the gas one generated ERC-20 transfer uses (~50.7k: a new balance slot, a
/// changed one, a `Transfer` log; calldata cost varies with the recipient's zero bytes).
pub const ERC20_TRANSFER_GAS: u64 = 51_000;

/// Upper bound of the gas one generated storage call uses (16 fresh slots at 22.1k each plus
/// the loop and the transaction; clearing calls use less).
pub const STORAGE_CALL_GAS: u64 = 380_000;

/// Upper bound of the gas one generated contract creation uses (32k creation, a fresh slot,
/// the init code's calldata and the runtime's deposit).
pub const CONTRACT_CREATION_GAS: u64 = 90_000;

/// Relative weights of transaction kinds, e.g. `eth=4,erc20=4,storage=1,create=1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxMix {
    weights: Vec<(TxKindGen, u32)>,
}

impl TxMix {
    /// A mix of the given weights (zero weights are dropped). Fails when none is left.
    pub fn new(weights: impl IntoIterator<Item = (TxKindGen, u32)>) -> Result<Self, MixError> {
        let mut merged: Vec<(TxKindGen, u32)> = Vec::new();
        for (kind, weight) in weights {
            match merged.iter_mut().find(|(k, _)| *k == kind) {
                Some(entry) => entry.1 = weight,
                None => merged.push((kind, weight)),
            }
        }
        merged.retain(|(_, w)| *w > 0);
        merged.sort();
        if merged.is_empty() {
            return Err(MixError::Empty);
        }
        Ok(Self { weights: merged })
    }

    /// Only `kind`.
    pub fn only(kind: TxKindGen) -> Self {
        Self {
            weights: vec![(kind, 1)],
        }
    }

    /// The weight of `kind` (0 when absent).
    pub fn weight(&self, kind: TxKindGen) -> u32 {
        self.weights
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, w)| *w)
    }

    /// The kind a draw of `value` picks (`value` is reduced modulo the total weight).
    fn pick(&self, value: u64) -> TxKindGen {
        let total: u64 = self.weights.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut at = value % total;
        for &(kind, weight) in &self.weights {
            if at < u64::from(weight) {
                return kind;
            }
            at -= u64::from(weight);
        }
        unreachable!("the draw is below the total weight")
    }
}

impl Default for TxMix {
    /// `eth=4,erc20=4,storage=1,create=1`.
    fn default() -> Self {
        Self::new([
            (TxKindGen::EthTransfer, 4),
            (TxKindGen::Erc20Transfer, 4),
            (TxKindGen::StorageCall, 1),
            (TxKindGen::ContractCreation, 1),
        ])
        .expect("non-empty")
    }
}

impl FromStr for TxMix {
    type Err = MixError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut weights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| MixError::Syntax(part.to_string()))?;
            let kind = TxKindGen::ALL
                .into_iter()
                .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| MixError::UnknownKind(name.trim().to_string()))?;
            let weight = weight
                .trim()
                .parse()
                .map_err(|_| MixError::Syntax(part.to_string()))?;
            weights.push((kind, weight));
        }
        Self::new(weights)
    }
}

impl fmt::Display for TxMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .weights
            .iter()
            .map(|(kind, weight)| format!("{kind}={weight}"))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// Where a generator stands: its counters and deployed contracts (wallet nonces live in the
/// chain's state). Saved with a persisted chain so a reloaded generator continues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratorCursor {
    /// The ERC-20 token, once deployed.
    pub token: Option<Address>,
    /// The storage writer, once deployed.
    pub storage_writer: Option<Address>,
    /// Next sender index (round-robin).
    pub next_sender: u64,
    /// Next fresh recipient index.
    pub next_recipient: u64,
    /// Next mix draw index.
    pub next_draw: u64,
    /// Storage calls made so far.
    pub storage_calls: u64,
    /// Storage batches written so far (each [`contracts::SLOTS_PER_CALL`] slots).
    pub batches_written: u64,
    /// Storage batches cleared so far (the oldest ones).
    pub batches_cleared: u64,
}

/// Deterministic transaction source for one chain.
#[derive(Clone, Debug)]
pub struct TxGenerator {
    chain_id: u64,
    /// The sending wallets, used round-robin (wallet 0 deploys and holds the token).
    pub wallets: Vec<Wallet>,
    /// The ERC-20 token, once deployed.
    pub token: Option<Address>,
    /// The storage writer, once deployed.
    pub storage_writer: Option<Address>,
    fees: Fees,
    next_sender: u64,
    next_recipient: u64,
    next_draw: u64,
    storage_calls: u64,
    batches_written: u64,
    batches_cleared: u64,
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
            storage_writer: None,
            fees: Fees::default(),
            next_sender: 0,
            next_recipient: 0,
            next_draw: 0,
            storage_calls: 0,
            batches_written: 0,
            batches_cleared: 0,
            seed: seed.to_vec(),
        }
    }

    /// The chain id transactions are signed for.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Every wallet with `balance`, for the genesis allocation.
    pub fn allocation(&self, balance: U256) -> Vec<(Address, U256)> {
        self.wallets.iter().map(|w| (w.address, balance)).collect()
    }

    /// The counters and contracts, to save.
    pub fn cursor(&self) -> GeneratorCursor {
        GeneratorCursor {
            token: self.token,
            storage_writer: self.storage_writer,
            next_sender: self.next_sender,
            next_recipient: self.next_recipient,
            next_draw: self.next_draw,
            storage_calls: self.storage_calls,
            batches_written: self.batches_written,
            batches_cleared: self.batches_cleared,
        }
    }

    /// Continues from a saved cursor (set the wallets' nonces from the chain separately).
    pub fn set_cursor(&mut self, cursor: &GeneratorCursor) {
        self.token = cursor.token;
        self.storage_writer = cursor.storage_writer;
        self.next_sender = cursor.next_sender;
        self.next_recipient = cursor.next_recipient;
        self.next_draw = cursor.next_draw;
        self.storage_calls = cursor.storage_calls;
        self.batches_written = cursor.batches_written;
        self.batches_cleared = cursor.batches_cleared;
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
        self.token = Some(self.wallets[0].address.create(self.wallets[0].nonce));
        self.sign_from(0, TxKind::Create, erc20::init_code(supply), 1_000_000)
    }

    /// Deploys the storage writer from wallet 0, remembering its address for
    /// [`TxKindGen::StorageCall`].
    pub fn deploy_storage_writer(&mut self) -> TxEnvelope {
        self.storage_writer = Some(self.wallets[0].address.create(self.wallets[0].nonce));
        self.sign_from(
            0,
            TxKind::Create,
            contracts::storage_writer_init_code(),
            300_000,
        )
    }

    /// The deployments `mix` needs that have not been made yet (ERC-20 with `supply`, storage
    /// writer), to include before its first transactions.
    pub fn setup(&mut self, mix: &TxMix, supply: U256) -> Vec<TxEnvelope> {
        let mut txs = Vec::new();
        if mix.weight(TxKindGen::Erc20Transfer) > 0 && self.token.is_none() {
            txs.push(self.deploy_erc20(supply));
        }
        if mix.weight(TxKindGen::StorageCall) > 0 && self.storage_writer.is_none() {
            txs.push(self.deploy_storage_writer());
        }
        txs
    }

    /// One transaction of `kind`. ETH transfers, storage calls and creations rotate over the
    /// wallets; ERC-20 transfers come from wallet 0, the token holder. Panics for ERC-20 or
    /// storage calls before their contract's deployment.
    pub fn next(&mut self, kind: TxKindGen) -> TxEnvelope {
        let gas_limit = kind.gas_limit();
        match kind {
            TxKindGen::EthTransfer => {
                let to = self.fresh_recipient();
                let sender = self.rotate();
                self.sign_value(sender, TxKind::Call(to), U256::from(1_000_000_000u64))
            }
            TxKindGen::Erc20Transfer => {
                let to = self.fresh_recipient();
                let token = self.token.expect("deploy_erc20 first");
                let data = erc20::transfer_calldata(to, U256::from(1_000u64));
                self.sign_from(0, TxKind::Call(token), data, gas_limit)
            }
            TxKindGen::StorageCall => {
                let writer = self.storage_writer.expect("deploy_storage_writer first");
                let call = self.storage_calls;
                self.storage_calls += 1;
                let clear = call % 4 == 3 && self.batches_cleared < self.batches_written;
                let (batch, value) = if clear {
                    self.batches_cleared += 1;
                    (self.batches_cleared - 1, U256::ZERO)
                } else {
                    self.batches_written += 1;
                    (self.batches_written - 1, U256::from(self.batches_written))
                };
                let base = U256::from(batch * contracts::SLOTS_PER_CALL);
                let data =
                    contracts::storage_writer_calldata(base, contracts::SLOTS_PER_CALL, value);
                let sender = self.rotate();
                self.sign_from(sender, TxKind::Call(writer), data, gas_limit)
            }
            TxKindGen::ContractCreation => {
                let sender = self.rotate();
                self.sign_from(
                    sender,
                    TxKind::Create,
                    contracts::tiny_init_code(),
                    gas_limit,
                )
            }
        }
    }

    /// The next kind `mix` draws (deterministic in the seed and the draw count).
    pub fn draw(&mut self, mix: &TxMix) -> TxKindGen {
        let mut preimage = b"mix".to_vec();
        preimage.extend(&self.seed);
        preimage.extend(self.next_draw.to_be_bytes());
        self.next_draw += 1;
        let hash = keccak256(preimage);
        let mut word = [0u8; 8];
        word.copy_from_slice(&hash[..8]);
        mix.pick(u64::from_be_bytes(word))
    }

    /// Up to `count` transactions drawn from `mix` that fit in `gas` (by each kind's
    /// [`TxKindGen::gas_used`] bound, leaving room for the next one's gas limit). Stops at the
    /// first draw that does not fit.
    pub fn fill_mix(&mut self, mix: &TxMix, count: usize, gas: u64) -> Vec<TxEnvelope> {
        let mut used = 0u64;
        let mut txs = Vec::with_capacity(count);
        while txs.len() < count {
            let kind = self.draw(mix);
            if used + kind.gas_limit() > gas {
                // Undo the draw so the next block starts with it.
                self.next_draw -= 1;
                break;
            }
            used += kind.gas_used();
            txs.push(self.next(kind));
        }
        txs
    }

    /// As many transactions of `kind` as fit in `gas` (each also leaves room for its own gas
    /// limit, as block validity requires).
    pub fn fill(&mut self, kind: TxKindGen, gas: u64) -> Vec<TxEnvelope> {
        let slack = kind.gas_limit() - kind.gas_used();
        let count = gas.saturating_sub(slack) / kind.gas_used();
        (0..count).map(|_| self.next(kind)).collect()
    }

    /// The next round-robin sender.
    fn rotate(&mut self) -> usize {
        let sender = (self.next_sender % self.wallets.len() as u64) as usize;
        self.next_sender += 1;
        sender
    }

    fn sign_value(&mut self, sender: usize, to: TxKind, value: U256) -> TxEnvelope {
        let (chain_id, fees) = (self.chain_id, self.fees);
        self.wallets[sender].sign(chain_id, to, value, Bytes::new(), 21_000, fees)
    }

    fn sign_from(&mut self, sender: usize, to: TxKind, data: Bytes, gas_limit: u64) -> TxEnvelope {
        let (chain_id, fees) = (self.chain_id, self.fees);
        self.wallets[sender].sign(chain_id, to, U256::ZERO, data, gas_limit, fees)
    }
}

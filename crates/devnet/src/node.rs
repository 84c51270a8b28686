//! The node: a [`LocalChain`] with a pending pool, a transaction generator, recent states for
//! proofs, lookup indexes and an optional state file. [`Node::produce_block`] makes the next
//! block (pending transactions first, then generated ones); [`Node::send_raw_transaction`]
//! admits a signed transaction only if it would execute in the next block.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{RwLock, RwLockReadGuard},
    time::{Duration, Instant},
};

use alloy_consensus::{
    transaction::SignerRecoverable, Block, BlockBody, Header, Transaction, TxEnvelope,
};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawals, BlockNumberOrTag, Decodable2718};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use rollproof_stateless::host::HostState;
use serde::{Deserialize, Serialize};

use crate::{
    chain::LocalChain,
    error::{NodeError, TxRejected},
    genesis::Genesis,
    txgen::{GeneratorCursor, TxGenerator, TxMix},
};

/// How a node runs: its genesis, generator and persistence.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The genesis (ignored when a state file is loaded: the file carries its own).
    pub genesis: Genesis,
    /// Seconds each block's timestamp advances over its parent's (timestamps are logical).
    pub timestamp_step: u64,
    /// Seed of the generator's wallets and recipients.
    pub seed: String,
    /// Number of generator wallets.
    pub wallets: usize,
    /// Balance given at genesis to each generator wallet that `alloc` lacks (`None`: none).
    pub wallet_balance: Option<U256>,
    /// Generated transactions per block (0: blocks carry only submitted transactions).
    pub txs_per_block: usize,
    /// Weights of the generated kinds.
    pub mix: TxMix,
    /// ERC-20 supply minted to wallet 0 when the token is deployed.
    pub token_supply: U256,
    /// How many recent blocks' states are kept for `eth_getProof`/`eth_getBalance`.
    pub state_history: usize,
    /// Where the chain is saved (and loaded from at start, if present).
    pub state_file: Option<PathBuf>,
    /// Save every this many blocks (0: only when [`Node::persist`] is called, e.g. on shutdown).
    pub persist_every: u64,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            genesis: Genesis::devnet_default(),
            timestamp_step: 2,
            seed: DEFAULT_SEED.to_string(),
            wallets: 8,
            wallet_balance: Some(U256::from(10u128.pow(24))),
            txs_per_block: 20,
            mix: TxMix::default(),
            token_supply: U256::from(10u128.pow(27)),
            state_history: 64,
            state_file: None,
            persist_every: 1,
        }
    }
}

/// The default wallet seed (the example genesis funds its first wallets).
pub const DEFAULT_SEED: &str = "rollproof devnet";

/// A pending transaction with its recovered sender.
#[derive(Clone, Debug)]
struct Pending {
    tx: TxEnvelope,
    sender: Address,
    hash: B256,
}

/// What producing one block did, for logs and callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSummary {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Transactions in the block.
    pub txs: usize,
    /// Of which from the pending pool.
    pub submitted: usize,
    /// Gas used.
    pub gas_used: u64,
    /// Size of the block's execution witness as JSON, in bytes.
    pub witness_bytes: usize,
    /// Wall time spent building (execution, witness, state root).
    pub elapsed: Duration,
}

/// The chain and its indexes as RPC reads them (under the node's read lock).
#[derive(Debug)]
pub struct ChainView {
    /// The chain.
    pub chain: LocalChain,
    /// States after recent blocks, by number (the head's included).
    states: BTreeMap<u64, HostState>,
    /// Block number by hash.
    numbers: HashMap<B256, u64>,
    /// `(block number, index)` by transaction hash.
    locations: HashMap<B256, (u64, usize)>,
    /// Hashes of headers, by number (index = number).
    hashes: Vec<B256>,
}

impl ChainView {
    fn new(chain: LocalChain) -> Self {
        let mut view = Self {
            states: BTreeMap::from([(0, chain.state.clone())]),
            hashes: Vec::new(),
            numbers: HashMap::new(),
            locations: HashMap::new(),
            chain,
        };
        view.index_header(0);
        view
    }

    fn index_header(&mut self, number: u64) {
        let hash = self.chain.headers[number as usize].hash_slow();
        self.hashes.push(hash);
        self.numbers.insert(hash, number);
        if number > 0 {
            for (index, tx) in self.chain.blocks[number as usize - 1]
                .body
                .transactions
                .iter()
                .enumerate()
            {
                self.locations.insert(*tx.tx_hash(), (number, index));
            }
        }
    }

    /// Records the block just appended to the chain, keeping `history` states.
    fn push_block(&mut self, history: usize) {
        let number = self.head_number();
        self.index_header(number);
        self.states.insert(number, self.chain.state.clone());
        while self.states.len() > history.max(1) {
            self.states.pop_first();
        }
    }

    /// The head's number.
    pub fn head_number(&self) -> u64 {
        self.chain.head().number
    }

    /// The number a block tag or number names, if the chain has that block (`pending`, `safe`
    /// and `finalized` are the head: every block is final here).
    pub fn resolve(&self, tag: BlockNumberOrTag) -> Option<u64> {
        let number = match tag {
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Number(n) => n,
            _ => self.head_number(),
        };
        (number <= self.head_number()).then_some(number)
    }

    /// The hash of block `number`.
    pub fn hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(usize::try_from(number).ok()?).copied()
    }

    /// The number of the block with `hash`.
    pub fn number_of(&self, hash: B256) -> Option<u64> {
        self.numbers.get(&hash).copied()
    }

    /// Block `number` (the genesis block has an empty body).
    pub fn block(&self, number: u64) -> Option<Block<TxEnvelope>> {
        if number == 0 {
            let header: Header = self.chain.headers[0].clone();
            return Some(Block {
                header,
                body: BlockBody {
                    transactions: Vec::new(),
                    ommers: Vec::new(),
                    withdrawals: Some(Withdrawals::default()),
                },
            });
        }
        self.chain
            .blocks
            .get(usize::try_from(number - 1).ok()?)
            .cloned()
    }

    /// Where the transaction with `hash` is: `(block number, index)`.
    pub fn location(&self, hash: B256) -> Option<(u64, usize)> {
        self.locations.get(&hash).copied()
    }

    /// The state after block `number`, if it is among the kept ones.
    pub fn state_at(&self, number: u64) -> Option<&HostState> {
        self.states.get(&number)
    }

    /// The oldest block whose state is kept.
    pub fn oldest_state(&self) -> u64 {
        self.states.keys().next().copied().unwrap_or_default()
    }
}

/// Mutable node state behind the lock.
#[derive(Debug)]
struct Inner {
    view: ChainView,
    generator: TxGenerator,
    pool: Vec<Pending>,
}

/// A running devnet chain. Thread-safe: RPC handlers read while the producer writes.
#[derive(Debug)]
pub struct Node {
    inner: RwLock<Inner>,
    genesis: Genesis,
    config: NodeConfig,
}

/// A saved chain: enough to replay it to the same head.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedChain {
    /// Format version ([`STATE_FILE_VERSION`]).
    version: u32,
    /// The genesis the chain started from (wallet funding included).
    genesis: Genesis,
    /// Seconds between block timestamps.
    timestamp_step: u64,
    /// The generator's counters.
    generator: GeneratorCursor,
    /// RLP of every block after genesis.
    blocks: Vec<Bytes>,
    /// The head's hash, checked after replay.
    head_hash: B256,
}

/// The state-file format this build writes and reads.
const STATE_FILE_VERSION: u32 = 1;

impl Node {
    /// Starts a chain at genesis, or continues the one saved in `config.state_file` (its blocks
    /// are re-executed and must reach the saved head hash).
    pub fn new(config: NodeConfig) -> Result<Self, NodeError> {
        let saved = match &config.state_file {
            Some(path) if path.exists() => Some(read_state_file(path)?),
            _ => None,
        };
        let (genesis, timestamp_step) = match &saved {
            Some(saved) => (saved.genesis.clone(), saved.timestamp_step),
            None => {
                let mut genesis = config.genesis.clone();
                if let Some(balance) = config.wallet_balance {
                    let wallets = TxGenerator::new(0, config.seed.as_bytes(), config.wallets);
                    genesis.fund(wallets.wallets.iter().map(|w| w.address), balance);
                }
                (genesis, config.timestamp_step)
            }
        };
        let spec = genesis.chain_spec(timestamp_step)?;
        let state = genesis.state(&spec);
        let chain_id = spec.chain_id;
        let chain = LocalChain::new(spec, genesis.block_settings(timestamp_step), state);
        let mut inner = Inner {
            view: ChainView::new(chain),
            generator: TxGenerator::new(chain_id, config.seed.as_bytes(), config.wallets),
            pool: Vec::new(),
        };
        if let Some(saved) = saved {
            let path = config.state_file.clone().expect("loaded from it");
            inner.replay(&saved, &path, config.state_history)?;
            inner.generator.set_cursor(&saved.generator);
        }
        let config = NodeConfig {
            timestamp_step,
            ..config
        };
        Ok(Self {
            inner: RwLock::new(inner),
            genesis,
            config,
        })
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.read().chain.spec.chain_id
    }

    /// The genesis in use (wallet funding included).
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The configuration in use.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The generator's wallets (address and secret), for users who sign by hand.
    pub fn wallets(&self) -> Vec<(Address, B256)> {
        let inner = self.inner.read().expect("node lock poisoned");
        inner
            .generator
            .wallets
            .iter()
            .map(|w| (w.address, w.secret()))
            .collect()
    }

    /// Read access to the chain and its indexes.
    pub fn read(&self) -> NodeRead<'_> {
        NodeRead(self.inner.read().expect("node lock poisoned"))
    }

    /// Pending transactions from `sender` (what its `pending` nonce adds to the latest one).
    pub fn pending_nonce_offset(&self, sender: Address) -> u64 {
        let inner = self.inner.read().expect("node lock poisoned");
        inner.pool.iter().filter(|p| p.sender == sender).count() as u64
    }

    /// Number of pending transactions.
    pub fn pending_count(&self) -> usize {
        self.inner.read().expect("node lock poisoned").pool.len()
    }

    /// Produces the next block: pending transactions first (as many as the gas limit takes),
    /// then generated ones (only when the pool was drained). A pending transaction that
    /// nevertheless fails is dropped and the block is built without the pool.
    pub fn produce_block(&self) -> Result<BlockSummary, NodeError> {
        let started = Instant::now();
        let mut inner = self.inner.write().expect("node lock poisoned");
        let gas_limit = inner.view.chain.settings.gas_limit;
        let mut budget = gas_limit;
        let mut taken = 0;
        for pending in &inner.pool {
            if pending.tx.gas_limit() > budget {
                break;
            }
            budget -= pending.tx.gas_limit();
            taken += 1;
        }
        let submitted: Vec<TxEnvelope> = inner.pool[..taken].iter().map(|p| p.tx.clone()).collect();
        let drained = taken == inner.pool.len();
        let saved_generator = inner.generator.clone();
        let generated = if drained {
            inner.generate(&self.config, &submitted, budget)
        } else {
            Vec::new()
        };
        let number = inner.view.head_number() + 1;
        let txs: Vec<TxEnvelope> = submitted.iter().cloned().chain(generated).collect();
        let result = inner.view.chain.build_block(txs).map(|_| ());
        let submitted_count = match result {
            Ok(()) => {
                inner.pool.drain(..taken);
                taken
            }
            Err(error) if taken > 0 => {
                tracing::warn!(number, %error, dropped = taken, "pending transactions failed; building without them");
                inner.pool.drain(..taken);
                inner.generator = saved_generator;
                let generated = inner.generate(&self.config, &[], gas_limit);
                inner
                    .view
                    .chain
                    .build_block(generated)
                    .map_err(|source| NodeError::Build { number, source })?;
                0
            }
            Err(source) => {
                inner.generator = saved_generator;
                return Err(NodeError::Build { number, source });
            }
        };
        inner.view.push_block(self.config.state_history);
        let chain = &inner.view.chain;
        let header = chain.head();
        let summary = BlockSummary {
            number,
            hash: inner.view.hash(number).expect("just indexed"),
            txs: chain
                .blocks
                .last()
                .expect("just built")
                .body
                .transactions
                .len(),
            submitted: submitted_count,
            gas_used: header.gas_used,
            witness_bytes: serde_json::to_vec(chain.witnesses.last().expect("just built"))
                .map_or(0, |json| json.len()),
            elapsed: started.elapsed(),
        };
        if self.config.persist_every > 0 && number.is_multiple_of(self.config.persist_every) {
            self.save(&inner)?;
        }
        Ok(summary)
    }

    /// Admits a signed EIP-2718 transaction to the pending pool if it would execute in the
    /// next block after the sender's pending ones; returns its hash. A refusal changes nothing.
    pub fn send_raw_transaction(&self, raw: &[u8]) -> Result<B256, TxRejected> {
        let tx =
            TxEnvelope::decode_2718_exact(raw).map_err(|e| TxRejected::Decode(e.to_string()))?;
        if tx.is_eip4844() {
            return Err(TxRejected::Blob);
        }
        let mut inner = self.inner.write().expect("node lock poisoned");
        let chain = &inner.view.chain;
        let expected = chain.spec.chain_id;
        if tx.chain_id() != Some(expected) {
            return Err(TxRejected::ChainId {
                expected,
                found: tx.chain_id(),
            });
        }
        let sender = tx.recover_signer().map_err(|_| TxRejected::Signature)?;
        let hash = *tx.tx_hash();
        if inner.view.location(hash).is_some() || inner.pool.iter().any(|p| p.hash == hash) {
            return Err(TxRejected::AlreadyKnown(hash));
        }
        let ahead: Vec<TxEnvelope> = inner
            .pool
            .iter()
            .filter(|p| p.sender == sender)
            .map(|p| p.tx.clone())
            .collect();
        let next_nonce =
            chain.state.accounts.get(&sender).map_or(0, |a| a.nonce) + ahead.len() as u64;
        if tx.nonce() != next_nonce {
            return Err(TxRejected::Nonce {
                expected: next_nonce,
                found: tx.nonce(),
            });
        }
        let limit = chain.settings.gas_limit;
        if tx.gas_limit() > limit {
            return Err(TxRejected::GasLimit {
                limit,
                found: tx.gas_limit(),
            });
        }
        let base_fee = chain
            .head()
            .next_block_base_fee(BaseFeeParams::ethereum())
            .unwrap_or_default();
        if tx.max_fee_per_gas() < u128::from(base_fee) {
            return Err(TxRejected::FeeTooLow {
                base_fee,
                found: tx.max_fee_per_gas(),
            });
        }
        let mut trial = ahead;
        trial.push(tx.clone());
        chain
            .check_next_block(trial)
            .map_err(|e| TxRejected::Execution(e.to_string()))?;
        inner.pool.push(Pending { tx, sender, hash });
        Ok(hash)
    }

    /// Saves the chain to the state file (atomically: a temporary file renamed over it). Does
    /// nothing without a state file.
    pub fn persist(&self) -> Result<(), NodeError> {
        let inner = self.inner.read().expect("node lock poisoned");
        self.save(&inner)
    }

    fn save(&self, inner: &Inner) -> Result<(), NodeError> {
        let Some(path) = &self.config.state_file else {
            return Ok(());
        };
        let chain = &inner.view.chain;
        let saved = SavedChain {
            version: STATE_FILE_VERSION,
            genesis: self.genesis.clone(),
            timestamp_step: self.config.timestamp_step,
            generator: inner.generator.cursor(),
            blocks: chain
                .blocks
                .iter()
                .map(|b| Bytes::from(alloy_rlp::encode(b)))
                .collect(),
            head_hash: inner.view.hash(inner.view.head_number()).expect("indexed"),
        };
        let json = serde_json::to_vec(&saved).expect("a saved chain serializes");
        let io = |source| NodeError::StateFileIo {
            path: path.clone(),
            source,
        };
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp).map_err(io)?;
            file.write_all(&json).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }
}

impl Inner {
    /// Generated transactions after `submitted` within `budget` gas: first the deployments the
    /// mix needs, then draws from it. Wallet nonces are synced from the state first.
    fn generate(
        &mut self,
        config: &NodeConfig,
        submitted: &[TxEnvelope],
        budget: u64,
    ) -> Vec<TxEnvelope> {
        if config.txs_per_block == 0 {
            return Vec::new();
        }
        let state = &self.view.chain.state;
        for wallet in &mut self.generator.wallets {
            let pending = submitted
                .iter()
                .filter(|tx| tx.recover_signer().ok() == Some(wallet.address))
                .count() as u64;
            wallet.nonce = state.accounts.get(&wallet.address).map_or(0, |a| a.nonce) + pending;
        }
        let mut txs = self.generator.setup(&config.mix, config.token_supply);
        let setup_gas: u64 = txs.iter().map(|tx| tx.gas_limit()).sum();
        let count = config.txs_per_block.saturating_sub(txs.len());
        txs.extend(
            self.generator
                .fill_mix(&config.mix, count, budget.saturating_sub(setup_gas)),
        );
        txs
    }

    /// Re-executes a saved chain's blocks; each must come out with its saved hash.
    fn replay(&mut self, saved: &SavedChain, path: &Path, history: usize) -> Result<(), NodeError> {
        let invalid = |message: String| NodeError::StateFile {
            path: path.to_path_buf(),
            message,
        };
        for (index, rlp) in saved.blocks.iter().enumerate() {
            let number = index as u64 + 1;
            let block = Block::<TxEnvelope>::decode(&mut rlp.as_ref())
                .map_err(|e| invalid(format!("block {number}: {e}")))?;
            let expected = block.header.hash_slow();
            self.view
                .chain
                .build_block(block.body.transactions)
                .map_err(|source| NodeError::Build { number, source })?;
            self.view.push_block(history);
            let found = self.view.hash(number).expect("just indexed");
            if found != expected {
                return Err(invalid(format!(
                    "block {number} replays to hash {found}, saved {expected}"
                )));
            }
        }
        let head = self.view.hash(self.view.head_number()).expect("indexed");
        if head != saved.head_hash {
            return Err(invalid(format!(
                "replayed head {head} is not the saved head {}",
                saved.head_hash
            )));
        }
        Ok(())
    }
}

fn read_state_file(path: &Path) -> Result<SavedChain, NodeError> {
    let bytes = std::fs::read(path).map_err(|source| NodeError::StateFileIo {
        path: path.to_path_buf(),
        source,
    })?;
    let saved: SavedChain = serde_json::from_slice(&bytes).map_err(|e| NodeError::StateFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if saved.version != STATE_FILE_VERSION {
        return Err(NodeError::StateFile {
            path: path.to_path_buf(),
            message: format!(
                "format version {} (this build reads {STATE_FILE_VERSION})",
                saved.version
            ),
        });
    }
    Ok(saved)
}

/// A read guard over the node's chain.
pub struct NodeRead<'a>(RwLockReadGuard<'a, Inner>);

impl std::ops::Deref for NodeRead<'_> {
    type Target = ChainView;

    fn deref(&self) -> &ChainView {
        &self.0.view
    }
}

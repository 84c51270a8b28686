//! A chain kept in memory: the full state, every header, block and per-block execution witness.
//! Blocks are built from transactions on top of the head, with every header field that
//! execution determines filled in, so they validate as a real node's would.

use std::ops::RangeInclusive;

use alloy_consensus::{
    Block, BlockBody, Header, ReceiptEnvelope, TxEnvelope, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawals, eip7685::EMPTY_REQUESTS_HASH};
use alloy_hardforks::EthereumHardforks;
use alloy_primitives::{Address, B256, U256};
use rollproof_stateless::{
    host::{fill_body_roots, merge_witnesses, HostError, HostState},
    ChainSpec, ChunkInput, ExecutionWitness, EMPTY_ROOT_HASH,
};

/// Block parameters that are chain settings rather than execution results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSettings {
    /// Gas limit of every block.
    pub gas_limit: u64,
    /// Fee recipient.
    pub coinbase: Address,
    /// Seconds between blocks.
    pub block_time: u64,
    /// Base fee of the genesis block.
    pub genesis_base_fee: u64,
    /// Timestamp of the genesis block.
    pub genesis_timestamp: u64,
}

impl Default for BlockSettings {
    fn default() -> Self {
        Self {
            gas_limit: 30_000_000,
            coinbase: Address::repeat_byte(0xc0),
            block_time: 3,
            genesis_base_fee: 1_000_000_000,
            genesis_timestamp: 1_700_000_000,
        }
    }
}

/// An in-memory chain from genesis to its head.
#[derive(Clone, Debug)]
pub struct LocalChain {
    /// Execution rules.
    pub spec: ChainSpec,
    /// Block settings.
    pub settings: BlockSettings,
    /// The full state at the head.
    pub state: HostState,
    /// Headers from genesis (index = block number).
    pub headers: Vec<Header>,
    /// Blocks 1..=head (index = number - 1).
    pub blocks: Vec<Block<TxEnvelope>>,
    /// The execution witness of each block (index = number - 1).
    pub witnesses: Vec<ExecutionWitness>,
    /// The receipts of each block (index = number - 1).
    pub receipts: Vec<Vec<ReceiptEnvelope>>,
}

impl LocalChain {
    /// A chain at its genesis block: `spec`'s genesis state (system contracts) with every
    /// `(address, balance)` of `funded` (e.g. [`TxGenerator::allocation`](crate::TxGenerator::allocation)).
    pub fn funded(
        spec: ChainSpec,
        settings: BlockSettings,
        funded: impl IntoIterator<Item = (Address, U256)>,
    ) -> Self {
        let state = crate::genesis_state(&spec, settings.genesis_timestamp, funded);
        Self::new(spec, settings, state)
    }

    /// A chain at its genesis block over `state`.
    pub fn new(spec: ChainSpec, settings: BlockSettings, state: HostState) -> Self {
        let cancun = spec.blob_params_at(settings.genesis_timestamp).is_some();
        let prague = spec.is_prague_active_at_timestamp(settings.genesis_timestamp);
        let genesis = Header {
            number: 0,
            timestamp: settings.genesis_timestamp,
            gas_limit: settings.gas_limit,
            base_fee_per_gas: Some(settings.genesis_base_fee),
            withdrawals_root: Some(EMPTY_ROOT_HASH),
            excess_blob_gas: cancun.then_some(0),
            blob_gas_used: cancun.then_some(0),
            parent_beacon_block_root: cancun.then_some(B256::ZERO),
            requests_hash: prague.then_some(EMPTY_REQUESTS_HASH),
            state_root: state.state_root(),
            transactions_root: EMPTY_ROOT_HASH,
            receipts_root: EMPTY_ROOT_HASH,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            ..Default::default()
        };
        Self {
            spec,
            settings,
            state,
            headers: vec![genesis],
            blocks: Vec::new(),
            witnesses: Vec::new(),
            receipts: Vec::new(),
        }
    }

    /// The head's header.
    pub fn head(&self) -> &Header {
        self.headers
            .last()
            .expect("the genesis header is always there")
    }

    /// The header of block `number`, if the chain has it.
    pub fn header(&self, number: u64) -> Option<&Header> {
        self.headers.get(usize::try_from(number).ok()?)
    }

    /// The template of the next block: every header field that does not depend on execution
    /// (parent, number, timestamp, gas limit, base fee, fork fields), with `transactions` and
    /// its body roots filled in.
    pub fn next_block_template(&self, transactions: Vec<TxEnvelope>) -> Block<TxEnvelope> {
        let parent = self.head();
        let number = parent.number + 1;
        let timestamp = parent.timestamp + self.settings.block_time;
        let blob_params = self.spec.blob_params_at(timestamp);
        let header = Header {
            parent_hash: parent.hash_slow(),
            number,
            timestamp,
            gas_limit: self.settings.gas_limit,
            beneficiary: self.settings.coinbase,
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: blob_params.and_then(|p| parent.next_block_excess_blob_gas(p)),
            parent_beacon_block_root: blob_params.map(|_| B256::with_last_byte(number as u8)),
            requests_hash: self
                .spec
                .is_prague_active_at_timestamp(timestamp)
                .then_some(EMPTY_REQUESTS_HASH),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            ..Default::default()
        };
        let mut block = Block {
            header,
            body: BlockBody {
                transactions,
                ommers: Vec::new(),
                withdrawals: Some(Withdrawals::default()),
            },
        };
        fill_body_roots(&mut block);
        block
    }

    /// Checks that `transactions` would make a valid next block, without changing the chain.
    pub fn check_next_block(&self, transactions: Vec<TxEnvelope>) -> Result<(), HostError> {
        let block = self.next_block_template(transactions);
        self.state
            .generate_witness(&self.spec, &self.headers, &block, &[])
            .map(|_| ())
    }

    /// Builds the next block from `transactions` (which must all be valid: an invalid one is
    /// an error and leaves the chain unchanged), appends it and returns it.
    pub fn build_block(
        &mut self,
        transactions: Vec<TxEnvelope>,
    ) -> Result<&Block<TxEnvelope>, HostError> {
        let mut block = self.next_block_template(transactions);
        let generated = self
            .state
            .generate_witness(&self.spec, &self.headers, &block, &[])?;
        generated.outcome.seal(&mut block.header);
        self.state = generated.post_state;
        self.headers.push(block.header.clone());
        self.witnesses.push(generated.witness);
        self.receipts.push(generated.receipts);
        self.blocks.push(block);
        Ok(self.blocks.last().expect("just pushed"))
    }

    /// The chunk of blocks `numbers` with their merged witness, ready for
    /// [`validate_chunk`](rollproof_stateless::validate_chunk).
    pub fn chunk_input(&self, numbers: RangeInclusive<u64>) -> ChunkInput {
        let (first, last) = (*numbers.start() as usize, *numbers.end() as usize);
        assert!(
            first >= 1 && first <= last && last <= self.blocks.len(),
            "blocks {numbers:?} are not in the chain"
        );
        ChunkInput {
            blocks: self.blocks[first - 1..last].to_vec(),
            witness: merge_witnesses(first as u64, &self.witnesses[first - 1..last]),
            prev_msg_queue_hash: B256::ZERO,
            withdraw_root_slot: None,
        }
    }
}

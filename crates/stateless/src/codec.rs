//! The chunk witness and its compact binary encoding: what a chunk prover (the guest) reads.
//!
//! Layout: one version byte ([`CHUNK_WITNESS_VERSION`]) followed by one RLP list
//! `[chain_id, fork, prev_msg_queue_hash, withdraw_root_slot, blocks, state, codes, keys,
//! headers]`: `fork` is the lower-case fork name, `withdraw_root_slot` is empty or
//! `address ‖ slot` (52 bytes), `blocks` are full RLP blocks, the rest are lists of byte
//! strings as in [`ExecutionWitness`]. RLP is canonical, already what blocks and trie nodes are
//! made of, and decodes in `no_std` without a schema crate. The version byte changes whenever
//! the layout does; a decoder refuses versions it does not know.

use alloc::{string::String, vec::Vec};

use alloy_consensus::{Block, TxEnvelope};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};
use rollproof_primitives::{ChunkInfo, ForkName};

use crate::{
    chain::ChainSpec, crypto::Crypto, error::ValidationError, validate::validate_chunk,
    validate::ChunkInput, witness::ExecutionWitness,
};

/// The encoding version this build writes and reads.
pub const CHUNK_WITNESS_VERSION: u8 = 1;

/// Everything needed to prove a chunk: the chain and fork it runs under, and the input.
/// Feature `serde`: also (de)serializes, for the human-readable JSON form.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChunkWitness {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The fork of the chunk's blocks (its rules).
    pub fork: ForkName,
    /// Blocks, execution witness and message-queue hash.
    pub input: ChunkInput,
}

/// Why bytes are not a chunk witness.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// No bytes at all.
    #[error("empty chunk witness")]
    Empty,
    /// A version this build does not read.
    #[error("chunk witness version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The RLP body is malformed.
    #[error("chunk witness RLP: {0}")]
    Rlp(alloy_rlp::Error),
    /// Bytes follow the RLP body.
    #[error("{0} trailing bytes after the chunk witness")]
    TrailingBytes(usize),
    /// The fork name is not one this build knows.
    #[error("unknown fork {0:?}")]
    UnknownFork(String),
    /// The withdraw-root slot is neither empty nor 52 bytes.
    #[error("withdraw-root slot must be empty or 52 bytes, found {0}")]
    WithdrawRootSlot(usize),
}

/// The RLP body, field for field.
#[derive(RlpEncodable, RlpDecodable)]
struct Body {
    chain_id: u64,
    fork: Bytes,
    prev_msg_queue_hash: B256,
    withdraw_root_slot: Bytes,
    blocks: Vec<Block<TxEnvelope>>,
    state: Vec<Bytes>,
    codes: Vec<Bytes>,
    keys: Vec<Bytes>,
    headers: Vec<Bytes>,
}

impl ChunkWitness {
    /// The versioned binary encoding.
    pub fn encode(&self) -> Vec<u8> {
        let input = &self.input;
        let slot = input.withdraw_root_slot.map_or_else(Vec::new, |(a, s)| {
            let mut bytes = a.to_vec();
            bytes.extend_from_slice(&s.to_be_bytes::<32>());
            bytes
        });
        let body = Body {
            chain_id: self.chain_id,
            fork: Bytes::from_static(self.fork.as_str().as_bytes()),
            prev_msg_queue_hash: input.prev_msg_queue_hash,
            withdraw_root_slot: slot.into(),
            blocks: input.blocks.clone(),
            state: input.witness.state.clone(),
            codes: input.witness.codes.clone(),
            keys: input.witness.keys.clone(),
            headers: input.witness.headers.clone(),
        };
        let mut out = Vec::with_capacity(1 + alloy_rlp::Encodable::length(&body));
        out.push(CHUNK_WITNESS_VERSION);
        alloy_rlp::Encodable::encode(&body, &mut out);
        out
    }

    /// Decodes [`Self::encode`]'s output.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let (&version, mut rest) = bytes.split_first().ok_or(CodecError::Empty)?;
        if version != CHUNK_WITNESS_VERSION {
            return Err(CodecError::UnsupportedVersion {
                found: version,
                supported: CHUNK_WITNESS_VERSION,
            });
        }
        let body = Body::decode(&mut rest).map_err(CodecError::Rlp)?;
        if !rest.is_empty() {
            return Err(CodecError::TrailingBytes(rest.len()));
        }
        let name = core::str::from_utf8(&body.fork)
            .map_err(|_| CodecError::UnknownFork(alloc::format!("{:?}", body.fork)))?;
        let fork = name
            .parse()
            .map_err(|_| CodecError::UnknownFork(name.into()))?;
        let withdraw_root_slot = match body.withdraw_root_slot.len() {
            0 => None,
            52 => Some((
                Address::from_slice(&body.withdraw_root_slot[..20]),
                U256::from_be_slice(&body.withdraw_root_slot[20..]),
            )),
            n => return Err(CodecError::WithdrawRootSlot(n)),
        };
        Ok(Self {
            chain_id: body.chain_id,
            fork,
            input: ChunkInput {
                blocks: body.blocks,
                witness: ExecutionWitness {
                    state: body.state,
                    codes: body.codes,
                    keys: body.keys,
                    headers: body.headers,
                },
                prev_msg_queue_hash: body.prev_msg_queue_hash,
                withdraw_root_slot,
            },
        })
    }

    /// Validates the chunk under its fork's rules (see [`validate_chunk`]).
    pub fn validate(&self, crypto: &impl Crypto) -> Result<ChunkInfo, ValidationError> {
        validate_chunk(
            &ChainSpec::from_fork(self.chain_id, self.fork),
            &self.input,
            crypto,
        )
    }
}

//! Trie nodes in memory and their RLP form.

use alloc::{boxed::Box, vec::Vec};

use alloy_primitives::{keccak256, B256};
use alloy_rlp::{Encodable, Header, EMPTY_STRING_CODE};

use super::nibbles::{decode_path, encode_path};

/// A trie node. `Hash` stands for a subtrie not revealed yet: it is known only by its hash,
/// and the witness must hold its RLP for any access below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// No node (empty trie or empty branch slot).
    Empty,
    /// An unrevealed node referenced by hash.
    Hash(B256),
    /// A leaf: the rest of the key and the stored value.
    Leaf { path: Vec<u8>, value: Vec<u8> },
    /// An extension: a shared path and the node below it (a branch, or unrevealed).
    Extension { path: Vec<u8>, child: Box<Node> },
    /// A branch: one slot per nibble. Values in branches cannot occur in tries with
    /// fixed-length keys (every Ethereum trie), so they are rejected when decoding.
    Branch { children: Box<[Node; 16]> },
}

/// Why bytes are not a valid trie node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Not an RLP list of 2 or 17 items, or trailing bytes.
    Malformed,
    /// A hex-prefix path with an undefined flag.
    BadPath,
    /// A branch holding a value (keys of different lengths).
    BranchValue,
}

impl Node {
    /// An empty branch.
    pub(crate) fn empty_branch() -> Self {
        Node::Branch {
            children: Box::new(core::array::from_fn(|_| Node::Empty)),
        }
    }

    /// Decodes a node from its RLP encoding. Embedded children (RLP shorter than 32 bytes) are
    /// decoded in place; 32-byte references become [`Node::Hash`].
    pub(crate) fn decode(mut rlp: &[u8]) -> Result<Self, DecodeError> {
        let node = Self::decode_item(&mut rlp)?;
        if !rlp.is_empty() {
            return Err(DecodeError::Malformed);
        }
        Ok(node)
    }

    /// Decodes one node (an RLP list) from the front of `buf`.
    fn decode_item(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let header = Header::decode(buf).map_err(|_| DecodeError::Malformed)?;
        if !header.list || buf.len() < header.payload_length {
            return Err(DecodeError::Malformed);
        }
        let (mut payload, rest) = buf.split_at(header.payload_length);
        *buf = rest;
        let mut items: Vec<&[u8]> = Vec::with_capacity(17);
        while !payload.is_empty() {
            let start = payload;
            let item = Header::decode(&mut payload).map_err(|_| DecodeError::Malformed)?;
            if payload.len() < item.payload_length {
                return Err(DecodeError::Malformed);
            }
            payload = &payload[item.payload_length..];
            items.push(&start[..start.len() - payload.len()]);
        }
        match items.len() {
            2 => {
                let encoded_path = string_payload(items[0])?;
                let (path, is_leaf) = decode_path(encoded_path).ok_or(DecodeError::BadPath)?;
                if is_leaf {
                    let value = string_payload(items[1])?.to_vec();
                    Ok(Node::Leaf { path, value })
                } else {
                    let child = Self::decode_child(items[1])?;
                    if child == Node::Empty {
                        return Err(DecodeError::Malformed);
                    }
                    Ok(Node::Extension {
                        path,
                        child: Box::new(child),
                    })
                }
            }
            17 => {
                if !string_payload(items[16])?.is_empty() {
                    return Err(DecodeError::BranchValue);
                }
                let mut children: [Node; 16] = core::array::from_fn(|_| Node::Empty);
                for (slot, item) in children.iter_mut().zip(&items[..16]) {
                    *slot = Self::decode_child(item)?;
                }
                Ok(Node::Branch {
                    children: Box::new(children),
                })
            }
            _ => Err(DecodeError::Malformed),
        }
    }

    /// Decodes a child reference: empty string, 32-byte hash, or an embedded node.
    fn decode_child(item: &[u8]) -> Result<Self, DecodeError> {
        if item.first().is_some_and(|&b| b >= 0xc0) {
            let mut buf = item;
            return Self::decode_item(&mut buf);
        }
        match string_payload(item)? {
            [] => Ok(Node::Empty),
            hash if hash.len() == 32 => Ok(Node::Hash(B256::from_slice(hash))),
            _ => Err(DecodeError::Malformed),
        }
    }

    /// The node's RLP encoding. Unrevealed children are referenced by their hash.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Node::Empty => out.push(EMPTY_STRING_CODE),
            Node::Hash(hash) => hash.encode(&mut out),
            Node::Leaf { path, value } => {
                let path = encode_path(path, true);
                let payload = path.as_slice().length() + value.as_slice().length();
                Header {
                    list: true,
                    payload_length: payload,
                }
                .encode(&mut out);
                path.as_slice().encode(&mut out);
                value.as_slice().encode(&mut out);
            }
            Node::Extension { path, child } => {
                let path = encode_path(path, false);
                let child = child.reference();
                Header {
                    list: true,
                    payload_length: path.as_slice().length() + child.len(),
                }
                .encode(&mut out);
                path.as_slice().encode(&mut out);
                out.extend_from_slice(&child);
            }
            Node::Branch { children } => {
                let refs: Vec<Vec<u8>> = children.iter().map(Node::reference).collect();
                // 16 child references plus the empty value.
                let payload = refs.iter().map(Vec::len).sum::<usize>() + 1;
                Header {
                    list: true,
                    payload_length: payload,
                }
                .encode(&mut out);
                for r in &refs {
                    out.extend_from_slice(r);
                }
                out.push(EMPTY_STRING_CODE);
            }
        }
        out
    }

    /// How a parent refers to this node: the RLP itself when shorter than 32 bytes, else the
    /// RLP string of its keccak hash.
    pub(crate) fn reference(&self) -> Vec<u8> {
        match self {
            Node::Empty => alloc::vec![EMPTY_STRING_CODE],
            Node::Hash(hash) => {
                let mut out = Vec::with_capacity(33);
                hash.encode(&mut out);
                out
            }
            _ => {
                let rlp = self.encode();
                if rlp.len() < 32 {
                    rlp
                } else {
                    let mut out = Vec::with_capacity(33);
                    keccak256(&rlp).encode(&mut out);
                    out
                }
            }
        }
    }

    /// The hash of this node as a trie root (always hashed, even when short).
    pub(crate) fn root_hash(&self) -> B256 {
        match self {
            Node::Hash(hash) => *hash,
            _ => keccak256(self.encode()),
        }
    }
}

/// The payload of an RLP string item (rejects lists).
fn string_payload(item: &[u8]) -> Result<&[u8], DecodeError> {
    let mut buf = item;
    let header = Header::decode(&mut buf).map_err(|_| DecodeError::Malformed)?;
    if header.list || buf.len() != header.payload_length {
        return Err(DecodeError::Malformed);
    }
    Ok(buf)
}

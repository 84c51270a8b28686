//! A sparse Merkle-Patricia trie revealed lazily from witness nodes.
//!
//! A [`SparseTrie`] starts as just its root hash. Each access walks down from the root and
//! replaces hash references by the nodes the [`WitnessNodes`] hold, so only the paths a block
//! touches are ever decoded. Updates rebuild the affected path; [`SparseTrie::root`] re-hashes the
//! revealed part; unrevealed subtries count by their hash. When a node the walk needs is not in
//! the witness, the operation fails with [`TrieError::MissingNode`].
//!
//! Deletions that leave a branch with a single child must merge that child into its parent,
//! which needs the child's node even though the deleted key does not lead through it: a witness
//! must carry such siblings.

mod nibbles;
mod node;

use alloc::{boxed::Box, collections::BTreeMap, vec::Vec};
use core::mem;

use alloy_primitives::{b256, keccak256, B256};

pub use nibbles::Nibbles;
use nibbles::{common_prefix, concat};
use node::{DecodeError, Node};

/// Root hash of the empty trie: keccak256(rlp("")).
pub const EMPTY_ROOT_HASH: B256 =
    b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// Why a trie operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// The walk needs a node the witness does not hold.
    #[error("witness lacks trie node {hash} at path {path}")]
    MissingNode {
        /// Hash of the missing node.
        hash: B256,
        /// Where in the trie it sits.
        path: Nibbles,
    },
    /// A witness node is not a valid trie node.
    #[error("invalid trie node {hash} at path {path}: {reason}")]
    InvalidNode {
        /// Hash of the node.
        hash: B256,
        /// Where in the trie it sits.
        path: Nibbles,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key ends inside the trie's structure: keys of different lengths, which Ethereum tries
    /// never have.
    #[error("key ends at a branch at path {path}: keys must all have the same length")]
    KeyLength {
        /// Where the key ended.
        path: Nibbles,
    },
}

/// The RLP trie nodes of a witness, keyed by their keccak hash.
#[derive(Clone, Debug, Default)]
pub struct WitnessNodes {
    nodes: BTreeMap<B256, Vec<u8>>,
}

impl WitnessNodes {
    /// Indexes RLP-encoded nodes by hash (duplicates are harmless).
    pub fn from_rlp_nodes<I, N>(nodes: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<Vec<u8>>,
    {
        let nodes = nodes
            .into_iter()
            .map(|rlp| {
                let rlp = rlp.into();
                (keccak256(&rlp), rlp)
            })
            .collect();
        Self { nodes }
    }

    /// The RLP of the node with this hash.
    pub fn get(&self, hash: &B256) -> Option<&[u8]> {
        self.nodes.get(hash).map(Vec::as_slice)
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the witness holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Decodes the node `hash` found at `path`.
    fn reveal(&self, hash: B256, path: &[u8]) -> Result<Node, TrieError> {
        let at = || Nibbles::from_nibbles(path.to_vec());
        let rlp = self
            .get(&hash)
            .ok_or_else(|| TrieError::MissingNode { hash, path: at() })?;
        Node::decode(rlp).map_err(|e| TrieError::InvalidNode {
            hash,
            path: at(),
            reason: match e {
                DecodeError::Malformed => "not an RLP leaf, extension or branch",
                DecodeError::BadPath => "bad hex-prefix path",
                DecodeError::BranchValue => "branch holds a value",
            },
        })
    }
}

/// A Merkle-Patricia trie of which only the parts revealed from a witness are in memory.
///
/// Keys are byte strings of one fixed length (32 bytes for Ethereum's secure tries; the caller
/// hashes them); values are non-empty byte strings (RLP of an account or a storage value).
#[derive(Clone, Debug)]
pub struct SparseTrie {
    root: Node,
}

impl SparseTrie {
    /// A trie known only by its root hash.
    pub fn new(root: B256) -> Self {
        let root = if root == EMPTY_ROOT_HASH {
            Node::Empty
        } else {
            Node::Hash(root)
        };
        Self { root }
    }

    /// The value stored at `key`, or `None` when the witness proves it absent.
    pub fn get(&mut self, witness: &WitnessNodes, key: &[u8]) -> Result<Option<&[u8]>, TrieError> {
        let path = Nibbles::unpack(key);
        let path = path.as_slice();
        let mut node = &mut self.root;
        let mut depth = 0;
        loop {
            if let Node::Hash(hash) = *node {
                *node = witness.reveal(hash, &path[..depth])?;
            }
            match node {
                Node::Empty | Node::Hash(_) => return Ok(None),
                Node::Leaf { path: rest, value } => {
                    return Ok((rest.as_slice() == &path[depth..]).then_some(value.as_slice()));
                }
                Node::Extension {
                    path: shared,
                    child,
                } => {
                    if !path[depth..].starts_with(shared) {
                        return Ok(None);
                    }
                    depth += shared.len();
                    node = child;
                }
                Node::Branch { children } => {
                    let Some(&nibble) = path.get(depth) else {
                        return Err(TrieError::KeyLength {
                            path: Nibbles::from_nibbles(path.to_vec()),
                        });
                    };
                    depth += 1;
                    node = &mut children[usize::from(nibble)];
                }
            }
        }
    }

    /// Sets `key` to `value` (an empty value deletes the key, as in Ethereum's tries).
    ///
    /// After an error the trie may be partly updated: discard it (the block is invalid).
    pub fn insert(
        &mut self,
        witness: &WitnessNodes,
        key: &[u8],
        value: Vec<u8>,
    ) -> Result<(), TrieError> {
        if value.is_empty() {
            return self.remove(witness, key).map(|_| ());
        }
        let path = Nibbles::unpack(key);
        insert_at(&mut self.root, witness, path.as_slice(), 0, value)
    }

    /// Removes `key`; returns whether it was present. Collapsing a branch left with one child
    /// reveals that child, so the witness must hold it.
    ///
    /// After an error the trie may be partly updated: discard it (the block is invalid).
    pub fn remove(&mut self, witness: &WitnessNodes, key: &[u8]) -> Result<bool, TrieError> {
        let path = Nibbles::unpack(key);
        remove_at(&mut self.root, witness, path.as_slice(), 0)
    }

    /// The root hash of the whole trie.
    pub fn root(&self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            node => node.root_hash(),
        }
    }
}

/// Reveals `node` in place if it is a hash reference.
fn reveal_in_place(node: &mut Node, witness: &WitnessNodes, at: &[u8]) -> Result<(), TrieError> {
    if let Node::Hash(hash) = *node {
        *node = witness.reveal(hash, at)?;
    }
    Ok(())
}

/// Inserts under `node`, which sits at `path[..depth]`.
fn insert_at(
    node: &mut Node,
    witness: &WitnessNodes,
    path: &[u8],
    depth: usize,
    value: Vec<u8>,
) -> Result<(), TrieError> {
    reveal_in_place(node, witness, &path[..depth])?;
    let rest = &path[depth..];
    match node {
        Node::Empty => {
            *node = Node::Leaf {
                path: rest.to_vec(),
                value,
            };
            Ok(())
        }
        Node::Hash(_) => unreachable!("revealed above"),
        Node::Leaf {
            path: leaf_path,
            value: leaf_value,
        } => {
            if leaf_path.as_slice() == rest {
                *leaf_value = value;
                return Ok(());
            }
            let shared = common_prefix(leaf_path, rest);
            if shared == leaf_path.len() || shared == rest.len() {
                return Err(TrieError::KeyLength {
                    path: Nibbles::from_nibbles(path[..depth + shared].to_vec()),
                });
            }
            let mut branch = Node::empty_branch();
            if let Node::Branch { children } = &mut branch {
                children[usize::from(leaf_path[shared])] = Node::Leaf {
                    path: leaf_path[shared + 1..].to_vec(),
                    value: mem::take(leaf_value),
                };
                children[usize::from(rest[shared])] = Node::Leaf {
                    path: rest[shared + 1..].to_vec(),
                    value,
                };
            }
            *node = with_extension(&rest[..shared], branch);
            Ok(())
        }
        Node::Extension {
            path: ext_path,
            child,
        } => {
            let shared = common_prefix(ext_path, rest);
            if shared == ext_path.len() {
                return insert_at(child, witness, path, depth + shared, value);
            }
            if shared == rest.len() {
                return Err(TrieError::KeyLength {
                    path: Nibbles::from_nibbles(path.to_vec()),
                });
            }
            // Split the extension at the first differing nibble.
            let old_child = mem::replace(child.as_mut(), Node::Empty);
            let mut branch = Node::empty_branch();
            if let Node::Branch { children } = &mut branch {
                children[usize::from(ext_path[shared])] =
                    with_extension(&ext_path[shared + 1..], old_child);
                children[usize::from(rest[shared])] = Node::Leaf {
                    path: rest[shared + 1..].to_vec(),
                    value,
                };
            }
            *node = with_extension(&rest[..shared], branch);
            Ok(())
        }
        Node::Branch { children } => {
            let Some(&nibble) = rest.first() else {
                return Err(TrieError::KeyLength {
                    path: Nibbles::from_nibbles(path.to_vec()),
                });
            };
            insert_at(
                &mut children[usize::from(nibble)],
                witness,
                path,
                depth + 1,
                value,
            )
        }
    }
}

/// `node` below an extension of `path`, or `node` itself when `path` is empty.
fn with_extension(path: &[u8], node: Node) -> Node {
    if path.is_empty() {
        node
    } else {
        Node::Extension {
            path: path.to_vec(),
            child: Box::new(node),
        }
    }
}

/// Removes under `node`, which sits at `path[..depth]`; returns whether the key was present.
fn remove_at(
    node: &mut Node,
    witness: &WitnessNodes,
    path: &[u8],
    depth: usize,
) -> Result<bool, TrieError> {
    reveal_in_place(node, witness, &path[..depth])?;
    let rest = &path[depth..];
    match node {
        Node::Empty => Ok(false),
        Node::Hash(_) => unreachable!("revealed above"),
        Node::Leaf {
            path: leaf_path, ..
        } => {
            if leaf_path.as_slice() != rest {
                return Ok(false);
            }
            *node = Node::Empty;
            Ok(true)
        }
        Node::Extension {
            path: ext_path,
            child,
        } => {
            if !rest.starts_with(ext_path) {
                return Ok(false);
            }
            let child_depth = depth + ext_path.len();
            if !remove_at(child, witness, path, child_depth)? {
                return Ok(false);
            }
            // The child (a branch) may have collapsed into a leaf or extension: merge paths.
            let merged = match mem::replace(child.as_mut(), Node::Empty) {
                Node::Empty => Node::Empty,
                Node::Leaf { path: p, value } => Node::Leaf {
                    path: concat(ext_path, &p),
                    value,
                },
                Node::Extension { path: p, child } => Node::Extension {
                    path: concat(ext_path, &p),
                    child,
                },
                other => Node::Extension {
                    path: mem::take(ext_path),
                    child: Box::new(other),
                },
            };
            *node = merged;
            Ok(true)
        }
        Node::Branch { children } => {
            let Some(&nibble) = rest.first() else {
                return Err(TrieError::KeyLength {
                    path: Nibbles::from_nibbles(path.to_vec()),
                });
            };
            let slot = usize::from(nibble);
            if !remove_at(&mut children[slot], witness, path, depth + 1)? {
                return Ok(false);
            }
            if children[slot] != Node::Empty {
                return Ok(true);
            }
            let remaining: Vec<usize> = (0..16).filter(|&i| children[i] != Node::Empty).collect();
            if let [only] = remaining.as_slice() {
                // Collapsing merges the last child into this node: it must be revealed, even
                // though the removed key does not lead through it.
                let mut sibling_path = path[..depth].to_vec();
                sibling_path.push(*only as u8);
                reveal_in_place(&mut children[*only], witness, &sibling_path)?;
            }
            match remaining.as_slice() {
                [] => *node = Node::Empty,
                [only] => {
                    let prefix = [*only as u8];
                    *node = match mem::replace(&mut children[*only], Node::Empty) {
                        Node::Leaf { path: p, value } => Node::Leaf {
                            path: concat(&prefix, &p),
                            value,
                        },
                        Node::Extension { path: p, child } => Node::Extension {
                            path: concat(&prefix, &p),
                            child,
                        },
                        other => with_extension(&prefix, other),
                    };
                }
                _ => {}
            }
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests;

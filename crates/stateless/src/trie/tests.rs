//! The sparse trie against alloy-trie's `HashBuilder` (an independent MPT implementation) as
//! the reference for roots and proofs.

extern crate std;

use alloc::{collections::BTreeMap, vec, vec::Vec};

use alloy_primitives::{keccak256, B256};
use alloy_trie::{proof::ProofRetainer, HashBuilder, Nibbles as RefNibbles};
use proptest::prelude::*;

use super::*;

type Model = BTreeMap<B256, Vec<u8>>;

/// Reference root and the proof nodes for `targets`, from alloy-trie.
fn reference(model: &Model, targets: &[B256]) -> (B256, Vec<Vec<u8>>) {
    let retainer = ProofRetainer::new(targets.iter().map(|k| RefNibbles::unpack(k)).collect());
    let mut builder = HashBuilder::default().with_proof_retainer(retainer);
    for (key, value) in model {
        builder.add_leaf(RefNibbles::unpack(key), value);
    }
    let root = builder.root();
    let nodes = builder
        .take_proof_nodes()
        .into_nodes_sorted()
        .into_iter()
        .map(|(_, rlp)| rlp.to_vec())
        .collect();
    (root, nodes)
}

fn key(i: u64) -> B256 {
    keccak256(i.to_be_bytes())
}

/// A model of `n` keys with values of varied length (1..=40 bytes: short leaves get embedded).
fn model(n: u64) -> Model {
    (0..n)
        .map(|i| (key(i), vec![(i % 251) as u8 + 1; (i % 40) as usize + 1]))
        .collect()
}

/// A trie over `model` revealed only along the paths of `targets`.
fn sparse(model: &Model, targets: &[B256]) -> (SparseTrie, WitnessNodes) {
    let (root, nodes) = reference(model, targets);
    (SparseTrie::new(root), WitnessNodes::from_rlp_nodes(nodes))
}

#[test]
fn empty_trie_has_the_empty_root() {
    let (root, _) = reference(&Model::new(), &[]);
    assert_eq!(root, EMPTY_ROOT_HASH);
    let mut trie = SparseTrie::new(EMPTY_ROOT_HASH);
    assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    assert_eq!(trie.get(&WitnessNodes::default(), &[0u8; 32]), Ok(None));
}

#[test]
fn building_from_scratch_matches_the_reference_root() {
    for n in [1, 2, 3, 16, 17, 100, 1000] {
        let model = model(n);
        let mut trie = SparseTrie::new(EMPTY_ROOT_HASH);
        let none = WitnessNodes::default();
        for (k, v) in &model {
            trie.insert(&none, k.as_slice(), v.clone()).unwrap();
        }
        assert_eq!(trie.root(), reference(&model, &[]).0, "n = {n}");
    }
}

#[test]
fn keys_sharing_long_prefixes_give_embedded_nodes() {
    // Keys equal but for the last nibbles: leaves near the bottom have 1-2 nibble paths and
    // 1-byte values, so their RLP is shorter than 32 bytes and is embedded in the parent.
    let mut model = Model::new();
    for i in 0..40u8 {
        let mut k = [0xabu8; 32];
        k[31] = i.wrapping_mul(37);
        k[30] = i % 3;
        model.insert(B256::from(k), vec![i + 1]);
    }
    let targets: Vec<B256> = model.keys().copied().collect();
    let (mut trie, witness) = sparse(&model, &targets);
    for (k, v) in &model {
        assert_eq!(
            trie.get(&witness, k.as_slice()).unwrap(),
            Some(v.as_slice())
        );
    }
    let mut rebuilt = SparseTrie::new(EMPTY_ROOT_HASH);
    for (k, v) in &model {
        rebuilt.insert(&witness, k.as_slice(), v.clone()).unwrap();
    }
    assert_eq!(rebuilt.root(), trie.root());
    assert_eq!(trie.root(), reference(&model, &[]).0);
}

#[test]
fn witness_proves_presence_and_absence() {
    let model = model(300);
    let present: Vec<B256> = (0..300).step_by(29).map(key).collect();
    let absent: Vec<B256> = (1000..1010).map(key).collect();
    let targets: Vec<B256> = present.iter().chain(&absent).copied().collect();
    let (mut trie, witness) = sparse(&model, &targets);
    for k in &present {
        assert_eq!(
            trie.get(&witness, k.as_slice()).unwrap(),
            model.get(k).map(Vec::as_slice)
        );
    }
    for k in &absent {
        assert_eq!(trie.get(&witness, k.as_slice()).unwrap(), None);
    }
    // Revealing changes nothing about the root.
    assert_eq!(trie.root(), reference(&model, &[]).0);
}

#[test]
fn unproven_keys_are_errors_never_wrong_answers() {
    let model = model(300);
    let (mut trie, witness) = sparse(&model, &[key(5)]);
    let mut missing = 0;
    for i in 0..300 {
        match trie.get(&witness, key(i).as_slice()) {
            Ok(found) => assert_eq!(found, model.get(&key(i)).map(Vec::as_slice), "key {i}"),
            Err(TrieError::MissingNode { .. }) => missing += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert!(missing > 250, "only {missing} keys were unprovable");

    // With no witness at all, even the root is missing.
    let mut bare = SparseTrie::new(trie.root());
    assert_eq!(
        bare.get(&WitnessNodes::default(), key(1).as_slice()),
        Err(TrieError::MissingNode {
            hash: trie.root(),
            path: Nibbles::default()
        })
    );
}

#[test]
fn updates_on_a_partial_witness_match_the_reference() {
    let mut model = model(500);
    let touched: Vec<B256> = (0..500)
        .step_by(7)
        .map(key)
        .chain((600..620).map(key))
        .collect();
    let (mut trie, witness) = sparse(&model, &touched);
    for (n, k) in touched.iter().enumerate() {
        let value = vec![n as u8 ^ 0x5a; n % 50 + 1];
        trie.insert(&witness, k.as_slice(), value.clone()).unwrap();
        model.insert(*k, value);
    }
    assert_eq!(trie.root(), reference(&model, &[]).0);
}

#[test]
fn deleting_needs_the_sibling_that_collapses() {
    // Two keys under one branch: deleting one merges the other into the parent.
    let mut model = Model::new();
    let (a, b) = (key(1), key(2));
    model.insert(a, vec![1; 40]);
    model.insert(b, vec![2; 40]);
    let (mut trie, witness) = sparse(&model, &[a]);
    let err = trie.remove(&witness, a.as_slice()).unwrap_err();
    assert!(
        matches!(&err, TrieError::MissingNode { path, .. } if path.len() == 1),
        "{err}"
    );

    let (_, sibling_proof) = reference(&model, &[a, b]);
    let (mut trie, _) = sparse(&model, &[a]);
    let witness = WitnessNodes::from_rlp_nodes(sibling_proof);
    assert!(trie.remove(&witness, a.as_slice()).unwrap());
    model.remove(&a);
    assert_eq!(trie.root(), reference(&model, &[]).0);
    assert!(
        !trie.remove(&witness, a.as_slice()).unwrap(),
        "already gone"
    );
    // Deleting the last key empties the trie.
    assert!(trie.remove(&witness, b.as_slice()).unwrap());
    assert_eq!(trie.root(), EMPTY_ROOT_HASH);
}

#[test]
fn inserting_an_empty_value_deletes() {
    let model = model(20);
    let targets: Vec<B256> = model.keys().copied().collect();
    let (mut trie, witness) = sparse(&model, &targets);
    trie.insert(&witness, key(3).as_slice(), Vec::new())
        .unwrap();
    let mut expected = model.clone();
    expected.remove(&key(3));
    assert_eq!(trie.root(), reference(&expected, &[]).0);
}

#[test]
fn malformed_witness_nodes_are_typed_errors() {
    let cases: [(&[u8], &str); 6] = [
        (&[0xc0], "not an RLP leaf, extension or branch"),
        (
            &[0xc3, 0x80, 0x80, 0x80],
            "not an RLP leaf, extension or branch",
        ),
        (
            &[0x83, 0x01, 0x02, 0x03],
            "not an RLP leaf, extension or branch",
        ),
        (&[0xc2, 0x80, 0x80], "bad hex-prefix path"),
        (&[0xc3, 0x81, 0x90, 0x01], "bad hex-prefix path"),
        // A branch of 16 empty slots holding the value 0x01.
        (
            &[
                0xd1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                0x80, 0x80, 0x80, 0x01,
            ],
            "branch holds a value",
        ),
    ];
    for (rlp, reason) in cases {
        let witness = WitnessNodes::from_rlp_nodes([rlp.to_vec()]);
        let mut trie = SparseTrie::new(keccak256(rlp));
        let err = trie.get(&witness, &[0u8; 32]).unwrap_err();
        assert!(
            matches!(err, TrieError::InvalidNode { reason: r, .. } if r == reason),
            "{rlp:x?}: {err}"
        );
    }
}

#[test]
fn keys_of_different_lengths_are_rejected() {
    let mut trie = SparseTrie::new(EMPTY_ROOT_HASH);
    let none = WitnessNodes::default();
    trie.insert(&none, &[1, 2], vec![1]).unwrap();
    trie.insert(&none, &[1, 3], vec![2]).unwrap();
    assert!(matches!(
        trie.insert(&none, &[1], vec![3]),
        Err(TrieError::KeyLength { .. })
    ));
}

#[derive(Clone, Debug)]
enum Op {
    Set(u8, Vec<u8>),
    Remove(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 1..48))
            .prop_map(|(k, v)| Op::Set(k, v)),
        any::<u8>().prop_map(Op::Remove),
    ]
}

proptest! {
    /// Any sequence of sets and removes, applied on a partial witness that covers the touched
    /// keys and their siblings, ends at the reference root.
    #[test]
    fn random_updates_match_the_reference(initial in 0u64..120, ops in proptest::collection::vec(op(), 1..80)) {
        let mut model = model(initial);
        let touched: Vec<B256> = ops.iter().map(|op| match op {
            Op::Set(k, _) | Op::Remove(k) => key(u64::from(*k)),
        }).collect();
        // A full reveal of every key keeps siblings available for any collapse.
        let all: Vec<B256> = model.keys().chain(&touched).copied().collect();
        let (mut trie, witness) = sparse(&model, &all);
        for op in ops {
            match op {
                Op::Set(k, v) => {
                    trie.insert(&witness, key(u64::from(k)).as_slice(), v.clone()).unwrap();
                    model.insert(key(u64::from(k)), v);
                }
                Op::Remove(k) => {
                    let removed = trie.remove(&witness, key(u64::from(k)).as_slice()).unwrap();
                    prop_assert_eq!(removed, model.remove(&key(u64::from(k))).is_some());
                }
            }
        }
        prop_assert_eq!(trie.root(), reference(&model, &[]).0);
    }
}

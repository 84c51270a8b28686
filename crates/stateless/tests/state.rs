//! World state and the revm database over a witness, against full-state roots computed with
//! alloy-trie (an independent MPT implementation).

use std::collections::BTreeMap;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{proof::ProofRetainer, HashBuilder, Nibbles, TrieAccount, KECCAK_EMPTY};
use revm::Database;
use rollproof_stateless::{
    state::slot_key, AccountChange, AccountFields, DatabaseError, StateAccount, StateError,
    TrieError, WitnessDatabase, WitnessNodes, WitnessState, EMPTY_ROOT_HASH,
};

/// A full in-memory state: the reference model.
#[derive(Clone, Default)]
struct Full {
    accounts: BTreeMap<Address, (u64, U256, B256, BTreeMap<U256, U256>)>,
}

/// Root and proof nodes of a trie over `leaves` (key -> value), retaining proofs for `targets`.
fn trie(leaves: BTreeMap<B256, Vec<u8>>, targets: &[B256]) -> (B256, Vec<Bytes>) {
    let retainer = ProofRetainer::new(targets.iter().map(|k| Nibbles::unpack(k)).collect());
    let mut builder = HashBuilder::default().with_proof_retainer(retainer);
    for (k, v) in &leaves {
        builder.add_leaf(Nibbles::unpack(k), v);
    }
    let root = builder.root();
    let nodes = builder.take_proof_nodes().into_nodes_sorted();
    (root, nodes.into_iter().map(|(_, rlp)| rlp).collect())
}

impl Full {
    /// State root and a witness proving every account in `touched` and all of its storage.
    fn root_and_witness(&self, touched: &[Address]) -> (B256, WitnessNodes) {
        let mut nodes = Vec::new();
        let mut leaves = BTreeMap::new();
        for (address, (nonce, balance, code_hash, storage)) in &self.accounts {
            let slots: BTreeMap<B256, Vec<u8>> = storage
                .iter()
                .map(|(slot, value)| (slot_key(*slot), alloy_rlp::encode(value)))
                .collect();
            let targets: Vec<B256> = if touched.contains(address) {
                slots.keys().copied().collect()
            } else {
                Vec::new()
            };
            let (storage_root, storage_nodes) = trie(slots, &targets);
            nodes.extend(storage_nodes);
            let account = TrieAccount {
                nonce: *nonce,
                balance: *balance,
                storage_root,
                code_hash: *code_hash,
            };
            leaves.insert(keccak256(address), alloy_rlp::encode(account));
        }
        let targets: Vec<B256> = touched.iter().map(keccak256).collect();
        let (root, account_nodes) = trie(leaves, &targets);
        nodes.extend(account_nodes);
        (
            root,
            WitnessNodes::from_rlp_nodes(nodes.into_iter().map(Vec::from)),
        )
    }

    fn root(&self) -> B256 {
        self.root_and_witness(&[]).0
    }
}

fn address(i: u8) -> Address {
    Address::repeat_byte(i)
}

fn sample() -> Full {
    let mut full = Full::default();
    for i in 1..=30u8 {
        let storage: BTreeMap<U256, U256> = (0..u64::from(i % 5) * 3)
            .map(|s| (U256::from(s), U256::from(u64::from(i) * 1000 + s + 1)))
            .collect();
        let code_hash = if i % 3 == 0 {
            keccak256([i])
        } else {
            KECCAK_EMPTY
        };
        full.accounts.insert(
            address(i),
            (u64::from(i), U256::from(i) << 70, code_hash, storage),
        );
    }
    full
}

#[test]
fn account_encoding_matches_alloy_trie() {
    let ours = StateAccount {
        nonce: 7,
        balance: U256::from(123456789u64),
        storage_root: EMPTY_ROOT_HASH,
        code_hash: KECCAK_EMPTY,
    };
    let reference = TrieAccount {
        nonce: 7,
        balance: U256::from(123456789u64),
        storage_root: EMPTY_ROOT_HASH,
        code_hash: KECCAK_EMPTY,
    };
    assert_eq!(alloy_rlp::encode(ours), alloy_rlp::encode(reference));
}

#[test]
fn reads_prove_accounts_and_storage() {
    let full = sample();
    let absent = address(200);
    let (root, witness) = full.root_and_witness(&[address(4), address(5), absent]);
    let mut state = WitnessState::new(root, witness);

    let (nonce, balance, code_hash, storage) = &full.accounts[&address(4)];
    let account = state.account(address(4)).unwrap().unwrap();
    assert_eq!(
        (account.nonce, account.balance, account.code_hash),
        (*nonce, *balance, *code_hash)
    );
    for (slot, value) in storage {
        assert_eq!(state.storage(address(4), *slot).unwrap(), *value);
    }
    // Account 5 has no storage: any slot is zero, and so is any slot of an absent account.
    assert_eq!(
        state.storage(address(5), U256::from(1)).unwrap(),
        U256::ZERO
    );
    assert_eq!(state.account(absent).unwrap(), None);
    assert_eq!(state.storage(absent, U256::from(9)).unwrap(), U256::ZERO);
    assert_eq!(state.root(), root);

    // An account outside the witness is an error naming it.
    let err = state.account(address(17)).unwrap_err();
    assert!(
        matches!(err, StateError::Account { address: a, source: TrieError::MissingNode { .. } } if a == address(17)),
        "{err}"
    );
}

#[test]
fn applying_changes_reaches_the_reference_post_state_root() {
    let mut full = sample();
    let touched = [
        address(4),
        address(9),
        address(12),
        address(20),
        address(99),
    ];
    let (root, witness) = full.root_and_witness(&touched);

    let changes = vec![
        // Balance and nonce change, one slot updated, one cleared, one new.
        AccountChange {
            address: address(4),
            account: Some(AccountFields {
                nonce: 5,
                balance: U256::from(1),
                code_hash: KECCAK_EMPTY,
            }),
            storage_wiped: false,
            storage: vec![
                (U256::from(0), U256::from(77)),
                (U256::from(1), U256::ZERO),
                (U256::from(50), U256::from(5)),
            ],
        },
        // Account removed.
        AccountChange {
            address: address(9),
            account: None,
            storage_wiped: true,
            storage: vec![],
        },
        // Storage wiped and rewritten.
        AccountChange {
            address: address(12),
            account: Some(AccountFields {
                nonce: 1,
                balance: U256::ZERO,
                code_hash: keccak256([1u8]),
            }),
            storage_wiped: true,
            storage: vec![(U256::from(3), U256::from(3))],
        },
        // Only the balance changes; storage untouched.
        AccountChange {
            address: address(20),
            account: Some(AccountFields {
                nonce: 20,
                balance: U256::from(2),
                code_hash: KECCAK_EMPTY,
            }),
            storage_wiped: false,
            storage: vec![],
        },
        // A new account.
        AccountChange {
            address: address(99),
            account: Some(AccountFields {
                nonce: 0,
                balance: U256::from(10),
                code_hash: KECCAK_EMPTY,
            }),
            storage_wiped: false,
            storage: vec![(U256::from(8), U256::from(8))],
        },
    ];
    // Removing account 9 collapses a branch whose other child no touched key leads through:
    // a witness of the touched accounts alone cannot do it.
    let err = WitnessState::new(root, witness)
        .apply(&changes)
        .unwrap_err();
    assert!(
        matches!(err, StateError::Account { address: a, source: TrieError::MissingNode { .. } } if a == address(9)),
        "{err}"
    );
    // With every account proven (siblings included) it can.
    let everyone: Vec<Address> = full.accounts.keys().copied().chain([address(99)]).collect();
    let (_, account_witness) = full.root_and_witness(&everyone);
    let mut state = WitnessState::new(root, account_witness);
    let new_root = state.apply(&changes).unwrap();

    let a4 = full.accounts.get_mut(&address(4)).unwrap();
    a4.0 = 5;
    a4.1 = U256::from(1);
    a4.3.insert(U256::from(0), U256::from(77));
    a4.3.remove(&U256::from(1));
    a4.3.insert(U256::from(50), U256::from(5));
    full.accounts.remove(&address(9));
    full.accounts.insert(
        address(12),
        (
            1,
            U256::ZERO,
            keccak256([1u8]),
            BTreeMap::from([(U256::from(3), U256::from(3))]),
        ),
    );
    let a20 = full.accounts.get_mut(&address(20)).unwrap();
    a20.1 = U256::from(2);
    full.accounts.insert(
        address(99),
        (
            0,
            U256::from(10),
            KECCAK_EMPTY,
            BTreeMap::from([(U256::from(8), U256::from(8))]),
        ),
    );
    assert_eq!(new_root, full.root());
    assert_ne!(new_root, root);
}

#[test]
fn database_serves_the_witness_and_refuses_the_rest() {
    let full = sample();
    let (root, witness) = full.root_and_witness(&[address(3), address(6)]);
    let code = Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]);
    let code_hash = keccak256(&code);
    let hashes = BTreeMap::from([(41u64, B256::repeat_byte(41))]);
    let mut db =
        WitnessDatabase::new(WitnessState::new(root, witness), [code.clone()], hashes).unwrap();

    let info = db.basic(address(3)).unwrap().unwrap();
    assert_eq!(info.nonce, 3);
    assert_eq!(info.code_hash, keccak256([3u8]));
    let (_, _, _, storage) = &full.accounts[&address(3)];
    let (slot, value) = storage.iter().next().unwrap();
    assert_eq!(db.storage(address(3), *slot).unwrap(), *value);

    assert_eq!(db.code_by_hash(code_hash).unwrap().original_bytes(), code);
    assert!(db.code_by_hash(KECCAK_EMPTY).unwrap().is_empty());
    assert_eq!(
        db.code_by_hash(keccak256([3u8])),
        Err(DatabaseError::MissingCode(keccak256([3u8])))
    );

    assert_eq!(db.block_hash(41).unwrap(), B256::repeat_byte(41));
    assert_eq!(db.block_hash(40), Err(DatabaseError::MissingBlockHash(40)));
    assert!(matches!(
        db.basic(address(22)),
        Err(DatabaseError::State(e)) if matches!(*e, StateError::Account { .. })
    ));
}

#[test]
fn malformed_leaves_are_typed_errors() {
    // An account leaf that is not an RLP account.
    let key = keccak256(address(1));
    let (root, nodes) = trie(BTreeMap::from([(key, vec![0x01, 0x02])]), &[key]);
    let mut state = WitnessState::new(
        root,
        WitnessNodes::from_rlp_nodes(nodes.into_iter().map(Vec::from)),
    );
    assert!(matches!(
        state.account(address(1)),
        Err(StateError::InvalidAccount { .. })
    ));
}

//! Signing keys for generated transactions: a deterministic set of funded accounts, each
//! tracking its next nonce.

use alloy_consensus::{
    crypto::secp256k1::{public_key_to_address, sign_message},
    SignableTransaction, TxEip1559, TxEnvelope,
};
use alloy_primitives::{keccak256, Address, Bytes, TxKind, B256, U256};

/// A secp256k1 key with its address and next nonce.
#[derive(Clone, Debug)]
pub struct Wallet {
    secret: B256,
    /// The account's address.
    pub address: Address,
    /// Nonce of the next transaction this wallet signs.
    pub nonce: u64,
}

/// Gas price settings of generated transactions (EIP-1559).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fees {
    /// Max fee per gas.
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas.
    pub max_priority_fee_per_gas: u128,
}

impl Default for Fees {
    fn default() -> Self {
        Self {
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        }
    }
}

impl Wallet {
    /// The wallet of `secret` (a valid secp256k1 scalar) with nonce 0.
    pub fn new(secret: B256) -> Self {
        let key = k256::ecdsa::SigningKey::from_slice(secret.as_slice())
            .expect("wallet secrets come from derive(), which yields valid scalars");
        Self {
            secret,
            address: public_key_to_address(*key.verifying_key()),
            nonce: 0,
        }
    }

    /// The secret key (a devnet key: printed at startup so users can sign with it).
    pub fn secret(&self) -> B256 {
        self.secret
    }

    /// The `index`-th deterministic wallet of `seed` (`keccak256(seed ‖ index)`).
    pub fn derive(seed: &[u8], index: u64) -> Self {
        let mut preimage = seed.to_vec();
        preimage.extend(index.to_be_bytes());
        Self::new(keccak256(preimage))
    }

    /// Signs an EIP-1559 transaction with this wallet's next nonce and bumps the nonce.
    pub fn sign(
        &mut self,
        chain_id: u64,
        to: TxKind,
        value: U256,
        input: Bytes,
        gas_limit: u64,
        fees: Fees,
    ) -> TxEnvelope {
        let tx = TxEip1559 {
            chain_id,
            nonce: self.nonce,
            gas_limit,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            to,
            value,
            input,
            ..Default::default()
        };
        let signature = sign_message(self.secret, tx.signature_hash())
            .expect("a valid secret signs any digest");
        self.nonce += 1;
        tx.into_signed(signature).into()
    }
}

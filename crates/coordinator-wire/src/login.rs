//! The login message, its RLP signing hash, and signing / checking it with secp256k1.

use alloy_primitives::keccak256;
use alloy_rlp::{Encodable, Header};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The login message a prover signs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginMessage {
    /// The challenge token.
    pub challenge: String,
    /// `vX.Y.Z-<git7>-<zk version>`.
    pub prover_version: String,
    /// The prover's name.
    pub prover_name: String,
    /// 1 internal, 2 external.
    #[serde(default)]
    pub prover_provider_type: u8,
    /// Task types it proves.
    #[serde(default)]
    pub prover_types: Vec<u8>,
    /// Verifying keys it supports.
    #[serde(default)]
    pub vks: Vec<String>,
}

impl LoginMessage {
    /// RLP of the fields in order: strings, provider type as an integer, prover_types as a
    /// byte string, vks as a list of strings.
    pub fn rlp(&self) -> Vec<u8> {
        let vks_len: usize = self.vks.iter().map(|v| v.as_str().length()).sum();
        let vks_header = Header {
            list: true,
            payload_length: vks_len,
        };
        let fields_len = self.challenge.as_str().length()
            + self.prover_version.as_str().length()
            + self.prover_name.as_str().length()
            + self.prover_provider_type.length()
            + self.prover_types.as_slice().length()
            + vks_header.length()
            + vks_len;
        let mut out = Vec::with_capacity(fields_len + 8);
        Header {
            list: true,
            payload_length: fields_len,
        }
        .encode(&mut out);
        self.challenge.as_str().encode(&mut out);
        self.prover_version.as_str().encode(&mut out);
        self.prover_name.as_str().encode(&mut out);
        self.prover_provider_type.encode(&mut out);
        self.prover_types.as_slice().encode(&mut out);
        vks_header.encode(&mut out);
        for v in &self.vks {
            v.as_str().encode(&mut out);
        }
        out
    }

    /// keccak256 of [`Self::rlp`]: what is signed.
    pub fn hash(&self) -> [u8; 32] {
        keccak256(self.rlp()).0
    }
}

/// The `/login` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The signed message.
    pub message: LoginMessage,
    /// Compressed secp256k1 public key, hex.
    pub public_key: String,
    /// 65-byte signature (`r ‖ s ‖ v`, v in {0, 1}), hex.
    pub signature: String,
}

impl LoginRequest {
    /// Checks that [`Self::signature`] over the message's [`hash`](LoginMessage::hash) was made
    /// by [`Self::public_key`]. The signature's v may be 0, 1, 27 or 28; the error says what is
    /// wrong with it.
    pub fn verify(&self) -> Result<(), &'static str> {
        let sig = hex::decode(self.signature.trim_start_matches("0x"))
            .map_err(|_| "signature is not hex")?;
        if sig.len() != 65 {
            return Err("signature must be 65 bytes");
        }
        let key = hex::decode(self.public_key.trim_start_matches("0x"))
            .map_err(|_| "public key is not hex")?;
        let key = VerifyingKey::from_sec1_bytes(&key).map_err(|_| "public key is not secp256k1")?;
        let v = match sig[64] {
            v @ (0 | 1) => v,
            v @ (27 | 28) => v - 27,
            _ => return Err("bad recovery id"),
        };
        let rs = Signature::from_slice(&sig[..64]).map_err(|_| "malformed signature")?;
        let recid = RecoveryId::from_byte(v).ok_or("bad recovery id")?;
        let recovered = VerifyingKey::recover_from_prehash(&self.message.hash(), &rs, recid)
            .map_err(|_| "cannot recover key")?;
        if recovered != key {
            return Err("signed by another key");
        }
        Ok(())
    }
}

/// Signs `message` with `key`: the `/login` body with the compressed public key and the
/// 65-byte recoverable signature, both hex.
pub fn sign_login(message: LoginMessage, key: &SigningKey) -> LoginRequest {
    let (signature, recid) = key
        .sign_prehash_recoverable(&message.hash())
        .expect("a 32-byte prehash always signs");
    let mut bytes = signature.to_bytes().to_vec();
    bytes.push(recid.to_byte());
    LoginRequest {
        message,
        public_key: hex::encode(key.verifying_key().to_encoded_point(true).as_bytes()),
        signature: hex::encode(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> LoginMessage {
        LoginMessage {
            challenge: "challenge".into(),
            prover_version: "v0.1.0-abcdef1-zk".into(),
            prover_name: "prover-0".into(),
            prover_provider_type: 1,
            prover_types: vec![1, 2],
            vks: vec!["vk-a".into(), "vk-b".into()],
        }
    }

    #[test]
    fn a_signed_login_verifies_and_any_change_breaks_it() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let signed = sign_login(message(), &key);
        assert_eq!(signed.verify(), Ok(()));

        let mut changed = signed.clone();
        changed.message.prover_types = vec![1];
        assert_eq!(changed.verify(), Err("signed by another key"));
        let mut other_key = signed.clone();
        other_key.public_key = hex::encode(
            SigningKey::from_slice(&[8u8; 32])
                .unwrap()
                .verifying_key()
                .to_encoded_point(true)
                .as_bytes(),
        );
        assert_eq!(other_key.verify(), Err("signed by another key"));
        let mut short = signed.clone();
        short.signature.truncate(128);
        assert_eq!(short.verify(), Err("signature must be 65 bytes"));
        let mut bad_v = signed;
        bad_v.signature.replace_range(128.., "05");
        assert_eq!(bad_v.verify(), Err("bad recovery id"));
    }

    #[test]
    fn the_rlp_is_a_list_of_the_fields_in_order() {
        let rlp = message().rlp();
        // 0xc0+len list header, then "challenge" as 0x89 + 9 bytes.
        assert_eq!(rlp[0] as usize, 0xc0 + rlp.len() - 1);
        assert_eq!(&rlp[1..11], b"\x89challenge");
        // ... provider type 1, prover types as the byte string [1, 2], vks as a list.
        assert!(rlp.ends_with(b"\x01\x82\x01\x02\xca\x84vk-a\x84vk-b"));
    }
}

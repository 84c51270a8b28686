//! Authentication as in the reference: a challenge JWT, a login message signed with secp256k1
//! over keccak256(RLP(message)), and a login JWT with the reference's claims.

use alloy_primitives::keccak256;
use alloy_rlp::{Encodable, Header};
use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Validation};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, BAD_PARAMETER, JWT_ERROR, JWT_EXPIRED};

/// The claims of a challenge token: 32 random bytes (hex) and the expiry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeClaims {
    /// 32 random bytes, hex.
    pub random: String,
    /// Expiry, unix seconds.
    pub exp: u64,
}

/// The claims of a login token (the reference's names).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginClaims {
    /// Compressed secp256k1 public key, hex.
    pub public_key: String,
    /// The prover's name.
    pub prover_name: String,
    /// The prover's version string.
    pub prover_version: String,
    /// The forks the prover supports, comma-joined.
    pub hard_fork_name: String,
    /// 1 internal, 2 external.
    pub prover_provider_type: u8,
    /// Expiry, unix seconds.
    pub exp: u64,
}

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
        let fields_len = self.challenge.as_str().length()
            + self.prover_version.as_str().length()
            + self.prover_name.as_str().length()
            + self.prover_provider_type.length()
            + self.prover_types.as_slice().length()
            + Header {
                list: true,
                payload_length: vks_len,
            }
            .length()
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
        Header {
            list: true,
            payload_length: vks_len,
        }
        .encode(&mut out);
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

/// Checks that `signature` (hex, 65 bytes r‖s‖v, v in {0,1,27,28}) over `hash` was made by
/// `public_key` (hex, compressed secp256k1).
pub fn verify_signature(
    hash: &[u8; 32],
    public_key: &str,
    signature: &str,
) -> Result<(), ApiError> {
    let bad = |m: &str| ApiError::new(BAD_PARAMETER, format!("signature verification failed: {m}"));
    let sig =
        hex::decode(signature.trim_start_matches("0x")).map_err(|_| bad("signature is not hex"))?;
    if sig.len() != 65 {
        return Err(bad("signature must be 65 bytes"));
    }
    let key = hex::decode(public_key.trim_start_matches("0x"))
        .map_err(|_| bad("public key is not hex"))?;
    let key =
        VerifyingKey::from_sec1_bytes(&key).map_err(|_| bad("public key is not secp256k1"))?;
    let v = match sig[64] {
        v @ (0 | 1) => v,
        v @ (27 | 28) => v - 27,
        _ => return Err(bad("bad recovery id")),
    };
    let rs = Signature::from_slice(&sig[..64]).map_err(|_| bad("malformed signature"))?;
    let recid = RecoveryId::from_byte(v).ok_or_else(|| bad("bad recovery id"))?;
    let recovered = VerifyingKey::recover_from_prehash(hash, &rs, recid)
        .map_err(|_| bad("cannot recover key"))?;
    if recovered != key {
        return Err(bad("signed by another key"));
    }
    Ok(())
}

/// Issues and checks both kinds of tokens with one HMAC secret.
#[derive(Clone)]
pub struct Tokens {
    enc: EncodingKey,
    dec: DecodingKey,
    challenge_ttl: u64,
    login_ttl: u64,
}

impl Tokens {
    /// Tokens signed with `secret` (HS256).
    pub fn new(secret: &str, challenge_ttl: u64, login_ttl: u64) -> Self {
        Self {
            enc: EncodingKey::from_secret(secret.as_bytes()),
            dec: DecodingKey::from_secret(secret.as_bytes()),
            challenge_ttl,
            login_ttl,
        }
    }

    /// A fresh challenge token and its expiry.
    pub fn challenge(&self) -> (String, u64) {
        let random: [u8; 32] = rand::random();
        let exp = unix_now() + self.challenge_ttl;
        let claims = ChallengeClaims {
            random: hex::encode(random),
            exp,
        };
        (self.sign(&claims), exp)
    }

    /// A login token for `claims` (its `exp` is set here) and the expiry.
    pub fn login(&self, mut claims: LoginClaims) -> (String, u64) {
        claims.exp = unix_now() + self.login_ttl;
        let exp = claims.exp;
        (self.sign(&claims), exp)
    }

    fn sign(&self, claims: &impl Serialize) -> String {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            claims,
            &self.enc,
        )
        .expect("HS256 signing does not fail")
    }

    /// Checks a challenge token.
    pub fn check_challenge(&self, token: &str) -> Result<ChallengeClaims, ApiError> {
        self.decode(token)
    }

    /// Checks a login token.
    pub fn check_login(&self, token: &str) -> Result<LoginClaims, ApiError> {
        self.decode(token)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.required_spec_claims = ["exp".to_string()].into();
        jsonwebtoken::decode::<T>(token, &self.dec, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::new(JWT_EXPIRED, "token is expired"),
                _ => ApiError::new(JWT_ERROR, format!("invalid token: {e}")),
            })
    }
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The ZK version of a prover version string `vX.Y.Z-<git7>-<zk version>`: everything after
/// the second dash. The reference compares only the third dash-separated segment, because its
/// ZK version is `<zkvm commit7>-<stark backend commit7>` and the first part decides; ours is
/// the assets manifest's `zk_version` (`openvm-<release>-<hash of the assets>`), which itself
/// contains dashes, so the whole remainder is compared. `None` when there is no second dash.
pub fn zk_version(version: &str) -> Option<&str> {
    version.splitn(3, '-').nth(2).filter(|zk| !zk.is_empty())
}

/// Whether `version` (`vX.Y.Z-...`) is at least `min` (semver, `v` optional).
pub fn version_at_least(version: &str, min: &str) -> bool {
    let parse = |s: &str| {
        let core = s.trim_start_matches('v').split('-').next().unwrap_or("");
        semver::Version::parse(core).ok()
    };
    match (parse(version), parse(min)) {
        (Some(v), Some(m)) => v >= m,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    fn message() -> LoginMessage {
        LoginMessage {
            challenge: "abc".into(),
            prover_version: "v4.5.0-abcdef1-1234567-7654321".into(),
            prover_name: "p".into(),
            prover_provider_type: 1,
            prover_types: vec![1, 2],
            vks: vec!["vk1".into()],
        }
    }

    #[test]
    fn rlp_is_a_list_of_the_fields() {
        let rlp = message().rlp();
        // list header, then "abc" as a short string.
        assert!(rlp[0] >= 0xc0);
        assert_eq!(&rlp[2..5], b"abc");
        assert!(rlp.ends_with(&[0xc4, 0x83, b'v', b'k', b'1']));
    }

    #[test]
    fn signatures_verify_only_for_their_key_and_message() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let public = hex::encode(key.verifying_key().to_sec1_bytes());
        let m = message();
        let (sig, recid) = key.sign_prehash_recoverable(&m.hash()).unwrap();
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(recid.to_byte());
        let sig = hex::encode(&bytes);
        verify_signature(&m.hash(), &public, &sig).unwrap();
        let mut other = m.clone();
        other.prover_name = "q".into();
        assert!(verify_signature(&other.hash(), &public, &sig).is_err());
        let other_key = SigningKey::from_slice(&[8u8; 32]).unwrap();
        let other_pub = hex::encode(other_key.verifying_key().to_sec1_bytes());
        assert!(verify_signature(&m.hash(), &other_pub, &sig).is_err());
    }

    #[test]
    fn versions() {
        assert!(version_at_least("v4.5.0-abcdef1-zk", "v4.4.0"));
        assert!(!version_at_least("v4.3.9-abcdef1-zk", "v4.4.0"));
        assert!(!version_at_least("garbage", "v4.4.0"));
        assert_eq!(
            zk_version("v4.5.0-abcdef1-1234567-7654321"),
            Some("1234567-7654321")
        );
        assert_eq!(
            zk_version("v0.1.0-abcdef1-openvm-2.0.2-0123456789abcdef"),
            Some("openvm-2.0.2-0123456789abcdef")
        );
        assert_eq!(zk_version("v0.1.0-abcdef1"), None);
        assert_eq!(zk_version("v0.1.0-abcdef1-"), None);
    }
}

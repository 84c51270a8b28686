//! Authentication as in the reference: a challenge JWT, a login message signed with secp256k1
//! over keccak256(RLP(message)) (the message and its check are in `rollproof-coordinator-wire`),
//! and a login JWT with the reference's claims.

use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Validation};
use rollproof_coordinator_wire::LoginRequest;
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

pub use rollproof_coordinator_wire::LoginMessage;

/// Checks a login body's signature (see [`LoginRequest::verify`]); a bad one is
/// [`BAD_PARAMETER`] naming what is wrong.
pub fn verify_signature(request: &LoginRequest) -> Result<(), ApiError> {
    request
        .verify()
        .map_err(|m| ApiError::new(BAD_PARAMETER, format!("signature verification failed: {m}")))
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

//! Wrapped proofs, the JSON that travels from prover to coordinator: `{metadata, proof, vk,
//! git_version}` as in the original stack. `proof` and `vk` are base64 strings of the
//! aggregated STARK proof and of the verifying key it claims.
//!
//! [`wrap_proof`] assembles a wrapped proof from a bare proof, the metadata the coordinator
//! kept when it built the task, and the verifying key (the original's `gen_wrapped_proof`).

use alloy_primitives::B256;
use base64::{engine::general_purpose::STANDARD, Engine};
use rollproof_primitives::{ChunkInfo, Domain, ForkName, PiVersion, PublicInputs};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proof with what it proves and the key it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedProof<M> {
    /// What the proof claims (its public inputs in the clear).
    pub metadata: M,
    /// The aggregated STARK proof.
    #[serde(with = "base64_bytes")]
    pub proof: Vec<u8>,
    /// The [`vk_id`](crate::verifier::vk_id) of the key the prover used (must be the fork's).
    #[serde(with = "base64_bytes")]
    pub vk: Vec<u8>,
    /// The prover's build (`vX.Y.Z-<git>-<zk version>`), informational.
    pub git_version: String,
}

/// What a chunk proof claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkProofMetadata {
    /// The chunk's public inputs.
    pub chunk_info: ChunkInfo,
    /// Gas used by the chunk's blocks.
    pub chunk_total_gas: u64,
    /// The fork whose rules and public-input version the proof uses.
    pub fork_name: ForkName,
}

impl ChunkProofMetadata {
    /// The public-input hash a valid proof reveals (rollup domain).
    pub fn pi_hash(&self) -> B256 {
        self.chunk_info
            .pi_hash(PiVersion::new(self.fork_name, Domain::Rollup).byte())
    }
}

/// A chunk's wrapped proof.
pub type ChunkProof = WrappedProof<ChunkProofMetadata>;

/// Assembles the JSON of a wrapped proof `{metadata, proof, vk, git_version}` from its parts:
/// `proof_json` is the bare proof as a JSON string (base64 of the aggregated STARK proof, the
/// `proof` field of a [`WrappedProof`]), `metadata_json` a JSON object (any task type's
/// metadata, kept as given) and `vk` the verifying key's id. Nothing is verified here.
pub fn wrap_proof(
    proof_json: &[u8],
    metadata_json: &[u8],
    vk: &[u8],
    git_version: &str,
) -> Result<String, crate::Error> {
    #[derive(Deserialize)]
    struct BareProof(#[serde(with = "base64_bytes")] Vec<u8>);

    let malformed = |what: &str, e: serde_json::Error| crate::Error::Proof(format!("{what}: {e}"));
    let BareProof(proof) =
        serde_json::from_slice(proof_json).map_err(|e| malformed("bare proof", e))?;
    let metadata: serde_json::Value =
        serde_json::from_slice(metadata_json).map_err(|e| malformed("metadata", e))?;
    if !metadata.is_object() {
        return Err(crate::Error::Proof(
            "metadata: expected a JSON object".into(),
        ));
    }
    let wrapped = WrappedProof {
        metadata,
        proof,
        vk: vk.to_vec(),
        git_version: git_version.to_string(),
    };
    Ok(serde_json::to_string(&wrapped).expect("a wrapped proof always serializes"))
}

/// Serde for bytes as standard base64 strings.
pub(crate) mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_proof_assembles_a_wrapped_proof() {
        let metadata = br#"{"chunk_total_gas": 21000, "fork_name": "galileo"}"#;
        let json = wrap_proof(br#""AQID""#, metadata, &[9, 8], "v1").unwrap();
        let wrapped: WrappedProof<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(wrapped.proof, vec![1, 2, 3]);
        assert_eq!(wrapped.vk, vec![9, 8]);
        assert_eq!(wrapped.git_version, "v1");
        assert_eq!(
            wrapped.metadata,
            serde_json::from_slice::<serde_json::Value>(metadata).unwrap()
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["vk"], "CQg=");
    }

    #[test]
    fn wrap_proof_refuses_malformed_parts() {
        for (proof, metadata) in [
            (&br#""not base64!""#[..], &b"{}"[..]),
            (b"AQID", b"{}"),
            (br#"{"proof": "AQID"}"#, b"{}"),
            (br#""AQID""#, b"not json"),
            (br#""AQID""#, b"[1, 2]"),
        ] {
            assert!(
                matches!(
                    wrap_proof(proof, metadata, b"vk", "v1"),
                    Err(crate::Error::Proof(_))
                ),
                "{} / {}",
                String::from_utf8_lossy(proof),
                String::from_utf8_lossy(metadata)
            );
        }
    }
}

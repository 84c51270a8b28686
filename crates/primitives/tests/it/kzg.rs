//! KZG with c-kzg (feature `kzg`): commitments, proofs, and our barycentric evaluation against
//! the y c-kzg computes.

use rollproof_primitives::{
    challenge_point, compute_kzg_proof, evaluate_blob, kzg_commitment, kzg_versioned_hash,
    verify_kzg_proof, Blob, BlobDataProof, BlobField, BlsScalar, KzgError, KzgPoint, B256,
    BLOB_DATA_CAPACITY, BLS_MODULUS, ROOT_OF_UNITY, U256,
};
use sha2::{Digest, Sha256};

use crate::pseudo_random_bytes;

fn random_blob(seed: u64, len: usize) -> Blob {
    Blob::from_envelope_bytes(&pseudo_random_bytes(seed, len)).unwrap()
}

/// A pseudo-random point below the modulus.
fn random_z(seed: u64) -> B256 {
    let bytes: [u8; 32] = pseudo_random_bytes(seed, 32).try_into().unwrap();
    B256::from(BlsScalar::reduce(U256::from_be_bytes(bytes)).to_be_bytes())
}

fn evaluate(blob: &Blob, z: &B256) -> B256 {
    let z = BlsScalar::from_be_bytes(&z.0).unwrap();
    B256::from(evaluate_blob(blob, &z).to_be_bytes())
}

#[test]
fn the_empty_blob_commits_to_the_point_at_infinity() {
    let blob = Blob::from_envelope_bytes(&[]).unwrap();
    let commitment = kzg_commitment(&blob).unwrap();
    let mut infinity = [0u8; 48];
    infinity[0] = 0xc0;
    assert_eq!(commitment.0, infinity);
    // sha256(0xc0 ‖ 47 zero bytes) with the first byte set to 1, computed independently.
    let expected: B256 = "0x010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014"
        .parse()
        .unwrap();
    assert_eq!(kzg_versioned_hash(&commitment), expected);
}

#[test]
fn versioned_hash_is_sha256_with_version_byte() {
    let commitment = kzg_commitment(&random_blob(20, 1000)).unwrap();
    let mut expected: [u8; 32] = Sha256::digest(commitment.as_slice()).into();
    assert_ne!(
        expected[0], 1,
        "pick another seed: the test must see the byte change"
    );
    expected[0] = 1;
    assert_eq!(kzg_versioned_hash(&commitment).0, expected);
}

#[test]
fn barycentric_evaluation_matches_ckzg_and_the_proof_verifies() {
    for (seed, len) in [(21, BLOB_DATA_CAPACITY), (22, 700)] {
        let blob = random_blob(seed, len);
        let z = random_z(seed + 100);
        let commitment = kzg_commitment(&blob).unwrap();
        let (proof, y) = compute_kzg_proof(&blob, &z).unwrap();
        assert_eq!(evaluate(&blob, &z), y, "blob of {len} bytes");
        assert_eq!(verify_kzg_proof(&commitment, &z, &y, &proof), Ok(()));

        let y_plus_one = BlsScalar::from_be_bytes(&y.0)
            .unwrap()
            .add(&BlsScalar::one());
        let tampered = B256::from(y_plus_one.to_be_bytes());
        assert_eq!(
            verify_kzg_proof(&commitment, &z, &tampered, &proof),
            Err(KzgError::VerificationFailed)
        );
    }
}

#[test]
fn at_a_root_of_unity_both_give_the_element() {
    let blob = random_blob(23, BLOB_DATA_CAPACITY);
    // ω^5 sits at bit-reversed index bitrev(5) = 0b1010_0000_0000.
    let omega = U256::from_be_bytes(ROOT_OF_UNITY);
    let z = B256::from(omega.pow_mod(U256::from(5), BLS_MODULUS));
    let element = blob.field_elements().nth(0b1010_0000_0000).unwrap();
    let (proof, y) = compute_kzg_proof(&blob, &z).unwrap();
    assert_eq!(y.0, *element);
    assert_eq!(evaluate(&blob, &z), y);
    let commitment = kzg_commitment(&blob).unwrap();
    assert_eq!(verify_kzg_proof(&commitment, &z, &y, &proof), Ok(()));
}

#[test]
fn blob_data_proof_layout_and_checks() {
    let blob = random_blob(24, 5000);
    let digest = B256::repeat_byte(0xfe); // above the modulus: z is reduced
    let proof = BlobDataProof::compute(&blob, &digest).unwrap();
    assert_eq!(proof.z.0, challenge_point(&digest));
    assert_ne!(proof.z, digest);
    assert_eq!(proof.y, evaluate(&blob, &proof.z));
    assert_eq!(proof.commitment, kzg_commitment(&blob).unwrap());
    assert_eq!(
        proof.versioned_hash(),
        kzg_versioned_hash(&proof.commitment)
    );
    assert_eq!(proof.verify(), Ok(()));

    let bytes = proof.to_bytes();
    assert_eq!(BlobDataProof::SIZE, 160);
    assert_eq!(&bytes[..32], proof.z.as_slice());
    assert_eq!(&bytes[32..64], proof.y.as_slice());
    assert_eq!(&bytes[64..112], proof.commitment.as_slice());
    assert_eq!(&bytes[112..], proof.proof.as_slice());
    assert_eq!(BlobDataProof::from_bytes(&bytes), Ok(proof));
    assert_eq!(
        BlobDataProof::from_bytes(&bytes[..159]),
        Err(KzgError::Length {
            expected: 160,
            found: 159
        })
    );

    // Another blob's proof does not verify; a proof that is not a G1 point is rejected.
    let other = BlobDataProof::compute(&random_blob(25, 5000), &digest).unwrap();
    let mixed = BlobDataProof {
        proof: other.proof,
        ..proof
    };
    assert_eq!(mixed.verify(), Err(KzgError::VerificationFailed));
    let garbage = BlobDataProof {
        proof: KzgPoint::repeat_byte(0x11),
        ..proof
    };
    assert!(matches!(garbage.verify(), Err(KzgError::CKzg(_))));
}

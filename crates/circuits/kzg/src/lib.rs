//! EIP-4844 point evaluation inside a guest: [`verify_kzg_proof`] checks that a KZG commitment
//! to a blob polynomial `p` opens to `y = p(z)`, with the proof a prover supplies, on OpenVM's
//! BLS12-381 extensions. The batch guest uses it to bind its blob (whose evaluation at the
//! challenge point it computes itself) to the commitment behind the batch header's versioned
//! hash.
//!
//! The check is `e(C - [y]G1 + [z]π, G2) · e(-π, [τ]G2) = 1`, the usual
//! `e(π, [τ - z]G2) = e(C - [y]G1, G2)` rearranged so that every scalar multiplication is on G1
//! (which has a VM extension); `[τ]G2` is the Ethereum KZG ceremony's (`g2_monomial[1]` of the
//! mainnet trusted setup).
//!
//! [`GuestScalar`] is the same scalar field for the blob evaluation
//! ([`rollproof_primitives::evaluate_blob`]), on the modular extension.
//!
//! A guest using this crate must call `openvm::init!()` and list in its `openvm.toml` the
//! BLS12-381 base field and scalar field under `[app_vm_config.modular]`, `Bls12_381Fp2` under
//! `[app_vm_config.fp2]`, the curve `Bls12_381G1Affine` (`a = 0`, `b = 4`) under
//! `[[app_vm_config.ecc.supported_curves]]` and `Bls12_381` under `[app_vm_config.pairing]`
//! (see the batch guest's).
#![no_std]

extern crate alloc;

use openvm_algebra_guest::{DivUnsafe, IntMod, Sqrt};
use openvm_ecc_guest::{msm, weierstrass::WeierstrassPoint, AffinePoint, CyclicGroup, Group};
use openvm_pairing::{
    bls12_381::{Bls12_381, Fp, Fp2, G1Affine, G2Affine, Scalar},
    PairingCheck,
};
use rollproof_primitives::hex_bytes;

/// A BLS12-381 scalar on OpenVM's modular extension, for the blob evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestScalar(Scalar);

impl rollproof_primitives::BlobField for GuestScalar {
    fn from_be_bytes(bytes: &[u8; 32]) -> Option<Self> {
        Scalar::from_be_bytes(bytes).map(Self)
    }

    fn to_be_bytes(&self) -> [u8; 32] {
        // The VM keeps values unreduced: reduce before reading the bytes.
        self.0.assert_reduced();
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.to_be_bytes().as_ref());
        out
    }

    fn zero() -> Self {
        Self(<Scalar as IntMod>::ZERO)
    }

    fn one() -> Self {
        Self(<Scalar as IntMod>::ONE)
    }

    fn add(&self, rhs: &Self) -> Self {
        Self(&self.0 + &rhs.0)
    }

    fn sub(&self, rhs: &Self) -> Self {
        Self(&self.0 - &rhs.0)
    }

    fn mul(&self, rhs: &Self) -> Self {
        Self(&self.0 * &rhs.0)
    }

    fn inverse(&self) -> Option<Self> {
        if self.0 == <Scalar as IntMod>::ZERO {
            return None;
        }
        Some(Self(<Scalar as IntMod>::ONE.div_unsafe(&self.0)))
    }
}

/// Bytes of a compressed G1 point (commitment or proof).
pub const G1_COMPRESSED_LEN: usize = 48;

/// Why bytes are not a usable commitment, proof or scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KzgError {
    /// The compression flag (top bit) is not set.
    NotCompressed,
    /// The infinity flag is set but other bits are not zero.
    MalformedInfinity,
    /// The x coordinate is not below the field modulus.
    CoordinateNotReduced,
    /// No curve point has this x coordinate.
    NotOnCurve,
    /// The point is on the curve but outside the prime-order subgroup G1.
    NotInSubgroup,
    /// z or y is not below the scalar field's modulus.
    ScalarNotReduced,
}

impl core::fmt::Display for KzgError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = match self {
            Self::NotCompressed => "G1 point is not in compressed form",
            Self::MalformedInfinity => "G1 point at infinity has stray bits",
            Self::CoordinateNotReduced => "G1 x coordinate is not below the field modulus",
            Self::NotOnCurve => "G1 x coordinate is not on the curve",
            Self::NotInSubgroup => "G1 point is not in the prime-order subgroup",
            Self::ScalarNotReduced => "scalar is not below the BLS12-381 scalar modulus",
        };
        f.write_str(text)
    }
}

/// Whether `commitment` opens to `y` at `z` with `proof` (48-byte compressed G1 points, 32-byte
/// big-endian scalars, as in EIP-4844's point evaluation). Malformed inputs are errors; a
/// well-formed but wrong opening is `Ok(false)`.
pub fn verify_kzg_proof(
    commitment: &[u8; G1_COMPRESSED_LEN],
    z: &[u8; 32],
    y: &[u8; 32],
    proof: &[u8; G1_COMPRESSED_LEN],
) -> Result<bool, KzgError> {
    let commitment = decompress_g1(commitment)?;
    let proof = decompress_g1(proof)?;
    let z = Scalar::from_be_bytes(z).ok_or(KzgError::ScalarNotReduced)?;
    let y = Scalar::from_be_bytes(y).ok_or(KzgError::ScalarNotReduced)?;
    let neg_y = <Scalar as IntMod>::ZERO - &y;
    let lhs = msm(&[neg_y, z], &[G1Affine::GENERATOR, proof.clone()]) + commitment;
    let neg_proof = <G1Affine as Group>::IDENTITY - &proof;

    let mut g1_points = alloc::vec::Vec::with_capacity(2);
    let mut g2_points = alloc::vec::Vec::with_capacity(2);
    for (g1, g2) in [(lhs, g2_generator()), (neg_proof, tau_g2())] {
        // A pairing with the identity is one: leave it out of the product.
        if g1.is_identity() {
            continue;
        }
        let (x, y) = g1.into_coords();
        g1_points.push(AffinePoint::new(x, y));
        let (x, y) = g2.into_coords();
        g2_points.push(AffinePoint::new(x, y));
    }
    if g1_points.is_empty() {
        return Ok(true);
    }
    Ok(Bls12_381::pairing_check(&g1_points, &g2_points).is_ok())
}

/// A G1 point from its 48-byte compressed form (ZCash encoding: flags in the top three bits of
/// the first byte: compressed, infinity, y is the larger root), checked to lie in G1.
pub fn decompress_g1(bytes: &[u8; G1_COMPRESSED_LEN]) -> Result<G1Affine, KzgError> {
    let flags = bytes[0];
    if flags & 0x80 == 0 {
        return Err(KzgError::NotCompressed);
    }
    let infinity = flags & 0x40 != 0;
    let larger = flags & 0x20 != 0;
    let mut x_bytes = *bytes;
    x_bytes[0] &= 0x1f;
    if infinity {
        if larger || x_bytes.iter().any(|&b| b != 0) {
            return Err(KzgError::MalformedInfinity);
        }
        return Ok(<G1Affine as Group>::IDENTITY);
    }
    let x = Fp::from_be_bytes(&x_bytes).ok_or(KzgError::CoordinateNotReduced)?;
    let rhs = &x * &x * &x + Fp::from_u8(4);
    let root = rhs.sqrt().ok_or(KzgError::NotOnCurve)?;
    let other = <Fp as IntMod>::ZERO - &root;
    root.assert_reduced();
    other.assert_reduced();
    // "Larger" compares the canonical big-endian values.
    let root_is_larger = root.to_be_bytes().as_ref() > other.to_be_bytes().as_ref();
    let y = if root_is_larger == larger {
        root
    } else {
        other
    };
    // SAFETY: `from_xy` checks the curve equation; the subgroup check follows.
    let point = unsafe { G1Affine::from_xy(x, y) }.ok_or(KzgError::NotOnCurve)?;
    if !mul_be(&point, &SCALAR_MODULUS_BE).is_identity() {
        return Err(KzgError::NotInSubgroup);
    }
    Ok(point)
}

/// The order r of G1 (the scalar field's modulus), big-endian.
const SCALAR_MODULUS_BE: [u8; 32] =
    hex_bytes::<32>("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");

/// `[k] point` for a big-endian integer `k` (not reduced), by double-and-add.
fn mul_be<P: Group>(point: &P, k: &[u8]) -> P {
    let mut acc = P::IDENTITY;
    for byte in k {
        for bit in (0..8).rev() {
            acc.double_assign();
            if (byte >> bit) & 1 == 1 {
                acc += point;
            }
        }
    }
    acc
}

/// An Fp2 element from the big-endian hex of its two coordinates `c0 + c1·u`.
fn fp2(c0: &str, c1: &str) -> Fp2 {
    let part = |hex: &str| {
        Fp::from_be_bytes(&hex_bytes::<48>(hex)).expect("constant coordinates are reduced")
    };
    Fp2::new(part(c0), part(c1))
}

/// BLS12-381's standard G2 generator (`g2_monomial[0]` of the trusted setup).
fn g2_generator() -> G2Affine {
    let x = fp2(
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
        "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
    );
    let y = fp2(
        "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
        "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be",
    );
    // SAFETY: a fixed point of the twist (checked by `from_xy`).
    unsafe { G2Affine::from_xy(x, y) }.expect("the G2 generator is on the twist")
}

/// `[τ]G2` of the Ethereum KZG ceremony (`g2_monomial[1]` of the mainnet trusted setup, the
/// one c-kzg bundles), decompressed.
fn tau_g2() -> G2Affine {
    let x = fp2(
        "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2",
        "15bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72",
    );
    let y = fp2(
        "014353bdb96b626dd7d5ee8599d1fca2131569490e28de18e82451a496a9c9794ce26d105941f383ee689bfbbb832a99",
        "1666c54b0a32529503432fcae0181b4bef79de09fc63671fda5ed1ba9bfa07899495346f3d7ac9cd23048ef30d0a154f",
    );
    // SAFETY: a fixed point of the twist (checked by `from_xy`).
    unsafe { G2Affine::from_xy(x, y) }.expect("[τ]G2 is on the twist")
}

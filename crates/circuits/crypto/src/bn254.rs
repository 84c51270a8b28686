//! bn254 (alt_bn128) for revm's precompiles 0x06 (add), 0x07 (mul) and 0x08 (pairing check),
//! EIP-196 / EIP-197, on OpenVM's modular, short-Weierstrass, fp2 and pairing extensions. The
//! curve types are `openvm-pairing`'s.
//!
//! The guest's `openvm.toml` must list both bn254 moduli under `[app_vm_config.modular]`,
//! `Bn254Fp2` under `[app_vm_config.fp2]`, the curve `Bn254G1Affine` (`a = 0`, `b = 3`) under
//! `[[app_vm_config.ecc.supported_curves]]` and `Bn254` under `[app_vm_config.pairing]`.
//!
//! Encodings follow the EIPs: a field element is 32 big-endian bytes and must be below p; a G1
//! point is `x ‖ y`, a G2 point `x ‖ y` with each Fp2 coordinate written imaginary part first;
//! all-zero coordinates are the point at infinity.

use alloc::vec::Vec;

use openvm_algebra_guest::IntMod;
use openvm_ecc_guest::{weierstrass::WeierstrassPoint, AffinePoint, Group};
use openvm_pairing::{
    bn254::{Bn254, Fp, Fp2, G1Affine, G2Affine},
    PairingCheck,
};
use revm::precompile::PrecompileHalt;

use crate::hex::be_bytes;

/// Bytes of one encoded field element.
const FP_LEN: usize = 32;
/// Bytes of one encoded G1 point.
const G1_LEN: usize = 2 * FP_LEN;

/// The order r of G1 and of G2's prime-order subgroup (big-endian).
const GROUP_ORDER_BE: [u8; 32] =
    be_bytes("30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001");

/// An Fp element from 32 big-endian bytes; values not below p are refused.
fn read_fp(bytes: &[u8]) -> Result<Fp, PrecompileHalt> {
    Fp::from_be_bytes(&bytes[..FP_LEN]).ok_or(PrecompileHalt::Bn254FieldPointNotAMember)
}

/// An Fp2 element from 64 bytes: the imaginary part, then the real part.
fn read_fp2(bytes: &[u8]) -> Result<Fp2, PrecompileHalt> {
    let imaginary = read_fp(&bytes[..FP_LEN])?;
    let real = read_fp(&bytes[FP_LEN..2 * FP_LEN])?;
    Ok(Fp2::new(real, imaginary))
}

/// A G1 point from 64 bytes. Every point of the curve is in G1 (its order is the prime r).
fn read_g1(bytes: &[u8]) -> Result<G1Affine, PrecompileHalt> {
    let x = read_fp(&bytes[..FP_LEN])?;
    let y = read_fp(&bytes[FP_LEN..G1_LEN])?;
    // SAFETY: `from_xy` checks the curve equation (and maps (0, 0) to the identity); the
    // curve's group has prime order, so no subgroup check is needed.
    unsafe { G1Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bn254AffineGFailedToCreate)
}

/// A G2 point from 128 bytes: on the twist and in its subgroup of order r.
fn read_g2(bytes: &[u8]) -> Result<G2Affine, PrecompileHalt> {
    let x = read_fp2(&bytes[..2 * FP_LEN])?;
    let y = read_fp2(&bytes[2 * FP_LEN..4 * FP_LEN])?;
    // SAFETY: `from_xy` checks the twist's curve equation; the subgroup check follows.
    let point =
        unsafe { G2Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bn254AffineGFailedToCreate)?;
    if !mul_be(&point, &GROUP_ORDER_BE).is_identity() {
        return Err(PrecompileHalt::Bn254AffineGFailedToCreate);
    }
    Ok(point)
}

/// `x ‖ y` of a G1 point, big-endian; the identity is all zeros (OpenVM stores it as (0, 0)).
fn encode_g1(point: &G1Affine) -> [u8; 64] {
    // The VM does not keep field elements reduced: output only canonical coordinates.
    point.x().assert_reduced();
    point.y().assert_reduced();
    let mut out = [0u8; 64];
    out[..FP_LEN].copy_from_slice(&point.x().to_be_bytes());
    out[FP_LEN..].copy_from_slice(&point.y().to_be_bytes());
    out
}

/// `[k] point` for a big-endian integer `k` of any size (not reduced: `[k] P = [k mod r] P`
/// holds for any P of order r), by double-and-add from the most significant bit.
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

/// The 0x06 precompile: `p1 + p2` (64 bytes each).
pub(crate) fn g1_add(p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    let sum = read_g1(p1)? + read_g1(p2)?;
    Ok(encode_g1(&sum))
}

/// The 0x07 precompile: `[scalar] point` (64 + 32 bytes).
pub(crate) fn g1_mul(point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    let product = mul_be(&read_g1(point)?, &scalar[..FP_LEN]);
    Ok(encode_g1(&product))
}

/// The 0x08 precompile: whether the product of the pairings `e(g1, g2)` over `pairs` is one.
/// Pairs with a point at infinity contribute one and are skipped; no pairs at all is `true`.
/// Every point is validated, including those of skipped pairs.
pub(crate) fn pairing_check(pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
    let mut g1_points = Vec::with_capacity(pairs.len());
    let mut g2_points = Vec::with_capacity(pairs.len());
    for (g1, g2) in pairs {
        let g1 = read_g1(g1)?;
        let g2 = read_g2(g2)?;
        if g1.is_identity() || g2.is_identity() {
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
    Ok(Bn254::pairing_check(&g1_points, &g2_points).is_ok())
}

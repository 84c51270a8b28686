//! secp256k1 on OpenVM's modular-arithmetic and short-Weierstrass extensions, and ECDSA
//! public-key recovery as Ethereum uses it.
//!
//! The guest's `openvm.toml` must declare both moduli under `[app_vm_config.modular]` and the
//! curve as `[[app_vm_config.ecc.supported_curves]]` with `struct_name = "Secp256k1Point"`,
//! `a = 0`, `b = 7`; the SDK then generates the `openvm_init.rs` that `openvm::init!()` pulls
//! in.

use alloy_primitives::{keccak256, Address};
use core::ops::Neg;

use openvm_algebra_guest::{DivUnsafe, IntMod};
use openvm_algebra_moduli_macros::moduli_declare;
use openvm_ecc_guest::{
    weierstrass::{CachedMulTable, FromCompressed, IntrinsicCurve, WeierstrassPoint},
    CyclicGroup, Group,
};
use openvm_ecc_sw_macros::sw_declare;

use crate::hex::{be_bytes, le_bytes};

// `Secp256k1Coord`: the base field (point coordinates); `Secp256k1Scalar`: integers modulo
// the group order n.
moduli_declare! {
    Secp256k1Coord { modulus = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F" },
    Secp256k1Scalar { modulus = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141" },
}

/// The curve's `b` in y² = x³ + b.
const CURVE_B: Secp256k1Coord = Secp256k1Coord::from_const_bytes(le_bytes(
    "0000000000000000000000000000000000000000000000000000000000000007",
));

sw_declare! {
    Secp256k1Point { mod_type = Secp256k1Coord, b = CURVE_B },
}

/// The standard generator G (SEC 2) and its negation.
const GENERATOR_X: &str = "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798";
const GENERATOR_Y: &str = "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8";
const NEG_GENERATOR_Y: &str = "B7C52588D95C3B9AA25B0403F1EEF75702E84BB7597AABE663B82F6F04EF2777";

impl CyclicGroup for Secp256k1Point {
    const GENERATOR: Self = Secp256k1Point {
        x: Secp256k1Coord::from_const_bytes(le_bytes(GENERATOR_X)),
        y: Secp256k1Coord::from_const_bytes(le_bytes(GENERATOR_Y)),
    };
    const NEG_GENERATOR: Self = Secp256k1Point {
        x: Secp256k1Coord::from_const_bytes(le_bytes(GENERATOR_X)),
        y: Secp256k1Coord::from_const_bytes(le_bytes(NEG_GENERATOR_Y)),
    };
}

/// secp256k1 as an OpenVM intrinsic curve (multi-scalar multiplication on the extension).
#[derive(Clone, Copy, Debug, Default)]
pub struct Secp256k1;

impl IntrinsicCurve for Secp256k1 {
    type Scalar = Secp256k1Scalar;
    type Point = Secp256k1Point;

    fn msm(coeffs: &[Self::Scalar], bases: &[Self::Point]) -> Self::Point {
        // Recovery multiplies two points: a 4-bit window table per base beats the generic MSM.
        CachedMulTable::<Self>::new_with_prime_order(bases, 4).windowed_mul(coeffs)
    }
}

/// n / 2 (big-endian): EIP-2 requires transaction signatures to have s <= n / 2.
const HALF_ORDER_BE: [u8; 32] =
    be_bytes("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");

/// Which signatures [`recover_address`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Transactions (EIP-2): s must be at most n / 2.
    LowS,
    /// The ecrecover precompile: any s in [1, n - 1].
    Any,
}

/// The Ethereum address whose key signed `prehash` with `rs` (`r ‖ s`, big-endian) and the
/// y parity `y_odd`, or `None` when the signature recovers no key: r or s zero or not below
/// the group order, s above n / 2 under [`SignatureCheck::LowS`], r not the x-coordinate of a
/// curve point, or the recovered key the point at infinity.
pub fn recover_address(
    rs: &[u8; 64],
    y_odd: bool,
    prehash: &[u8; 32],
    check: SignatureCheck,
) -> Option<Address> {
    let (r_be, s_be) = rs.split_at(32);
    if check == SignatureCheck::LowS && s_be > HALF_ORDER_BE.as_slice() {
        return None;
    }
    // `from_be_bytes` refuses values >= the modulus, so both are in [0, n).
    let r = Secp256k1Scalar::from_be_bytes(r_be)?;
    let s = Secp256k1Scalar::from_be_bytes(s_be)?;
    if r == Secp256k1Scalar::ZERO || s == Secp256k1Scalar::ZERO {
        return None;
    }
    // R = (r, y) with y of the given parity. Ethereum's recovery id carries only the parity,
    // so x = r (never r + n).
    let x = Secp256k1Coord::from_be_bytes(r_be)?;
    let big_r = Secp256k1Point::decompress(x, &u8::from(y_odd))?;
    // Q = r⁻¹ (s R - z G) = (-z / r) G + (s / r) R. The prehash is taken modulo n.
    let z = Secp256k1Scalar::from_be_bytes_unchecked(prehash);
    let u1 = -z.div_unsafe(&r);
    let u2 = s.div_unsafe(&r);
    let key = Secp256k1::msm(&[u1, u2], &[Secp256k1Point::GENERATOR, big_r]);
    if key.is_identity() {
        return None;
    }
    // The VM does not keep field elements reduced: hash only the canonical coordinates.
    key.x().assert_reduced();
    key.y().assert_reduced();
    let mut uncompressed = [0u8; 64];
    uncompressed[..32].copy_from_slice(&key.x().to_be_bytes());
    uncompressed[32..].copy_from_slice(&key.y().to_be_bytes());
    Some(Address::from_slice(&keccak256(uncompressed)[12..]))
}

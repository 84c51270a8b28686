//! Evaluation of a blob's polynomial at a point (barycentric formula over the roots of unity).

use alloc::vec::Vec;

use alloy_primitives::U256;

use super::{challenge::BLS_MODULUS, Blob, FIELD_ELEMENTS_PER_BLOB};

/// The primitive 4096th root of unity ω = 7^((r − 1) / 4096) mod r of the BLS12-381 scalar
/// field (generator 7, as in the consensus specs), big-endian.
pub const ROOT_OF_UNITY: [u8; 32] = [
    0x56, 0x4c, 0x0a, 0x11, 0xa0, 0xf7, 0x04, 0xf4, 0xfc, 0x3e, 0x8a, 0xcf, 0xe0, 0xf8, 0x24, 0x5f,
    0x0a, 0xd1, 0x34, 0x7b, 0x37, 0x8f, 0xbf, 0x96, 0xe2, 0x06, 0xda, 0x11, 0xa5, 0xd3, 0x63, 0x06,
];

/// 4096⁻¹ mod r, big-endian.
const INVERSE_WIDTH: [u8; 32] = [
    0x73, 0xe6, 0x68, 0x78, 0xb4, 0x6a, 0xe3, 0x70, 0x5e, 0xb6, 0xa4, 0x6a, 0x89, 0x21, 0x3d, 0xe7,
    0xd3, 0x68, 0x68, 0x28, 0xbf, 0xce, 0x5c, 0x19, 0x40, 0x0f, 0xff, 0xff, 0x00, 0x10, 0x00, 0x01,
];

/// log2 of [`FIELD_ELEMENTS_PER_BLOB`].
const LOG_WIDTH: u32 = 12;

/// Arithmetic in the BLS12-381 scalar field, as [`evaluate_blob`] needs it.
///
/// Implemented on the host by [`BlsScalar`]; a guest implements it over its modular-arithmetic
/// extension so the same evaluation runs there.
pub trait BlobField: Clone + PartialEq + Sized {
    /// The element with this big-endian encoding, or `None` if it is not below the modulus.
    fn from_be_bytes(bytes: &[u8; 32]) -> Option<Self>;
    /// The canonical big-endian encoding.
    fn to_be_bytes(&self) -> [u8; 32];
    /// The additive identity.
    fn zero() -> Self;
    /// The multiplicative identity.
    fn one() -> Self;
    /// `self + rhs`.
    fn add(&self, rhs: &Self) -> Self;
    /// `self − rhs`.
    fn sub(&self, rhs: &Self) -> Self;
    /// `self × rhs`.
    fn mul(&self, rhs: &Self) -> Self;
    /// `self²`.
    fn square(&self) -> Self {
        self.mul(self)
    }
    /// `self⁻¹`, or `None` for zero.
    fn inverse(&self) -> Option<Self>;
    /// Whether `self` is zero.
    fn is_zero(&self) -> bool {
        *self == Self::zero()
    }
    /// Replaces every value by its inverse with one field inversion (Montgomery's trick);
    /// returns `false`, leaving `values` unchanged, if one of them is zero.
    fn batch_inverse(values: &mut [Self]) -> bool {
        // prefix[i] = values[0] × … × values[i − 1]
        let mut prefix = Vec::with_capacity(values.len());
        let mut acc = Self::one();
        for value in values.iter() {
            prefix.push(acc.clone());
            acc = acc.mul(value);
        }
        let Some(mut inv) = acc.inverse() else {
            return false;
        };
        // inv = (values[0] × … × values[i])⁻¹ at the top of each step.
        for (value, prefix) in values.iter_mut().zip(prefix).rev() {
            let value_inv = inv.mul(&prefix);
            inv = inv.mul(value);
            *value = value_inv;
        }
        true
    }
}

/// A BLS12-381 scalar held in a [`U256`] below [`BLS_MODULUS`], with ruint's modular arithmetic:
/// the host implementation of [`BlobField`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlsScalar(U256);

impl BlsScalar {
    /// `value`, if it is below the modulus.
    pub fn new(value: U256) -> Option<Self> {
        (value < BLS_MODULUS).then_some(Self(value))
    }

    /// `value` reduced modulo r.
    pub fn reduce(value: U256) -> Self {
        Self(value.reduce_mod(BLS_MODULUS))
    }

    /// The value, below the modulus.
    pub fn value(&self) -> U256 {
        self.0
    }
}

impl BlobField for BlsScalar {
    fn from_be_bytes(bytes: &[u8; 32]) -> Option<Self> {
        Self::new(U256::from_be_bytes(*bytes))
    }

    fn to_be_bytes(&self) -> [u8; 32] {
        self.0.to_be_bytes()
    }

    fn zero() -> Self {
        Self(U256::ZERO)
    }

    fn one() -> Self {
        Self(U256::from(1u8))
    }

    fn add(&self, rhs: &Self) -> Self {
        Self(self.0.add_mod(rhs.0, BLS_MODULUS))
    }

    fn sub(&self, rhs: &Self) -> Self {
        // Both are below r < 2^255, so neither branch overflows.
        if self.0 >= rhs.0 {
            Self(self.0 - rhs.0)
        } else {
            Self(BLS_MODULUS - rhs.0 + self.0)
        }
    }

    fn mul(&self, rhs: &Self) -> Self {
        Self(self.0.mul_mod(rhs.0, BLS_MODULUS))
    }

    fn inverse(&self) -> Option<Self> {
        self.0.inv_mod(BLS_MODULUS).map(Self)
    }
}

/// Index `i` with its 12 bits reversed: the position of ω^i in EIP-4844's bit-reversed order.
fn bit_reverse(i: usize) -> usize {
    ((i as u16).reverse_bits() >> (16 - LOG_WIDTH)) as usize
}

/// The value at `z` of the polynomial of degree < 4096 whose evaluations at the roots of unity
/// are the blob's field elements: element `i` is the value at ω^bitrev(i) (EIP-4844's
/// bit-reversed order, as c-kzg's `compute_kzg_proof` returns for y).
///
/// Barycentric formula, for z not a root of unity:
/// `p(z) = (z^4096 − 1) / 4096 × Σ_i d_i × ω_i / (z − ω_i)`; zero elements are skipped and the
/// denominators are inverted in one batch. For z a root of unity ω_i, the result is `d_i`.
pub fn evaluate_blob<F: BlobField>(blob: &Blob, z: &F) -> F {
    let constant = |bytes: &[u8; 32]| F::from_be_bytes(bytes).expect("constant is below r");
    let omega = constant(&ROOT_OF_UNITY);
    let element = |bytes: &[u8; 32]| {
        // Every blob element starts with a zero byte, so it is below 2^248 < r.
        F::from_be_bytes(bytes).expect("blob field elements are below the modulus")
    };

    // powers[k] = ω^k
    let mut powers = Vec::with_capacity(FIELD_ELEMENTS_PER_BLOB);
    let mut acc = F::one();
    for _ in 0..FIELD_ELEMENTS_PER_BLOB {
        powers.push(acc.clone());
        acc = acc.mul(&omega);
    }

    let mut z_pow = z.clone();
    for _ in 0..LOG_WIDTH {
        z_pow = z_pow.square();
    }
    let one = F::one();
    if z_pow == one {
        // z is a 4096th root of unity, so one of the ω_i.
        for (i, bytes) in blob.field_elements().enumerate() {
            if powers[bit_reverse(i)] == *z {
                return element(bytes);
            }
        }
        unreachable!("every 4096th root of unity is a power of the primitive root");
    }

    let mut numerators = Vec::new();
    let mut denominators = Vec::new();
    for (i, bytes) in blob.field_elements().enumerate() {
        if bytes.iter().all(|&b| b == 0) {
            continue;
        }
        let root = &powers[bit_reverse(i)];
        numerators.push(element(bytes).mul(root));
        denominators.push(z.sub(root));
    }
    let inverted = F::batch_inverse(&mut denominators);
    debug_assert!(
        inverted,
        "z is not a root of unity, so no denominator is zero"
    );

    let mut sum = F::zero();
    for (numerator, inv_denominator) in numerators.iter().zip(&denominators) {
        sum = sum.add(&numerator.mul(inv_denominator));
    }
    sum.mul(&z_pow.sub(&one)).mul(&constant(&INVERSE_WIDTH))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(bytes: &[u8; 32]) -> BlsScalar {
        BlsScalar::from_be_bytes(bytes).unwrap()
    }

    #[test]
    fn root_of_unity_is_seven_to_the_r_minus_one_over_4096() {
        let exp = (BLS_MODULUS - U256::from(1)) / U256::from(4096);
        let omega = U256::from(7).pow_mod(exp, BLS_MODULUS);
        assert_eq!(omega.to_be_bytes::<32>(), ROOT_OF_UNITY);
        // Primitive: ω^2048 = −1, ω^4096 = 1.
        let half = omega.pow_mod(U256::from(2048), BLS_MODULUS);
        assert_eq!(half, BLS_MODULUS - U256::from(1));
    }

    #[test]
    fn inverse_width_times_4096_is_one() {
        let inv = U256::from_be_bytes(INVERSE_WIDTH);
        assert_eq!(inv.mul_mod(U256::from(4096), BLS_MODULUS), U256::from(1));
    }

    #[test]
    fn bit_reverse_is_an_involution_on_12_bits() {
        assert_eq!(bit_reverse(0), 0);
        assert_eq!(bit_reverse(1), 2048);
        assert_eq!(bit_reverse(2), 1024);
        assert_eq!(bit_reverse(4095), 4095);
        assert_eq!(bit_reverse(0b1100_0000_0001), 0b1000_0000_0011);
        assert!((0..4096).all(|i| bit_reverse(bit_reverse(i)) == i));
    }

    #[test]
    fn field_ops_wrap_at_the_modulus() {
        let max = BlsScalar::new(BLS_MODULUS - U256::from(1)).unwrap();
        let one = BlsScalar::one();
        assert_eq!(max.add(&one), BlsScalar::zero());
        assert_eq!(BlsScalar::zero().sub(&one), max);
        assert_eq!(max.mul(&max), one); // (−1)² = 1
        assert_eq!(max.inverse(), Some(max));
        assert_eq!(BlsScalar::zero().inverse(), None);
        assert!(BlsScalar::new(BLS_MODULUS).is_none());
        assert_eq!(
            BlsScalar::reduce(BLS_MODULUS + U256::from(5)).value(),
            U256::from(5)
        );
    }

    #[test]
    fn batch_inverse_matches_single_inverses_and_refuses_zero() {
        let values: Vec<BlsScalar> = (1..=20u64)
            .map(|v| BlsScalar::reduce(U256::from(v * 0x1234_5678_9abc)))
            .collect();
        let mut batch = values.clone();
        assert!(BlsScalar::batch_inverse(&mut batch));
        for (v, inv) in values.iter().zip(&batch) {
            assert_eq!(v.inverse().unwrap(), *inv);
            assert_eq!(v.mul(inv), BlsScalar::one());
        }
        let mut with_zero = values.clone();
        with_zero[7] = BlsScalar::zero();
        let before = with_zero.clone();
        assert!(!BlsScalar::batch_inverse(&mut with_zero));
        assert_eq!(with_zero, before);
    }

    #[test]
    fn a_constant_blob_evaluates_to_the_constant_everywhere() {
        // Every element c: the interpolating polynomial is the constant c.
        let data: Vec<u8> = (0..super::super::BLOB_DATA_CAPACITY)
            .map(|i| (i % 31) as u8 + 1)
            .collect();
        let blob = Blob::from_envelope_bytes(&data).unwrap();
        let c = *blob.field_elements().next().unwrap();
        assert!(blob.field_elements().all(|e| *e == c));
        for z in [3u64, 0xdead_beef, u64::MAX] {
            let y = evaluate_blob(&blob, &BlsScalar::reduce(U256::from(z)));
            assert_eq!(y.to_be_bytes(), c);
        }
    }

    #[test]
    fn at_a_root_of_unity_the_value_is_the_element_in_bit_reversed_position() {
        // Fills elements 0..4095; element 4095 stays zero padding.
        let len = super::super::BLOB_DATA_CAPACITY - 31;
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let blob = Blob::from_envelope_bytes(&data).unwrap();
        let elements: Vec<[u8; 32]> = blob.field_elements().copied().collect();
        let omega = scalar(&ROOT_OF_UNITY);
        // ω^1 sits at index bitrev(1) = 2048; ω^0 = 1 at index 0.
        assert_eq!(evaluate_blob(&blob, &omega).to_be_bytes(), elements[2048]);
        assert_eq!(
            evaluate_blob(&blob, &BlsScalar::one()).to_be_bytes(),
            elements[0]
        );
        // A root whose element is zero (padding) gives zero.
        let omega_4095 = scalar(&ROOT_OF_UNITY).inverse().unwrap();
        assert_eq!(elements[4095], [0u8; 32]);
        assert_eq!(evaluate_blob(&blob, &omega_4095), BlsScalar::zero());
    }
}

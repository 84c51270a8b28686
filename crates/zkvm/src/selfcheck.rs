//! The self-check guest (`crates/circuits/selfcheck`): its input and the public values a correct
//! run reveals, computed on the host. Used by `zkvm_selfcheck` and the proving tests.

use openvm_sdk::StdIn;

/// Folder name of the self-check guest under [`crate::circuits_dir`].
pub const GUEST_NAME: &str = "selfcheck";

/// Largest step count the guest accepts (mirrors `MAX_STEPS` in the guest).
pub const MAX_STEPS: u32 = 1 << 20;

/// Number of public value bytes the guest's VM reveals.
pub const NUM_PUBLIC_VALUES: usize = 32;

/// The guest's input for `steps` Fibonacci steps.
pub fn input(steps: u32) -> StdIn {
    let mut stdin = StdIn::default();
    stdin.write(&steps);
    stdin
}

/// `fib(steps) mod 2^64`, computed on the host.
pub fn fibonacci(steps: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..steps {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// The public values a correct run reveals: `steps` (u32 LE), `fib(steps)` (u64 LE), zeros.
pub fn expected_public_values(steps: u32) -> Vec<u8> {
    let mut values = vec![0u8; NUM_PUBLIC_VALUES];
    values[..4].copy_from_slice(&steps.to_le_bytes());
    values[4..12].copy_from_slice(&fibonacci(steps).to_le_bytes());
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fibonacci_matches_known_values() {
        assert_eq!(fibonacci(0), 0);
        assert_eq!(fibonacci(1), 1);
        assert_eq!(fibonacci(10), 55);
        assert_eq!(fibonacci(93), 12_200_160_415_121_876_738);
        // fib(94) overflows u64; the guest and host both wrap.
        assert_eq!(
            fibonacci(94),
            12_200_160_415_121_876_738u64.wrapping_add(7_540_113_804_746_346_429)
        );
    }

    #[test]
    fn public_values_layout() {
        let values = expected_public_values(10);
        assert_eq!(values.len(), 32);
        assert_eq!(&values[..4], &[10, 0, 0, 0]);
        assert_eq!(&values[4..12], &[55, 0, 0, 0, 0, 0, 0, 0]);
        assert!(values[12..].iter().all(|&b| b == 0));
    }
}

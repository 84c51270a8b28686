//! Self-check guest: the smallest program that exercises input, computation and public output.
//!
//! Input: `n: u32`, the number of Fibonacci steps (at most [`MAX_STEPS`]).
//! Public values (32 bytes): `n` as u32 little-endian at bytes 0..4, `fib(n) mod 2^64` as u64
//! little-endian at bytes 4..12, zero elsewhere. The host recomputes both to check a proof.
#![no_main]
#![no_std]

openvm::entry!(main);

/// Upper bound on the number of steps, so a bad input cannot make the program run for hours.
const MAX_STEPS: u32 = 1 << 20;

fn main() {
    let n: u32 = openvm::io::read();
    assert!(n <= MAX_STEPS, "n exceeds MAX_STEPS");
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    openvm::io::reveal_u32(n, 0);
    openvm::io::reveal_u32(a as u32, 1);
    openvm::io::reveal_u32((a >> 32) as u32, 2);
}

//! Hex constants decoded at compile time (guests bake commitments and curve points this way).

/// `N` bytes from `2N` hex digits, most significant first; panics (at compile time in a const
/// context) on a wrong length or a non-hex digit.
pub const fn hex_bytes<const N: usize>(hex: &str) -> [u8; N] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let hex = hex.as_bytes();
    assert!(hex.len() == 2 * N, "wrong number of hex digits");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (digit(hex[2 * i]) << 4) | digit(hex[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hex_bytes;

    #[test]
    fn decodes_both_cases_most_significant_first() {
        const BYTES: [u8; 3] = hex_bytes::<3>("00aBff");
        assert_eq!(BYTES, [0x00, 0xab, 0xff]);
    }

    #[test]
    #[should_panic(expected = "wrong number of hex digits")]
    fn refuses_a_wrong_length() {
        let _ = hex_bytes::<2>("abc");
    }
}

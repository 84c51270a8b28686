//! 256-bit constants written as hex digits, decoded at compile time.

/// 32 big-endian bytes from 64 hex digits (most significant first).
pub(crate) const fn be_bytes(hex: &str) -> [u8; 32] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let hex = hex.as_bytes();
    assert!(hex.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = digit(hex[2 * i]) << 4 | digit(hex[2 * i + 1]);
        i += 1;
    }
    out
}

/// 32 little-endian bytes (OpenVM's field element layout) from 64 hex digits.
pub(crate) const fn le_bytes(hex: &str) -> [u8; 32] {
    let be = be_bytes(hex);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = be[31 - i];
        i += 1;
    }
    out
}

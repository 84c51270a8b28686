//! Trie paths as nibble sequences and their hex-prefix (compact) encoding.

use alloc::vec::Vec;
use core::fmt;

/// A path in the trie: one nibble (0..=15) per element.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nibbles(Vec<u8>);

impl Nibbles {
    /// The nibbles of `bytes`, high nibble first (a 32-byte key gives 64 nibbles).
    pub fn unpack(bytes: &[u8]) -> Self {
        Self(bytes.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect())
    }

    /// Wraps nibbles that are already split (each must be < 16).
    pub(crate) fn from_nibbles(nibbles: Vec<u8>) -> Self {
        debug_assert!(nibbles.iter().all(|&n| n < 16));
        Self(nibbles)
    }

    /// The nibbles as a slice.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// Number of nibbles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty path (the root).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Nibbles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Nibbles {
    /// Hex digits, `0x` for the root.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for n in &self.0 {
            write!(f, "{n:x}")?;
        }
        Ok(())
    }
}

/// Length of the longest common prefix of two nibble slices.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// `a ‖ b` as a new nibble vector.
pub(crate) fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out
}

/// Hex-prefix encoding of a leaf or extension path (Ethereum yellow paper, appendix C).
pub(crate) fn encode_path(path: &[u8], is_leaf: bool) -> Vec<u8> {
    let odd = path.len() % 2 == 1;
    let flag = (u8::from(is_leaf) << 1) | u8::from(odd);
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if odd {
        out.push((flag << 4) | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks_exact(2).map(|pair| (pair[0] << 4) | pair[1]));
    out
}

/// Decodes a hex-prefix path; returns the nibbles and whether it marks a leaf.
pub(crate) fn decode_path(encoded: &[u8]) -> Option<(Vec<u8>, bool)> {
    let (&first, rest) = encoded.split_first()?;
    let flag = first >> 4;
    if flag > 3 {
        return None;
    }
    let is_leaf = flag & 2 != 0;
    let odd = flag & 1 != 0;
    let mut nibbles = Vec::with_capacity(rest.len() * 2 + 1);
    if odd {
        nibbles.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return None;
    }
    nibbles.extend(rest.iter().flat_map(|b| [b >> 4, b & 0x0f]));
    Some((nibbles, is_leaf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn hex_prefix_matches_the_yellow_paper_examples() {
        // Extension with an even path [1,2,3,4] -> 0x00 0x12 0x34.
        assert_eq!(encode_path(&[1, 2, 3, 4], false), vec![0x00, 0x12, 0x34]);
        // Extension with an odd path [1,2,3] -> 0x11 0x23.
        assert_eq!(encode_path(&[1, 2, 3], false), vec![0x11, 0x23]);
        // Leaf with an even path [0xf, 0x1] -> 0x20 0xf1.
        assert_eq!(encode_path(&[0xf, 0x1], true), vec![0x20, 0xf1]);
        // Leaf with an odd path [0xf] -> 0x3f.
        assert_eq!(encode_path(&[0xf], true), vec![0x3f]);
        // Empty leaf path -> 0x20.
        assert_eq!(encode_path(&[], true), vec![0x20]);
    }

    #[test]
    fn hex_prefix_round_trips_and_rejects_bad_flags() {
        for path in [vec![], vec![1], vec![1, 2], vec![0, 0xf, 3], vec![7; 64]] {
            for leaf in [false, true] {
                assert_eq!(
                    decode_path(&encode_path(&path, leaf)),
                    Some((path.clone(), leaf))
                );
            }
        }
        assert_eq!(decode_path(&[]), None);
        assert_eq!(decode_path(&[0x40]), None, "flag 4 is not defined");
        assert_eq!(
            decode_path(&[0x05]),
            None,
            "even paths pad with a zero nibble"
        );
    }

    #[test]
    fn unpack_and_display() {
        let n = Nibbles::unpack(&[0xab, 0x01]);
        assert_eq!(n.as_slice(), &[0xa, 0xb, 0x0, 0x1]);
        assert_eq!(alloc::format!("{n}"), "0xab01");
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4, 5]), 2);
    }
}

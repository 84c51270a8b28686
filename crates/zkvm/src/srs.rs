//! The halo2 KZG structured reference string that EVM proofs need (see `evm`, feature `evm`):
//! where OpenVM reads it and the check that it is there. Always compiled, so operators' tools
//! and the test suite can check an SRS folder without the halo2 stack.

use std::path::Path;

use crate::ZkvmError;

/// The largest halo2 circuit degree of OpenVM's default static verifier shape: its SRS file is
/// `kzg_bn254_23.srs`.
pub const SRS_MAX_K: usize = 23;

/// The SRS file the static verifier reads for degree [`SRS_MAX_K`].
pub const SRS_FILE: &str = "kzg_bn254_23.srs";

/// Checks that `srs_dir` holds the SRS the static verifier reads, so a missing asset is an
/// error naming the file, not a panic deep inside key generation.
pub fn check_srs_dir(srs_dir: &Path) -> Result<(), ZkvmError> {
    let file = srs_dir.join(SRS_FILE);
    match std::fs::metadata(&file) {
        Ok(meta) if meta.is_file() && meta.len() > 0 => Ok(()),
        Ok(_) => Err(srs_missing(&file, "not a non-empty file")),
        Err(e) => Err(srs_missing(&file, &e.to_string())),
    }
}

fn srs_missing(file: &Path, reason: &str) -> ZkvmError {
    ZkvmError::InvalidAsset {
        name: SRS_FILE.to_string(),
        reason: format!(
            "the halo2 KZG SRS {} is unusable ({reason}); EVM proofs need OpenVM's published \
             BN254 setup up to k = {SRS_MAX_K}",
            file.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_srs_is_named() {
        let dir = std::env::temp_dir().join(format!("rollproof-no-srs-{}", std::process::id()));
        let e = check_srs_dir(&dir).unwrap_err().to_string();
        assert!(e.contains(SRS_FILE), "{e}");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(SRS_FILE), b"").unwrap();
        let e = check_srs_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("not a non-empty file"), "{e}");
        std::fs::write(dir.join(SRS_FILE), b"srs").unwrap();
        check_srs_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

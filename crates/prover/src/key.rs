//! The prover's secp256k1 identities: one per worker, `<keys_dir>/worker-<n>.key` (hex of the
//! 32-byte secret), created on first start with mode 0600 and reused afterwards. The coordinator
//! allows one outstanding task per key, so each worker is a prover of its own.

use std::{fs, io::Write, os::unix::fs::OpenOptionsExt, path::Path};

use k256::ecdsa::SigningKey;

/// The key file of `worker` inside `keys_dir`.
pub fn key_file(worker: usize) -> String {
    format!("worker-{worker}.key")
}

/// Why the key cannot be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the key file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The file does not hold a secp256k1 secret key.
    #[error("{path} is not a hex secp256k1 secret key")]
    Malformed {
        /// The file.
        path: String,
    },
}

/// The key file of `prover handle` and `prover dump` (an identity of their own, so they never
/// get a service worker's outstanding task back).
pub const TOOL_KEY_FILE: &str = "tool.key";

/// Loads `worker`'s key from `keys_dir`, or creates it (random, mode 0600) when it does not
/// exist.
pub fn load_or_create(keys_dir: &Path, worker: usize) -> Result<SigningKey, KeyError> {
    load_or_create_file(keys_dir, &key_file(worker))
}

/// Loads the key in `keys_dir/file`, or creates it (random, mode 0600) when it does not exist.
pub fn load_or_create_file(keys_dir: &Path, file: &str) -> Result<SigningKey, KeyError> {
    let path = keys_dir.join(file);
    let shown = path.display().to_string();
    let io = |source| KeyError::Io {
        path: shown.clone(),
        source,
    };
    match fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed {
                path: shown.clone(),
            })?;
            SigningKey::from_slice(&bytes).map_err(|_| KeyError::Malformed { path: shown })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(keys_dir).map_err(io)?;
            let key = SigningKey::random(&mut rand::thread_rng());
            // create_new: never overwrite a key another process just wrote.
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(io)?;
            file.write_all(hex::encode(key.to_bytes()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io)?;
            tracing::info!(path = %shown, "created the prover key");
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let created = load_or_create(&keys, 0).unwrap();
        let mode = fs::metadata(keys.join(key_file(0)))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(&keys, 0).unwrap(), created);
        assert_ne!(load_or_create(&keys, 1).unwrap(), created);
        fs::write(keys.join(key_file(0)), "not a key").unwrap();
        assert!(matches!(
            load_or_create(&keys, 0),
            Err(KeyError::Malformed { .. })
        ));
    }
}

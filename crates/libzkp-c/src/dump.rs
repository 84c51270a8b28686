//! Debug dumps of refused inputs: when `LIBZKP_DUMP_DIR` names a folder, the input of a
//! failed `verify_*_proof` or `gen_universal_task` is written there as
//! `<entry>-<unix ms>-<pid>-<n>.json`, to replay it later. Off when the variable is unset.
//! A dump that cannot be written is logged, never an error of the call.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

/// The environment variable naming the dump folder.
pub const DUMP_DIR_VAR: &str = "LIBZKP_DUMP_DIR";

/// Dumps `input` of the failed call `entry` when [`DUMP_DIR_VAR`] is set.
pub(crate) fn failed_input(entry: &str, input: &str) {
    let Some(dir) = std::env::var_os(DUMP_DIR_VAR) else {
        return;
    };
    match write_dump(Path::new(&dir), entry, input) {
        Ok(path) => tracing::info!(target: "libzkp", "{entry}: input dumped to {}", path.display()),
        Err(e) => tracing::warn!(target: "libzkp", "{entry}: cannot dump the input: {e}"),
    }
}

fn write_dump(dir: &Path, entry: &str, input: &str) -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{entry}-{millis}-{}-{n}.json", std::process::id()));
    std::fs::write(&path, input)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_are_distinct_files_with_the_input() {
        let dir = std::env::temp_dir().join(format!("libzkp-c-dump-{}", std::process::id()));
        let first = write_dump(&dir, "verify_chunk_proof", "{\"a\":1}").unwrap();
        let second = write_dump(&dir, "verify_chunk_proof", "{}").unwrap();
        assert_ne!(first, second);
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "{\"a\":1}");
        assert!(first
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("verify_chunk_proof-"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

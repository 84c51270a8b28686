//! Assets are reproducible (the chunk guest built again from scratch in another target dir
//! gives byte-identical files), load back into a working program and key, and a corrupt,
//! missing or mislabelled file is a clear error.

use std::path::{Path, PathBuf};

use rollproof_libzkp::{
    assets::{load_chunk_program, load_chunk_vk, write_assets, AssetError, CHUNK_EXE, CHUNK_VK},
    chunk::CHUNK_GUEST,
    ChunkProgram,
};
use rollproof_primitives::ForkName;
use rollproof_zkvm::{GuestProgram, GuestToolchain, ProvingParams};

/// A fresh folder under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rollproof-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            out.push((relative, std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn assets_are_reproducible_and_checked_on_load() {
    let toolchain = GuestToolchain::from_env().expect("guest toolchain (scripts/env.sh)");
    let params = ProvingParams::default();
    let fork = ForkName::Galileo;

    let first = Scratch::new("assets-a");
    let program = ChunkProgram::build(&toolchain, params).unwrap();
    let manifest = write_assets(&first.0, fork, &program, None).unwrap();
    assert!(manifest.zk_version.starts_with("openvm-2.0.2-"));

    // The same sources built from scratch elsewhere give the same bytes.
    let second = Scratch::new("assets-b");
    let guest_target = Scratch::new("assets-guest-target");
    let rebuilt = ChunkProgram::build_from(
        GuestProgram::named(CHUNK_GUEST)
            .unwrap()
            .with_target_dir(&guest_target.0),
        &toolchain,
        params,
    )
    .unwrap();
    assert_eq!(
        write_assets(&second.0, fork, &rebuilt, None).unwrap(),
        manifest
    );
    assert_eq!(files_under(&first.0), files_under(&second.0));

    // Loading checks every file; the loaded program is the same program.
    let loaded = load_chunk_program(&first.0, fork, params).unwrap();
    assert_eq!(loaded.app().exe_bytes(), program.app().exe_bytes());
    let vk = load_chunk_vk(&first.0, fork).unwrap();
    assert_eq!(vk.to_bytes(), program.verifying_key().unwrap().to_bytes());

    let dir = second.0.join(fork.as_str());
    let mut vk_bytes = std::fs::read(dir.join(CHUNK_VK)).unwrap();
    vk_bytes[0] ^= 1;
    std::fs::write(dir.join(CHUNK_VK), &vk_bytes).unwrap();
    assert!(matches!(
        load_chunk_vk(&second.0, fork),
        Err(AssetError::Corrupt { .. })
    ));
    std::fs::remove_file(dir.join(CHUNK_EXE)).unwrap();
    assert!(matches!(
        load_chunk_program(&second.0, fork, params),
        Err(AssetError::Missing(_))
    ));
    // galileo's folder presented as galileoV2's.
    std::fs::rename(&dir, second.0.join(ForkName::GalileoV2.as_str())).unwrap();
    assert!(matches!(
        load_chunk_vk(&second.0, ForkName::GalileoV2),
        Err(AssetError::Manifest(_))
    ));
    assert!(matches!(
        load_chunk_vk(&second.0, fork),
        Err(AssetError::Io { .. })
    ));
}

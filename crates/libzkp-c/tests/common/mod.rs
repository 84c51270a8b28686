//! Shared by the C tests: the built `libzkp.so`, the C test program compiled against it and
//! the header, scratch folders and a runner that shows the program's output.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The folder holding the `libzkp.so` cargo built for this test run: the cdylib lands in
/// `target/<profile>/deps/` (beside this test binary) and is copied to `target/<profile>/`.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the test binary's folder");
    let found = [deps, deps.parent().unwrap_or(deps)]
        .into_iter()
        .find(|dir| dir.join("libzkp.so").is_file())
        .unwrap_or_else(|| panic!("no libzkp.so in {} or its parent", deps.display()))
        .to_path_buf();
    found
}

/// `tests/c/libzkp_test.c` compiled once per test binary with `-Werror`, linked to
/// `libzkp.so` with an rpath so it runs without `LD_LIBRARY_PATH`.
pub fn c_program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let crate_dir = Path::new(CRATE_DIR);
        let lib = lib_dir();
        let out = Scratch::new("c-program").keep().join("libzkp_test");
        let output = Command::new("gcc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&out)
            .arg(crate_dir.join("tests/c/libzkp_test.c"))
            .arg("-I")
            .arg(crate_dir.join("include"))
            .arg("-L")
            .arg(&lib)
            .arg("-lzkp")
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .output()
            .expect("running gcc");
        assert!(
            output.status.success(),
            "gcc failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    })
}

/// Runs the C program with `args` and the extra environment `envs`, echoes its output and
/// returns its stdout; panics unless it exits with 0 (every check passed).
pub fn run_c_program(args: &[&std::ffi::OsStr], envs: &[(&str, &Path)]) -> String {
    let output = Command::new(c_program())
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove(zkp::dump::DUMP_DIR_VAR)
        .envs(envs.iter().copied())
        .output()
        .expect("running the C program");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the C program failed ({}); FAIL lines above",
        output.status
    );
    assert!(stdout.contains(" checks, 0 failed"), "no summary line");
    stdout
}

/// A fresh folder under cargo's per-target temp dir, removed on drop unless kept.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty folder named after `label` and this process.
    pub fn new(label: &str) -> Self {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("libzkp-c-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` in the folder and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Keeps the folder after drop and returns its path.
    pub fn keep(self) -> PathBuf {
        let path = self.0.clone();
        std::mem::forget(self);
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

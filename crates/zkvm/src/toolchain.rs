use std::{env, path::PathBuf, process::Command};

use crate::ZkvmError;

/// The Rust toolchain that compiles guests, as `scripts/install-guest-toolchain.sh` installs it
/// and `scripts/env.sh` exposes it (`OPENVM_RUST_TOOLCHAIN`, the rustup wrapper on `PATH`).
#[derive(Clone, Debug)]
pub struct GuestToolchain {
    name: String,
    build_log: Option<PathBuf>,
}

impl GuestToolchain {
    /// Finds the toolchain named by `OPENVM_RUST_TOOLCHAIN` and checks that openvm-build will
    /// accept it: rustup must know it and report `rust-src` as installed for it.
    pub fn from_env() -> Result<Self, ZkvmError> {
        let name = env::var("OPENVM_RUST_TOOLCHAIN")
            .map_err(|_| ZkvmError::Toolchain("OPENVM_RUST_TOOLCHAIN is not set".to_string()))?;
        let output = Command::new("rustup")
            .args(["component", "list", "--toolchain", &name])
            .output()
            .map_err(|e| ZkvmError::Toolchain(format!("cannot run rustup: {e}")))?;
        let listing = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || !listing.lines().any(|l| l.trim() == "rust-src (installed)")
        {
            return Err(ZkvmError::Toolchain(format!(
                "rustup does not report rust-src for toolchain `{name}` (is the guest toolchain \
                 installed and its rustup wrapper first on PATH?)"
            )));
        }
        let build_log = env::var_os("OPENVM_GUEST_LOGFILE").map(PathBuf::from);
        Ok(Self { name, build_log })
    }

    /// The rustup toolchain name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where guest compiler output goes, for error messages.
    pub(crate) fn build_log_description(&self) -> String {
        match &self.build_log {
            Some(path) => path.display().to_string(),
            None => "stderr (/dev/tty when attached; set OPENVM_GUEST_LOGFILE)".to_string(),
        }
    }
}

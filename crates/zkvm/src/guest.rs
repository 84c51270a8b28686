use std::{
    env, fs,
    path::{Path, PathBuf},
};

use openvm_build::GuestOptions;
use openvm_sdk::{config::AppConfig, Sdk};
use openvm_sdk_config::SdkVmConfig;

use crate::{AppProgram, GuestToolchain, ProvingParams, ZkvmError};

/// The folder holding rollproof's guest programs (`crates/circuits`), or `ROLLPROOF_CIRCUITS_DIR`
/// when set (for binaries run outside the source tree).
pub fn circuits_dir() -> PathBuf {
    env::var_os("ROLLPROOF_CIRCUITS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits"))
}

/// A guest crate (compiled for `riscv32im-risc0-zkvm-elf`) and the VM configuration from its
/// `openvm.toml`, which fixes the VM extensions its proofs use.
#[derive(Clone, Debug)]
pub struct GuestProgram {
    name: String,
    dir: PathBuf,
    vm_config: SdkVmConfig,
    target_dir: Option<PathBuf>,
    build_env: Vec<(String, String)>,
}

impl GuestProgram {
    /// Opens the guest crate at `dir`, reading `dir/openvm.toml`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, ZkvmError> {
        let given = dir.as_ref();
        let invalid = |reason: String| ZkvmError::GuestProgram {
            path: given.to_path_buf(),
            reason,
        };
        let dir = given
            .canonicalize()
            .map_err(|e| invalid(format!("cannot open: {e}")))?;
        if !dir.join("Cargo.toml").is_file() {
            return Err(invalid("no Cargo.toml: not a guest crate".to_string()));
        }
        let toml = fs::read_to_string(dir.join("openvm.toml"))
            .map_err(|e| invalid(format!("cannot read openvm.toml: {e}")))?;
        let vm_config = SdkVmConfig::from_toml(&toml)
            .map_err(|e| invalid(format!("invalid openvm.toml: {e}")))?
            .optimize();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target_dir = env::var_os("CARGO_TARGET_DIR")
            .map(|target| PathBuf::from(target).join(guest_target_name(&dir)));
        Ok(Self {
            name,
            dir,
            vm_config,
            target_dir,
            build_env: Vec::new(),
        })
    }

    /// Opens `circuits_dir()/<name>`.
    pub fn named(name: &str) -> Result<Self, ZkvmError> {
        Self::open(circuits_dir().join(name))
    }

    /// The guest's folder name (e.g. `selfcheck`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The guest crate's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Compiles the guest with `openvm-build` (release profile, `--locked`, source paths remapped
    /// so the program does not depend on where it was built) and transpiles it for the VM.
    pub fn build(
        &self,
        toolchain: &GuestToolchain,
        params: ProvingParams,
    ) -> Result<AppProgram, ZkvmError> {
        let mut vm_config = self.vm_config.clone();
        params.limit_segments(&mut vm_config);
        let app_config = AppConfig::new(vm_config, params.app_system_params());
        let agg_params = params.aggregation_params();
        let sdk = Sdk::new(app_config.clone(), agg_params.clone()).map_err(|e| {
            ZkvmError::GuestProgram {
                path: self.dir.clone(),
                reason: format!("VM configuration rejected: {e}"),
            }
        })?;
        tracing::info!(guest = %self.name, toolchain = toolchain.name(), "building guest");
        let elf = sdk
            .build(self.guest_options(), &self.dir, &None, None)
            .map_err(|e| ZkvmError::GuestBuild {
                name: self.name.clone(),
                detail: e.to_string(),
                log: toolchain.build_log_description(),
            })?;
        let exe = sdk.convert_to_exe(elf).map_err(|e| ZkvmError::GuestBuild {
            name: self.name.clone(),
            detail: format!("transpiling the ELF failed: {e}"),
            log: toolchain.build_log_description(),
        })?;
        Ok(AppProgram::new(
            self.name.clone(),
            app_config,
            agg_params,
            exe,
        ))
    }

    /// Builds into `dir` instead of `$CARGO_TARGET_DIR/openvm-guests-<checkout>` (or the guest's own
    /// `target/` when that is unset).
    pub fn with_target_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(dir.into());
        self
    }

    /// Adds the deferral configuration of a parent program (see
    /// [`ChildVerifier::deferral_config`](crate::ChildVerifier::deferral_config)) to the VM
    /// configuration read from `openvm.toml`: it depends on the child verifying key, so it is
    /// derived when the program is built, never written by hand.
    pub fn with_deferral(mut self, config: openvm_sdk_config::deferral::DeferralConfig) -> Self {
        use openvm_sdk::openvm_circuit::arch::{instructions::DEFERRAL_AS, MemoryConfig};
        // Parsing an `openvm.toml` without deferrals sizes the deferral address space to zero;
        // give it the VM's default size back.
        let deferral_as = DEFERRAL_AS as usize;
        let default_cells = MemoryConfig::default().addr_spaces[deferral_as].num_cells;
        self.vm_config.system.config.memory_config.addr_spaces[deferral_as].num_cells =
            default_cells;
        self.vm_config.deferral = Some(config);
        self
    }

    /// Sets a compile-time value the guest reads with `env!(key)` (passed to rustc as
    /// `--env-set`, so it reaches the guest and never the host process's environment). Parent
    /// guests take the commitments of the child program they accept this way.
    pub fn with_build_env(mut self, key: &str, value: &str) -> Self {
        if self.build_env.is_empty() {
            // Builds with compile-time values pass other rustc flags than plain builds: give this
            // guest its own target folder, so that building it and the plain guests in turn does
            // not recompile their shared dependencies every time.
            self.target_dir = self.target_dir.take().map(|dir| {
                let folder = dir.file_name().unwrap_or_default().to_string_lossy();
                dir.with_file_name(format!("{folder}-{}", self.name))
            });
        }
        self.build_env.push((key.to_string(), value.to_string()));
        self
    }

    fn guest_options(&self) -> GuestOptions {
        let mut remaps = Vec::new();
        // Build-script outputs live under the target dir: map it too.
        if let Some(target) = &self.target_dir {
            remaps.push((target.clone(), "/target"));
        }
        // Guests compile crates from the whole repository (stateless, primitives): map its root
        // so builds from different checkouts match.
        if let Some(repo) = checkout_root(&self.dir) {
            remaps.push((repo.to_path_buf(), "/rollproof"));
        }
        if let Some(cargo_home) = cargo_home() {
            remaps.push((cargo_home, "/cargo"));
        }
        if let Some(prefix) = env::var_os("ROLLPROOF_GUEST_TOOLCHAIN_DIR") {
            remaps.push((PathBuf::from(prefix), "/guest-toolchain"));
        }
        let mut flags: Vec<String> = remaps
            .iter()
            .flat_map(|(from, to)| {
                [
                    "--remap-path-prefix".to_string(),
                    format!("{}={to}", from.display()),
                ]
            })
            .collect();
        if !self.build_env.is_empty() {
            // `--env-set` is unstable; guest builds already run with RUSTC_BOOTSTRAP=1.
            flags.push("-Zunstable-options".to_string());
            for (key, value) in &self.build_env {
                flags.extend(["--env-set".to_string(), format!("{key}={value}")]);
            }
        }
        let mut opts = GuestOptions::default()
            .with_options(["--locked"])
            .with_rustc_flags(flags);
        if let Some(target) = &self.target_dir {
            opts = opts.with_target_dir(target.clone());
        }
        opts
    }
}

/// The repository checkout a guest crate lives in (`crates/circuits/<guest>/../../..`).
fn checkout_root(guest_dir: &Path) -> Option<&Path> {
    guest_dir.ancestors().nth(3)
}

/// The guest target folder under a shared `CARGO_TARGET_DIR`: `openvm-guests-<checkout>`,
/// keyed by the checkout the guest lives in. Host crates from several checkouts can share a
/// target dir (cargo keys their artifacts by path), but a guest's ELF has one fixed path per
/// target dir: two checkouts building into one folder would read each other's programs.
fn guest_target_name(guest_dir: &Path) -> String {
    let checkout = checkout_root(guest_dir).unwrap_or(guest_dir);
    // FNV-1a: a stable, dependency-free name; not a security boundary.
    let hash = checkout
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("openvm-guests-{:08x}", hash as u32)
}

fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

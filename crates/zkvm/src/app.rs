use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, OnceLock},
};

use openvm_continuations::CommitBytes;
use openvm_sdk::{
    config::{AggregationSystemParams, AppConfig},
    keygen::{AggProvingKey, AppProvingKey, AppVerifyingKey},
    openvm_circuit::arch::{instructions::exe::VmExe, ContinuationVmProof},
    Sdk, StdIn, F, SC,
};

/// The builder of this crate's SDKs.
type SdkBuilder = openvm_sdk::builder::GenericSdkBuilder<
    openvm_sdk::DefaultStarkEngine,
    openvm_sdk_config::SdkVmCpuBuilder,
>;
use openvm_sdk_config::SdkVmConfig;
use openvm_stark_backend::p3_field::PrimeField32;

use crate::{deferral::ChildVerifier, ProvingParams, ZkvmError};

/// A transpiled guest program bound to its VM configuration and proving parameters.
///
/// `Send + Sync`: the OpenVM SDK object is not, so one is made per operation from the config and
/// the proving key, which is generated once and shared.
pub struct AppProgram {
    name: String,
    app_config: AppConfig<SdkVmConfig>,
    agg_params: AggregationSystemParams,
    exe: Arc<VmExe<F>>,
    app_pk: OnceLock<AppProvingKey<SdkVmConfig>>,
    agg_pk: OnceLock<AggProvingKey>,
    children: Option<Arc<ChildVerifier>>,
}

/// What a metered execution measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionReport {
    /// The public values the guest revealed, one byte each.
    pub public_values: Vec<u8>,
    /// RISC-V instructions executed.
    pub instructions: u64,
    /// The VM's estimate of proving cost (trace cells).
    pub trace_cells: u64,
}

/// A proof of one program run: one STARK per continuation segment plus the Merkle proof of the
/// public values. Not aggregated; its size grows with the run's length.
pub struct AppProof(ContinuationVmProof<SC>);

impl AppProgram {
    pub(crate) fn new(
        name: String,
        app_config: AppConfig<SdkVmConfig>,
        agg_params: AggregationSystemParams,
        exe: Arc<VmExe<F>>,
    ) -> Self {
        Self {
            name,
            app_config,
            agg_params,
            exe,
            app_pk: OnceLock::new(),
            agg_pk: OnceLock::new(),
            children: None,
        }
    }

    /// Makes this a parent program that verifies proofs of `children`'s child key through
    /// deferral. The program's VM configuration must carry exactly the deferral configuration
    /// `children` derives (a stale `openvm.toml` for another child key is an error).
    pub fn with_children(mut self, children: Arc<ChildVerifier>) -> Result<Self, ZkvmError> {
        let expected = children.deferral_config();
        let found = self.app_config.app_vm_config.deferral.as_ref();
        if found.map(|config| &config.circuits) != Some(&expected.circuits) {
            return Err(ZkvmError::InvalidAsset {
                name: self.name.clone(),
                reason: format!(
                    "the VM configuration's deferral circuits ({found:?}) are not the ones for \
                     the child verifying key ({:?})",
                    expected.circuits
                ),
            });
        }
        self.children = Some(children);
        Ok(self)
    }

    /// [`Self::with_children`] with the child verifier loaded from keys saved by
    /// [`ChildVerifier::proving_keys`] (seconds, where generating them takes minutes). The keys
    /// must give exactly this program's deferral configuration.
    pub fn with_saved_children(
        self,
        child: &crate::StarkVerifyingKey,
        keys: &[u8],
    ) -> Result<Self, ZkvmError> {
        let expected = self
            .app_config
            .app_vm_config
            .deferral
            .clone()
            .ok_or_else(|| ZkvmError::InvalidAsset {
                name: self.name.clone(),
                reason: "the VM configuration verifies no child proofs".to_string(),
            })?;
        let children = ChildVerifier::from_proving_keys(child, keys, &expected)?;
        self.with_children(Arc::new(children))
    }

    /// The deferral hook commit of this program's aggregated proofs: `Some` for a parent
    /// program (its proofs carry deferrals; a grandparent verifying them needs it), `None` for a
    /// plain one.
    pub fn def_hook_commit(&self) -> Option<CommitBytes> {
        self.children
            .as_ref()
            .map(|children| children.def_hook_commit())
    }

    /// The child verifier of a parent program.
    pub fn children(&self) -> Option<&Arc<ChildVerifier>> {
        self.children.as_ref()
    }

    /// The guest's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Rebuilds a program from its assets: the VM configuration (`openvm.toml` text, as
    /// [`Self::vm_config_toml`] writes it) and the transpiled executable ([`Self::exe_bytes`]).
    pub fn from_assets(
        name: &str,
        vm_config_toml: &str,
        exe_bytes: &[u8],
        params: ProvingParams,
    ) -> Result<Self, ZkvmError> {
        let invalid = |reason: String| ZkvmError::InvalidAsset {
            name: name.to_string(),
            reason,
        };
        let mut vm_config = SdkVmConfig::from_toml(vm_config_toml)
            .map_err(|e| invalid(format!("VM configuration: {e}")))?
            .optimize();
        params.limit_segments(&mut vm_config);
        let exe: VmExe<F> =
            bitcode::deserialize(exe_bytes).map_err(|e| invalid(format!("executable: {e}")))?;
        Ok(Self::new(
            name.to_string(),
            AppConfig::new(vm_config, params.app_system_params()),
            params.aggregation_params(),
            Arc::new(exe),
        ))
    }

    /// The transpiled executable's bytes (bitcode, as the SDK stores objects).
    pub fn exe_bytes(&self) -> Vec<u8> {
        bitcode::serialize(self.exe.as_ref()).expect("an executable always serializes")
    }

    /// The VM configuration as `openvm.toml` text.
    pub fn vm_config_toml(&self) -> Result<String, ZkvmError> {
        self.app_config
            .app_vm_config
            .to_toml()
            .map_err(|e| ZkvmError::InvalidAsset {
                name: self.name.clone(),
                reason: format!("VM configuration does not serialize: {e}"),
            })
    }

    /// The app proving key, generated on first use.
    fn app_pk(&self) -> Result<&AppProvingKey<SdkVmConfig>, ZkvmError> {
        if let Some(pk) = self.app_pk.get() {
            return Ok(pk);
        }
        let pk = AppProvingKey::keygen(self.app_config.clone())
            .map_err(|e| ZkvmError::Proving(format!("app key generation failed: {e}")))?;
        Ok(self.app_pk.get_or_init(|| pk))
    }

    /// An SDK for this program; with the proving key when `keyed`.
    fn sdk(&self, keyed: bool) -> Result<Sdk, ZkvmError> {
        let builder = Sdk::builder().agg_params(self.agg_params.clone());
        let builder = if keyed {
            builder.app_pk(self.app_pk()?.clone())
        } else {
            builder.app_config(self.app_config.clone())
        };
        self.with_deferral(builder)
            .build_without_transpiler()
            .map_err(|e| ZkvmError::Proving(format!("setting up the VM failed: {e}")))
    }

    /// An SDK with the app and aggregation proving keys, the aggregation key generated on
    /// first use (tens of seconds) and shared afterwards.
    pub(crate) fn aggregating_sdk(&self) -> Result<Sdk, ZkvmError> {
        self.aggregating_sdk_with(|builder| builder)
    }

    /// [`Self::aggregating_sdk`] with `configure` applied to the SDK builder last (e.g. the
    /// halo2 SRS folder of an EVM prover).
    pub(crate) fn aggregating_sdk_with(
        &self,
        configure: impl FnOnce(SdkBuilder) -> SdkBuilder,
    ) -> Result<Sdk, ZkvmError> {
        let agg_pk = match self.agg_pk.get() {
            Some(pk) => pk.clone(),
            None => {
                let sdk = self.sdk(true)?;
                let pk = catch_unwind(AssertUnwindSafe(|| sdk.agg_pk())).map_err(|panic| {
                    ZkvmError::Proving(format!(
                        "aggregation key generation failed: {}",
                        panic_message(&panic)
                    ))
                })?;
                self.agg_pk.get_or_init(|| pk).clone()
            }
        };
        // The key carries the aggregation parameters; the builder takes one or the other.
        let builder = Sdk::builder().app_pk(self.app_pk()?.clone()).agg_pk(agg_pk);
        configure(self.with_deferral(builder))
            .build_without_transpiler()
            .map_err(|e| ZkvmError::Proving(format!("setting up the VM failed: {e}")))
    }

    /// Gives a parent program's SDK its deferral prover (child proofs are verified there).
    fn with_deferral(&self, builder: SdkBuilder) -> SdkBuilder {
        match &self.children {
            Some(children) => builder.deferral_agg_prover(children.deferral_agg_prover()),
            None => builder,
        }
    }

    /// The transpiled program.
    pub(crate) fn exe(&self) -> Arc<VmExe<F>> {
        Arc::clone(&self.exe)
    }

    /// Runs the program without proving; returns the revealed public values. A panic inside
    /// the VM (e.g. a deferral call with no matching deferral state) is an execution error.
    pub fn execute(&self, input: StdIn) -> Result<Vec<u8>, ZkvmError> {
        let sdk = self.sdk(false)?;
        catch_unwind(AssertUnwindSafe(|| {
            sdk.execute(Arc::clone(&self.exe), input)
        }))
        .map_err(|panic| ZkvmError::Execution(format!("VM panicked: {}", panic_message(&panic))))?
        .map_err(|e| ZkvmError::Execution(e.to_string()))
    }

    /// Runs the program with metering (instruction count, trace cells). Generates the app proving
    /// key on first use.
    pub fn execute_metered(&self, input: StdIn) -> Result<ExecutionReport, ZkvmError> {
        let sdk = self.sdk(true)?;
        let (public_values, (trace_cells, instructions)) = catch_unwind(AssertUnwindSafe(|| {
            sdk.execute_metered_cost(Arc::clone(&self.exe), input)
        }))
        .map_err(|panic| ZkvmError::Execution(format!("VM panicked: {}", panic_message(&panic))))?
        .map_err(|e| ZkvmError::Execution(e.to_string()))?;
        Ok(ExecutionReport {
            public_values,
            instructions,
            trace_cells,
        })
    }

    /// The key that verifies this VM configuration's app proofs (the same for every program with
    /// this `openvm.toml` and these parameters). Generates the proving key on first use.
    pub fn verifying_key(&self) -> Result<AppVerifyingKey, ZkvmError> {
        Ok(self.app_pk()?.get_app_vk())
    }

    /// The commitment to this program (code and initial memory) that its proofs carry.
    pub fn exe_commit(&self) -> Result<CommitBytes, ZkvmError> {
        let prover = self
            .sdk(true)?
            .app_prover(Arc::clone(&self.exe))
            .map_err(|e| ZkvmError::Proving(e.to_string()))?;
        Ok(CommitBytes::from(prover.app_exe_commit()))
    }

    /// Proves one run of the program on `input`. A guest that fails on this input fails to prove.
    pub fn prove(&self, input: StdIn) -> Result<AppProof, ZkvmError> {
        let mut prover = self
            .sdk(true)?
            .app_prover(Arc::clone(&self.exe))
            .map_err(|e| ZkvmError::Proving(e.to_string()))?
            .with_program_name(&self.name);
        // The SDK panics on some internal failures; a prover must report them, not abort.
        let proof = catch_unwind(AssertUnwindSafe(|| prover.prove(input)))
            .map_err(|panic| ZkvmError::Proving(panic_message(&panic)))?
            .map_err(|e| ZkvmError::Proving(e.to_string()))?;
        Ok(AppProof(proof))
    }
}

impl AppProof {
    /// Number of continuation segments (one STARK proof each).
    pub fn num_segments(&self) -> usize {
        self.0.per_segment.len()
    }

    /// The public values the proof claims, one byte each. Only meaningful after
    /// [`crate::verify_app_proof`] accepted the proof.
    pub fn claimed_public_values(&self) -> Result<Vec<u8>, ZkvmError> {
        public_value_bytes(&self.0.user_public_values.public_values)
    }

    /// Serializes the proof as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, ZkvmError> {
        serde_json::to_vec(&self.0)
            .map_err(|e| ZkvmError::Proving(format!("serializing proof: {e}")))
    }

    /// Parses a proof from JSON (untrusted input: verify before use).
    pub fn from_json(bytes: &[u8]) -> Result<Self, ZkvmError> {
        serde_json::from_slice(bytes)
            .map(Self)
            .map_err(|e| ZkvmError::InvalidProof(format!("malformed proof JSON: {e}")))
    }

    pub(crate) fn inner(&self) -> &ContinuationVmProof<SC> {
        &self.0
    }
}

/// Public values as bytes: the guest reveals one byte per field element.
pub(crate) fn public_value_bytes(values: &[F]) -> Result<Vec<u8>, ZkvmError> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            u8::try_from(value.as_canonical_u32()).map_err(|_| {
                ZkvmError::InvalidProof(format!("public value {index} is not a byte: {value}"))
            })
        })
        .collect()
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without message".to_string())
}

use openvm_sdk::config::AggregationSystemParams;
use openvm_sdk_config::SdkVmConfig;
use openvm_stark_backend::SystemParams;
use openvm_stark_sdk::config::{app_params_with_100_bits_security, MAX_APP_LOG_STACKED_HEIGHT};

/// STARK parameters for app proofs, with defaults measured on 2-core CPU machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvingParams {
    /// log2 of the stacked trace height per segment. The SDK default (24) suits GPUs; on CPUs 20-21
    /// proves small programs ~4x faster and skips ~1 min of setup.
    pub log_stacked_height: usize,
}

impl ProvingParams {
    /// The CPU default: log stacked height 20, 100 bits of security.
    pub const CPU_DEFAULT: Self = Self {
        log_stacked_height: 20,
    };

    /// Largest supported log stacked height (the SDK's limit).
    pub const MAX_LOG_STACKED_HEIGHT: usize = MAX_APP_LOG_STACKED_HEIGHT;

    /// The app VM's system parameters (100-bit security at the chosen height).
    ///
    /// Panics if `log_stacked_height` exceeds [`Self::MAX_LOG_STACKED_HEIGHT`]; callers that take
    /// it from users validate with [`Self::new`] first.
    pub(crate) fn app_system_params(&self) -> SystemParams {
        app_params_with_100_bits_security(self.log_stacked_height)
    }

    /// Caps the VM's estimate of a segment's trace memory (the SDK default is 15 GiB, which a
    /// batch guest with the BLS12-381 chips turns into more than 24 GB of resident memory while
    /// proving): longer runs split into more, smaller segments instead. Execution-only: the
    /// verifying key does not depend on it.
    pub(crate) fn limit_segments(&self, vm_config: &mut SdkVmConfig) {
        vm_config.system.config.segmentation_max_memory = Self::SEGMENT_MAX_MEMORY;
    }

    /// The segment trace-memory cap [`Self::limit_segments`] applies: 6 GiB.
    pub const SEGMENT_MAX_MEMORY: usize = 6 << 30;

    /// Parameters for the aggregation (leaf/internal) layers: the SDK's 100-bit defaults.
    pub(crate) fn aggregation_params(&self) -> AggregationSystemParams {
        AggregationSystemParams::default()
    }

    /// Validated constructor.
    pub fn new(log_stacked_height: usize) -> Result<Self, String> {
        if !(10..=Self::MAX_LOG_STACKED_HEIGHT).contains(&log_stacked_height) {
            return Err(format!(
                "log stacked height {log_stacked_height} is out of range 10..={}",
                Self::MAX_LOG_STACKED_HEIGHT
            ));
        }
        Ok(Self { log_stacked_height })
    }
}

impl Default for ProvingParams {
    fn default() -> Self {
        Self::CPU_DEFAULT
    }
}

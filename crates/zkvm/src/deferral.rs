//! Verifying child proofs inside a parent guest: OpenVM's deferral mechanism, as the batch guest
//! (children: chunk proofs) and the bundle guest (children: batch proofs) use it.
//!
//! The parent guest never sees a child proof. For each child it holds a 32-byte *input commit*
//! and asks the VM (`openvm_verify_stark_guest::verify_stark_unchecked::<0>`) what the proof
//! behind it revealed: the child's program commitment, VM commitment and public values. The real
//! STARK verification of the child runs in a separate verify-stark circuit, proven by the SDK
//! during aggregation and folded into the parent's aggregated proof, so a parent proof can only
//! exist for children that verify. The parent must still compare the reported commitments
//! with the child program it expects ([`ChildCommits`]): the deferral circuit checks that a
//! proof verifies, not which program it is for.
//!
//! [`ChildVerifier`] holds the verify-stark prover for one child verifying key (its keygen costs
//! about two minutes on 2 cores), the parent VM's deferral configuration derived from it, and
//! turns child proofs into guest inputs ([`ChildInputs`]). Its proving keys can be saved
//! ([`ChildVerifier::proving_keys`]) and loaded back ([`ChildVerifier::from_proving_keys`]) in
//! seconds instead of generated again.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
};

use openvm_continuations::{prover::DeferralCircuitProver, CommitBytes};
use openvm_recursion_circuit::{batch_constraint::commit_child_vk, utils::poseidon2_hash_slice};
use openvm_sdk::{
    config::AggregationConfig,
    keygen::{AggProvingKey, DeferralProvingKey},
    openvm_circuit::arch::deferral::DeferralState,
    prover::{DeferralAggProver, MultiDeferralCircuitProver, SingleDeferralCircuitProver},
    DeferralInput, StdIn, F,
};
use openvm_sdk_config::deferral::{DeferralConfig, SupportedDeferral};
use openvm_stark_backend::{p3_field::PrimeField32, StarkEngine};
use openvm_stark_sdk::config::{
    baby_bear_poseidon2::{BabyBearPoseidon2CpuEngine, Digest},
    hook_params_with_100_bits_security,
};
use openvm_verify_stark_circuit::{
    default_verify_stark_circuit_params,
    extension::{get_deferral_state, get_raw_deferral_results},
    prover::{DeferredVerifyCpuCircuitProver, DeferredVerifyCpuProver},
};
use openvm_verify_stark_host::VmStarkProof;

use crate::{
    app::panic_message, stark::decode_stark_proof, ProvingParams, StarkProof, StarkVerifyingKey,
    ZkvmError,
};

/// The deferral circuit index children are verified through (the parent's only deferral
/// circuit).
pub const CHILD_DEFERRAL_INDEX: usize = 0;

/// What a verified child proof reports about its program, in the byte form the guest receives:
/// 8 BabyBear field elements as little-endian u32 words each (not the `CommitBytes` form the
/// SDK prints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildCommits {
    /// Commitment to the child program (code, initial memory, entry point).
    pub exe: [u8; 32],
    /// Commitment to the child's VM and the aggregation layers below the internal-recursive one.
    pub vm: [u8; 32],
}

impl ChildCommits {
    /// The commitments proofs verified by `vk` report, computed from the key alone.
    pub fn of(vk: &StarkVerifyingKey) -> Self {
        let baseline = &vk.inner().baseline;
        let components: Vec<F> = [
            baseline.app_vk_commit.cached_commit,
            baseline.app_vk_commit.vk_pre_hash,
            baseline.leaf_vk_commit.cached_commit,
            baseline.leaf_vk_commit.vk_pre_hash,
            baseline.internal_for_leaf_vk_commit.cached_commit,
            baseline.internal_for_leaf_vk_commit.vk_pre_hash,
        ]
        .into_iter()
        .flatten()
        .collect();
        Self {
            exe: digest_bytes(&baseline.app_exe_commit),
            vm: digest_bytes(&poseidon2_hash_slice(&components).0),
        }
    }

    /// Lower-case hex of [`Self::exe`].
    pub fn exe_hex(&self) -> String {
        hex_of(&self.exe)
    }

    /// Lower-case hex of [`Self::vm`].
    pub fn vm_hex(&self) -> String {
        hex_of(&self.vm)
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest as the guest sees it: each field element's canonical value as 4 LE bytes.
fn digest_bytes(digest: &Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (word, value) in out.chunks_exact_mut(4).zip(digest) {
        word.copy_from_slice(&value.as_canonical_u32().to_le_bytes());
    }
    out
}

/// The verify-stark deferral prover for the proofs of one child program, and what a parent
/// guest needs to verify them.
pub struct ChildVerifier {
    child: StarkVerifyingKey,
    circuits: Arc<MultiDeferralCircuitProver>,
    deferral_agg: Arc<DeferralAggProver>,
    cached_commit: Digest,
}

impl ChildVerifier {
    /// Generates the deferral proving keys for children verified by `child` (about two
    /// minutes on 2 cores). `child_def_hook_commit` is the child SDK's deferral hook commit
    /// when the child proofs themselves carry deferrals (a bundle verifying batch proofs),
    /// `None` for plain children (a batch verifying chunk proofs).
    pub fn new(
        child: &StarkVerifyingKey,
        child_def_hook_commit: Option<CommitBytes>,
        params: ProvingParams,
    ) -> Result<Self, ZkvmError> {
        let agg_config = AggregationConfig {
            params: params.aggregation_params(),
        };
        let vk = child.inner();
        let child_agg_vk = Arc::new(vk.mvk.clone());
        let setup = catch_unwind(AssertUnwindSafe(|| {
            let engine =
                <BabyBearPoseidon2CpuEngine as StarkEngine>::new(child_agg_vk.inner.params.clone());
            let internal_recursive_cached_commit = commit_child_vk(&engine, &child_agg_vk, true)
                .commitment
                .into();
            let verify = DeferredVerifyCpuProver::new::<BabyBearPoseidon2CpuEngine>(
                child_agg_vk,
                internal_recursive_cached_commit,
                default_verify_stark_circuit_params(),
                vk.baseline.memory_dimensions,
                vk.baseline.num_user_pvs,
                child_def_hook_commit,
                CHILD_DEFERRAL_INDEX,
            );
            let circuits = Arc::new(MultiDeferralCircuitProver::new(
                DeferredVerifyCpuCircuitProver::new(verify),
                agg_config.clone(),
                hook_params_with_100_bits_security(),
            ));
            let deferral_agg = DeferralAggProver::new(agg_config, Arc::clone(&circuits));
            (circuits, deferral_agg)
        }))
        .map_err(|panic| {
            ZkvmError::Proving(format!(
                "deferral key generation failed: {}",
                panic_message(&panic)
            ))
        })?;
        let (circuits, deferral_agg) = setup;
        Self::assemble(child, Arc::clone(&circuits), deferral_agg)
    }

    /// A verifier from its parts; reads the verify-stark circuit's cached commit.
    fn assemble(
        child: &StarkVerifyingKey,
        circuits: Arc<MultiDeferralCircuitProver>,
        deferral_agg: DeferralAggProver,
    ) -> Result<Self, ZkvmError> {
        let cached_commit = circuits
            .single_circuit_provers
            .get(CHILD_DEFERRAL_INDEX)
            .and_then(|prover| {
                prover
                    .def_circuit_prover
                    .cached_commits()
                    .into_iter()
                    .next()
            })
            .ok_or_else(|| {
                ZkvmError::Proving("the verify-stark circuit exposes no cached commit".to_string())
            })?
            .into();
        Ok(Self {
            child: child.clone(),
            circuits,
            deferral_agg: Arc::new(deferral_agg),
            cached_commit,
        })
    }

    /// The deferral proving keys (the verify-stark circuit's, its aggregation layers', the
    /// hook's and the deferral aggregation tree's), encoded to be saved with the parent
    /// program's assets and loaded by [`Self::from_proving_keys`].
    pub fn proving_keys(&self) -> Result<Vec<u8>, ZkvmError> {
        let keys = (self.circuits.get_pk(), self.deferral_agg.get_pk());
        bitcode::serialize(&keys)
            .map_err(|e| ZkvmError::Proving(format!("encoding the deferral keys: {e}")))
    }

    /// Rebuilds the verifier for `child` from keys saved by [`Self::proving_keys`], without
    /// key generation. The keys are only trusted as far as they are checked: the parent VM's
    /// deferral configuration they give must equal `expected` (the parent program's
    /// `openvm.toml`, which binds the child key), else this is an error.
    pub fn from_proving_keys(
        child: &StarkVerifyingKey,
        keys: &[u8],
        expected: &DeferralConfig,
    ) -> Result<Self, ZkvmError> {
        let invalid = |reason: String| ZkvmError::InvalidAsset {
            name: "deferral proving keys".to_string(),
            reason,
        };
        let (circuits_pk, agg_pk): (DeferralProvingKey, AggProvingKey) =
            bitcode::deserialize(keys).map_err(|e| invalid(format!("undecodable: {e}")))?;
        let [circuit_pk] = <[_; 1]>::try_from(circuits_pk.circuits).map_err(|circuits| {
            invalid(format!(
                "{} deferral circuits, a child verifier has one",
                circuits.len()
            ))
        })?;
        let rebuilt = catch_unwind(AssertUnwindSafe(|| {
            let verify =
                DeferredVerifyCpuCircuitProver::from_pk(circuit_pk.def_circuit_pk.as_ref().clone());
            let single = SingleDeferralCircuitProver::from_pks(
                verify,
                circuit_pk.agg_prefix_pk.leaf,
                circuit_pk.agg_prefix_pk.internal_for_leaf,
            );
            let circuits = Arc::new(MultiDeferralCircuitProver::from_single_circuit_prover(
                single,
                circuits_pk.def_internal_recursive_pk,
                circuits_pk.def_hook_pk,
            ));
            let deferral_agg = DeferralAggProver::from_pk(agg_pk, Arc::clone(&circuits));
            (circuits, deferral_agg)
        }))
        .map_err(|panic| invalid(format!("not loadable: {}", panic_message(&panic))))?;
        let (circuits, deferral_agg) = rebuilt;
        let verifier = Self::assemble(child, circuits, deferral_agg)?;
        let found = verifier.deferral_config();
        if found.circuits != expected.circuits {
            return Err(invalid(format!(
                "they are for another child program or configuration: they give the \
                 deferral circuits {:?}, the parent's VM configuration has {:?}",
                found.circuits, expected.circuits
            )));
        }
        Ok(verifier)
    }

    /// The child verifying key.
    pub fn child(&self) -> &StarkVerifyingKey {
        &self.child
    }

    /// The commitments the parent guest must find in every child's report.
    pub fn child_commits(&self) -> ChildCommits {
        ChildCommits::of(&self.child)
    }

    /// The parent VM's deferral configuration: one verify-stark circuit, with the commitment
    /// that binds it to this child key.
    pub fn deferral_config(&self) -> DeferralConfig {
        self.circuits
            .make_config(vec![SupportedDeferral::VerifyStark])
    }

    /// The deferral hook commit of the parent's aggregated proofs (what a grandparent's
    /// [`ChildVerifier`] for them needs).
    pub fn def_hook_commit(&self) -> CommitBytes {
        self.deferral_agg.def_hook_commit().into()
    }

    /// A handle on the deferral aggregation prover for an SDK builder (which takes it by value).
    pub(crate) fn deferral_agg_prover(&self) -> DeferralAggProver {
        DeferralAggProver {
            multi_deferral_circuit_prover: Arc::clone(
                &self.deferral_agg.multi_deferral_circuit_prover,
            ),
            agg_prover: Arc::clone(&self.deferral_agg.agg_prover),
        }
    }

    /// Checks `proofs` against the child key on the host and turns them into the parent's
    /// inputs, in order. A proof that does not verify is an error here, before any guest runs.
    pub fn inputs(&self, proofs: &[StarkProof]) -> Result<ChildInputs, ZkvmError> {
        let decoded: Vec<VmStarkProof> = proofs
            .iter()
            .map(decode_stark_proof)
            .collect::<Result<_, _>>()?;
        let vk = self.child.inner();
        let rejected = |e: String| ZkvmError::InvalidProof(format!("child proof: {e}"));
        let (raw, state) = catch_unwind(AssertUnwindSafe(|| {
            let raw = get_raw_deferral_results(vk, &decoded, self.cached_commit)
                .map_err(|e| rejected(e.to_string()))?;
            let state = get_deferral_state(
                vk,
                &decoded,
                self.cached_commit,
                CHILD_DEFERRAL_INDEX as u32,
            )
            .map_err(|e| rejected(e.to_string()))?;
            Ok::<_, ZkvmError>((raw, state))
        }))
        .map_err(|panic| rejected(format!("verifier panicked: {}", panic_message(&panic))))??;
        let input_commits = raw
            .iter()
            .map(|result| {
                <[u8; 32]>::try_from(result.input.as_slice())
                    .map_err(|_| rejected("input commit is not 32 bytes".to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(ChildInputs {
            input_commits,
            state,
            proving_input: DeferralInput::from_inputs(&decoded),
        })
    }
}

/// Child proofs made ready for a parent guest: the input commits the guest reads, and what the
/// VM needs to answer its verify calls (execution) and to prove them (aggregation).
pub struct ChildInputs {
    /// One 32-byte input commit per child proof, in order: the guest's handle on each proof.
    pub input_commits: Vec<[u8; 32]>,
    state: DeferralState,
    proving_input: DeferralInput,
}

impl ChildInputs {
    /// Gives `stdin` the deferral state the VM answers the guest's verify calls from.
    pub fn attach(&self, stdin: &mut StdIn) {
        stdin.deferrals = vec![self.state.clone()];
    }

    /// The deferral circuits' inputs for proving, one per circuit.
    pub(crate) fn proving_inputs(&self) -> Vec<DeferralInput> {
        vec![self.proving_input.clone()]
    }
}

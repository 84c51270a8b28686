//! Real OpenVM runs of the self-check guest: build, execute on many inputs, one real app proof,
//! and rejection of tampered proofs, wrong programs and bad guest folders.
//!
//! Needs the guest toolchain (`scripts/test.sh` installs it and sets the environment).

use std::{process::Command, sync::OnceLock};

use std::sync::Mutex;

use rollproof_zkvm::{
    selfcheck, verify_app_proof, verify_stark_proof, AppProgram, AppProof, CommitBytes,
    GuestProgram, GuestToolchain, ProvingParams, StarkProof, StarkVerifyingKey, StdIn, ZkvmError,
};

/// Proofs in this binary run one at a time (memory and cores).
static PROVING: Mutex<()> = Mutex::new(());
use serde_json::Value;

/// BabyBear's modulus: proof field elements are below it.
const BABY_BEAR_P: u64 = 0x7800_0001;

fn program() -> &'static AppProgram {
    static PROGRAM: OnceLock<AppProgram> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let toolchain = GuestToolchain::from_env().expect("guest toolchain (run scripts/test.sh)");
        GuestProgram::named(selfcheck::GUEST_NAME)
            .expect("open selfcheck guest")
            .build(&toolchain, ProvingParams::default())
            .expect("build selfcheck guest")
    })
}

#[test]
fn execution_reveals_fibonacci_for_many_inputs() {
    for steps in [0, 1, 2, 10, 93, 94, 1_000, 65_537] {
        let revealed = program().execute(selfcheck::input(steps)).unwrap();
        assert_eq!(
            revealed,
            selfcheck::expected_public_values(steps),
            "steps = {steps}"
        );
    }
}

#[test]
fn execution_fails_on_bad_input() {
    let too_many = program().execute(selfcheck::input(selfcheck::MAX_STEPS + 1));
    assert!(
        matches!(too_many, Err(ZkvmError::Execution(_))),
        "{too_many:?}"
    );
    let missing = program().execute(StdIn::default());
    assert!(
        matches!(missing, Err(ZkvmError::Execution(_))),
        "{missing:?}"
    );
}

/// Changes the field element at `pointer` in a proof's JSON (field elements are serialized in
/// Montgomery form; adding one to that form gives another valid element).
fn bump_field_element(proof: &Value, pointer: &str) -> Value {
    let mut tampered = proof.clone();
    let slot = tampered
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in proof JSON"));
    let value = slot
        .as_u64()
        .unwrap_or_else(|| panic!("{pointer} is {slot}, not a number"));
    *slot = Value::from((value + 1) % BABY_BEAR_P);
    tampered
}

fn reparse(json: &Value) -> AppProof {
    AppProof::from_json(&serde_json::to_vec(json).unwrap()).expect("tampered proof still parses")
}

/// The one real proof of this suite (~40 s app proof on 2 cores, plus key generation).
#[test]
fn app_proof_verifies_and_tampering_is_rejected() {
    let _one_proof_at_a_time = PROVING.lock().unwrap_or_else(|e| e.into_inner());
    let steps = 1_000;
    let program = program();
    let vk = program.verifying_key().unwrap();
    let commit = program.exe_commit().unwrap();
    let proof = program.prove(selfcheck::input(steps)).unwrap();
    assert!(proof.num_segments() >= 1);

    let revealed = verify_app_proof(&vk, &proof, &commit).unwrap();
    assert_eq!(revealed, selfcheck::expected_public_values(steps));

    // A proof survives its JSON form.
    let json: Value = serde_json::from_slice(&proof.to_json().unwrap()).unwrap();
    assert_eq!(
        verify_app_proof(&vk, &reparse(&json), &commit).unwrap(),
        revealed
    );

    // A different public value (fib's low byte replaced by the step count's) breaks the
    // public-values Merkle proof.
    let mut forged = json.clone();
    forged["user_public_values"]["public_values"][4] =
        json["user_public_values"]["public_values"][0].clone();
    let forged_output = reparse(&forged);
    assert_ne!(revealed[0], revealed[4]);
    assert_eq!(
        forged_output.claimed_public_values().unwrap()[4],
        revealed[0]
    );
    let rejected = verify_app_proof(&vk, &forged_output, &commit);
    assert!(
        matches!(rejected, Err(ZkvmError::InvalidProof(_))),
        "{rejected:?}"
    );

    // A changed trace commitment breaks the STARK itself.
    let forged_stark = reparse(&bump_field_element(
        &json,
        "/per_segment/0/common_main_commit/0",
    ));
    let rejected = verify_app_proof(&vk, &forged_stark, &commit);
    assert!(
        matches!(rejected, Err(ZkvmError::InvalidProof(_))),
        "{rejected:?}"
    );

    // A valid proof of another program is refused.
    let other_program = CommitBytes::from([7u32; 8]);
    let rejected = verify_app_proof(&vk, &proof, &other_program);
    assert!(
        matches!(rejected, Err(ZkvmError::ProgramMismatch { .. })),
        "{rejected:?}"
    );

    // Garbage is an error, not a panic.
    assert!(matches!(
        AppProof::from_json(b"{\"per_segment\": 3}"),
        Err(ZkvmError::InvalidProof(_))
    ));
    let empty = reparse(&serde_json::json!({
        "per_segment": [],
        "user_public_values": json["user_public_values"].clone(),
    }));
    assert!(verify_app_proof(&vk, &empty, &commit).is_err());
}

/// The aggregated proof provers submit (~4-5 min on 2 cores: app proof, then the leaf and
/// internal aggregation layers).
#[test]
fn stark_proof_verifies_and_tampering_is_rejected() {
    let _one_proof_at_a_time = PROVING.lock().unwrap_or_else(|e| e.into_inner());
    let steps = 77;
    let program = program();
    let vk = program.stark_verifying_key().unwrap();
    let proof = program.prove_stark(selfcheck::input(steps)).unwrap();
    let revealed = verify_stark_proof(&vk, &proof).unwrap();
    assert_eq!(revealed, selfcheck::expected_public_values(steps));
    eprintln!("aggregated proof: {} bytes compressed", proof.0.len());

    // The key survives its byte form; garbage keys are errors.
    let reloaded = StarkVerifyingKey::from_bytes(&vk.to_bytes()).unwrap();
    assert_eq!(verify_stark_proof(&reloaded, &proof).unwrap(), revealed);
    assert!(matches!(
        StarkVerifyingKey::from_bytes(b"not a key"),
        Err(ZkvmError::InvalidKey(_))
    ));

    // Garbage, truncation and a flipped byte inside the proof are rejected, never a panic.
    for bad in [
        StarkProof(b"not zstd".to_vec()),
        StarkProof(proof.0[..proof.0.len() / 2].to_vec()),
        StarkProof(zstd::encode_all(&b"zstd but not a proof"[..], 3).unwrap()),
    ] {
        let rejected = verify_stark_proof(&vk, &bad);
        assert!(
            matches!(rejected, Err(ZkvmError::InvalidProof(_))),
            "{rejected:?}"
        );
    }
    let mut raw = zstd::decode_all(proof.0.as_slice()).unwrap();
    for at in [raw.len() / 3, raw.len() - 5] {
        raw[at] ^= 0x01;
        let flipped = StarkProof(zstd::encode_all(raw.as_slice(), 3).unwrap());
        let rejected = verify_stark_proof(&vk, &flipped);
        assert!(
            matches!(rejected, Err(ZkvmError::InvalidProof(_))),
            "{rejected:?}"
        );
        raw[at] ^= 0x01;
    }
}

/// A fresh folder under the system temp dir, removed on drop.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rollproof-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn bad_guest_folders_are_clear_errors() {
    let missing = GuestProgram::open("/nonexistent/guest").unwrap_err();
    assert!(missing.to_string().contains("cannot open"), "{missing}");

    let dir = ScratchDir::new("bad-guest");
    let not_a_crate = GuestProgram::open(dir.path()).unwrap_err();
    assert!(
        not_a_crate.to_string().contains("no Cargo.toml"),
        "{not_a_crate}"
    );

    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let no_config = GuestProgram::open(dir.path()).unwrap_err();
    assert!(no_config.to_string().contains("openvm.toml"), "{no_config}");

    std::fs::write(dir.path().join("openvm.toml"), "[not_a_vm_config]\n").unwrap();
    let bad_config = GuestProgram::open(dir.path()).unwrap_err();
    assert!(
        bad_config.to_string().contains("invalid openvm.toml"),
        "{bad_config}"
    );
}

#[test]
fn selfcheck_binary_explains_a_missing_toolchain() {
    let output = Command::new(env!("CARGO_BIN_EXE_zkvm_selfcheck"))
        .env("OPENVM_RUST_TOOLCHAIN", "rollproof-no-such-toolchain")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("guest toolchain not ready"), "{stderr}");
    assert!(stderr.contains("install-guest-toolchain.sh"), "{stderr}");
}

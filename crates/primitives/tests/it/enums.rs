//! Every integer-coded enum: values, names, serde as integers, rejection of unknown values.

use rollproof_primitives::{
    InvalidEnumValue, ProofsReadyStatus, ProverProviderType, ProverTaskFailureType,
    ProverTaskStatus, ProvingStatus, RollupStatus, SubmitFailureType, SubmitProofStatus, TaskType,
};

/// Checks an enum against the reference's table `(variant, value, name)`, exhaustively over
/// `ALL`, and checks that values just outside the table are rejected.
macro_rules! check_enum {
    ($ty:ident { $($variant:ident = $value:literal => $name:literal),+ $(,)? }) => {{
        let table: &[($ty, i16, &str)] = &[$(($ty::$variant, $value, $name)),+];
        assert_eq!($ty::ALL, table.iter().map(|row| row.0).collect::<Vec<_>>().as_slice());
        for &(variant, value, name) in table {
            assert_eq!(variant.as_i16(), value, "{variant:?}");
            assert_eq!(i16::from(variant), value, "{variant:?}");
            assert_eq!(i16::from(variant.as_u8()), value, "{variant:?}");
            assert_eq!(variant.to_string(), name);
            assert_eq!(variant.as_str(), name);
            assert_eq!($ty::try_from(i64::from(value)), Ok(variant));
            let json = serde_json::to_string(&variant).unwrap();
            assert_eq!(json, value.to_string(), "{variant:?} serializes as its integer");
            assert_eq!(serde_json::from_str::<$ty>(&json).unwrap(), variant);
        }
        let max = table.iter().map(|row| i64::from(row.1)).max().unwrap();
        for bad in [-1, max + 1, 256, i64::MAX, i64::MIN] {
            let err = $ty::try_from(bad).unwrap_err();
            assert_eq!(err.enum_name, stringify!($ty));
            assert_eq!(err.value, bad);
            assert!(err.to_string().contains(stringify!($ty)), "{err}");
        }
        let err = serde_json::from_str::<$ty>(&(max + 1).to_string()).unwrap_err();
        assert!(err.to_string().contains(&format!("invalid {} value {}", stringify!($ty), max + 1)), "{err}");
        // Names are for display only: the wire carries integers.
        assert!(serde_json::from_str::<$ty>(&format!("{:?}", table[0].2)).is_err());
        assert!(serde_json::from_str::<$ty>("1.5").is_err());
    }};
}

#[test]
fn task_type() {
    check_enum!(TaskType {
        Undefined = 0 => "undefined",
        Chunk = 1 => "chunk",
        Batch = 2 => "batch",
        Bundle = 3 => "bundle",
    });
}

#[test]
fn proving_status() {
    check_enum!(ProvingStatus {
        Undefined = 0 => "undefined",
        Unassigned = 1 => "unassigned",
        Assigned = 2 => "assigned",
        Proved = 3 => "proved",
        Verified = 4 => "verified",
        Failed = 5 => "failed",
    });
}

#[test]
fn proofs_ready_status() {
    check_enum!(ProofsReadyStatus {
        Undefined = 0 => "undefined",
        Pending = 1 => "pending",
        Ready = 2 => "ready",
    });
}

#[test]
fn rollup_status() {
    check_enum!(RollupStatus {
        Undefined = 0 => "undefined",
        Pending = 1 => "pending",
        Committing = 2 => "committing",
        Committed = 3 => "committed",
        Finalizing = 4 => "finalizing",
        Finalized = 5 => "finalized",
        CommitFailed = 6 => "commit_failed",
        FinalizeFailed = 7 => "finalize_failed",
    });
}

#[test]
fn prover_task_status() {
    check_enum!(ProverTaskStatus {
        Undefined = 0 => "undefined",
        Assigned = 1 => "assigned",
        ProofValid = 2 => "proof_valid",
        ProofInvalid = 3 => "proof_invalid",
    });
}

#[test]
fn prover_task_failure_type() {
    check_enum!(ProverTaskFailureType {
        Undefined = 0 => "undefined",
        Timeout = 1 => "timeout",
        SubmitStatusNotOk = 2 => "submit_status_not_ok",
        VerificationFailed = 3 => "verification_failed",
        ServerError = 4 => "server_error",
        ObjectAlreadyVerified = 5 => "object_already_verified",
        ReassignedByAdmin = 6 => "reassigned_by_admin",
    });
}

#[test]
fn submit_proof_status() {
    check_enum!(SubmitProofStatus {
        Ok = 0 => "ok",
        Error = 1 => "error",
    });
}

#[test]
fn submit_failure_type() {
    check_enum!(SubmitFailureType {
        Undefined = 0 => "undefined",
        Panic = 1 => "panic",
        NoPanic = 2 => "no_panic",
    });
}

#[test]
fn prover_provider_type() {
    check_enum!(ProverProviderType {
        Undefined = 0 => "undefined",
        Internal = 1 => "internal",
        External = 2 => "external",
    });
}

#[test]
fn invalid_value_message_lists_valid_values() {
    let err: InvalidEnumValue = TaskType::try_from(7).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid TaskType value 7 (valid: 0=undefined 1=chunk 2=batch 3=bundle)"
    );
}

#[test]
fn enums_inside_structs_are_integers() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct GetTask {
        task_types: Vec<TaskType>,
        status: SubmitProofStatus,
    }
    let msg = GetTask {
        task_types: vec![TaskType::Chunk, TaskType::Bundle],
        status: SubmitProofStatus::Error,
    };
    let json = serde_json::to_string(&msg).unwrap();
    assert_eq!(json, r#"{"task_types":[1,3],"status":1}"#);
    assert_eq!(serde_json::from_str::<GetTask>(&json).unwrap(), msg);
    let err = serde_json::from_str::<GetTask>(r#"{"task_types":[1,4],"status":0}"#).unwrap_err();
    assert!(
        err.to_string().contains("invalid TaskType value 4"),
        "{err}"
    );
}

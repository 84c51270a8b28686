//! The fork schedule read from a genesis chain config.

use rollproof_primitives::{
    ActivationKind, ForkActivation, ForkName, ForkSchedule, ForkScheduleError, NoActiveFork,
};

/// A genesis document in the shape of an L2 node's `genesis.json`, with `extra` spliced into
/// its `config` object.
fn genesis(extra: &str) -> String {
    format!(
        r#"{{
            "config": {{
                "chainId": 534352,
                "homesteadBlock": 0,
                "londonBlock": 0,
                "shanghaiTime": 0,
                "scroll": {{"maxTxPerBlock": 100, "feeVaultAddress": "0x5300000000000000000000000000000000000005"}}
                {extra}
            }},
            "nonce": "0x0",
            "timestamp": "0x6490a3b0",
            "gasLimit": "0x989680",
            "alloc": {{}}
        }}"#
    )
}

fn schedule(extra: &str) -> Result<ForkSchedule, ForkScheduleError> {
    ForkSchedule::from_genesis_json(&genesis(extra))
}

#[test]
fn block_activation_then_time_activation() {
    let s = schedule(r#", "galileoBlock": 100, "galileoV2Time": 1700000000"#).unwrap();
    assert_eq!(s.chain_id(), 534352);
    assert_eq!(
        s.activation(ForkName::Galileo),
        ForkActivation::at_block(100)
    );
    assert_eq!(
        s.activation(ForkName::GalileoV2),
        ForkActivation::at_time(1_700_000_000)
    );
    assert_eq!(
        s.fork_at(99, 1_000),
        Err(NoActiveFork {
            number: 99,
            timestamp: 1_000
        })
    );
    assert_eq!(s.fork_at(100, 1_000), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(5_000, 1_699_999_999), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(5_000, 1_700_000_000), Ok(ForkName::GalileoV2));
    assert_eq!(s.fork_at(u64::MAX, u64::MAX), Ok(ForkName::GalileoV2));
    assert_eq!(
        s.scheduled().collect::<Vec<_>>(),
        [
            (ForkName::Galileo, ForkActivation::at_block(100)),
            (ForkName::GalileoV2, ForkActivation::at_time(1_700_000_000)),
        ]
    );
}

#[test]
fn time_activations_ignore_the_block_number() {
    let s = schedule(r#", "galileoTime": 10, "galileoV2Time": 20"#).unwrap();
    assert!(s.fork_at(1_000_000, 9).is_err());
    assert_eq!(s.fork_at(0, 10), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(1_000_000, 19), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(0, 20), Ok(ForkName::GalileoV2));
}

#[test]
fn block_or_time_whichever_comes_first() {
    let s = schedule(r#", "galileoBlock": 50, "galileoTime": 1000"#).unwrap();
    assert!(s.fork_at(49, 999).is_err());
    assert_eq!(s.fork_at(50, 0), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(0, 1000), Ok(ForkName::Galileo));
    assert_eq!(s.activation(ForkName::GalileoV2), ForkActivation::default());
    assert!(!s.activation(ForkName::GalileoV2).is_scheduled());
}

#[test]
fn forks_activating_together_resolve_to_the_latest() {
    let s = schedule(r#", "galileoBlock": 0, "galileoV2Block": 0"#).unwrap();
    assert_eq!(s.fork_at(0, 0), Ok(ForkName::GalileoV2));
}

#[test]
fn no_fork_scheduled_means_none_active() {
    let s = schedule("").unwrap();
    assert_eq!(s.scheduled().count(), 0);
    let err = s.fork_at(7, 8).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no fork is active at block 7 (timestamp 8)"
    );
}

#[test]
fn null_activation_counts_as_absent() {
    let s = schedule(r#", "galileoBlock": 3, "galileoV2Block": null"#).unwrap();
    assert_eq!(s.fork_at(1_000, 1_000), Ok(ForkName::Galileo));
}

#[test]
fn misordered_blocks_are_rejected() {
    let err = schedule(r#", "galileoBlock": 10, "galileoV2Block": 5"#).unwrap_err();
    assert!(
        matches!(
            err,
            ForkScheduleError::Misordered {
                earlier: ForkName::Galileo,
                later: ForkName::GalileoV2,
                kind: ActivationKind::Block,
                earlier_at: 10,
                later_at: 5,
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "fork galileov2 activates at block 5, before the earlier fork galileo (block 10)"
    );
}

#[test]
fn misordered_times_are_rejected() {
    let err = schedule(r#", "galileoTime": 2000, "galileoV2Time": 1999"#).unwrap_err();
    assert!(
        matches!(
            err,
            ForkScheduleError::Misordered {
                kind: ActivationKind::Time,
                earlier_at: 2000,
                later_at: 1999,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn later_fork_without_earlier_fork_is_rejected() {
    let err = schedule(r#", "galileoV2Block": 5"#).unwrap_err();
    assert!(
        matches!(
            err,
            ForkScheduleError::MissingEarlierFork {
                fork: ForkName::GalileoV2,
                missing: ForkName::Galileo,
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "fork galileov2 is scheduled but the earlier fork galileo is not"
    );
}

#[test]
fn block_activated_fork_after_time_only_fork_is_rejected() {
    let err = schedule(r#", "galileoTime": 5, "galileoV2Block": 10"#).unwrap_err();
    assert!(
        matches!(
            err,
            ForkScheduleError::BlockAfterTimeOnly {
                earlier: ForkName::Galileo,
                later: ForkName::GalileoV2,
            }
        ),
        "{err:?}"
    );
}

#[test]
fn malformed_configs_are_rejected() {
    let no_chain_id = r#"{"config": {"galileoBlock": 0}}"#;
    assert!(matches!(
        ForkSchedule::from_genesis_json(no_chain_id),
        Err(ForkScheduleError::MissingField { key: "chainId" })
    ));
    for bad in [r#""0x10""#, "-1", "1.5", "true"] {
        let err = schedule(&format!(r#", "galileoBlock": {bad}"#)).unwrap_err();
        assert!(
            matches!(
                err,
                ForkScheduleError::NotAnInteger {
                    key: "galileoBlock"
                }
            ),
            "{bad}: {err:?}"
        );
    }
    for not_genesis in ["", "[]", r#"{"alloc": {}}"#, r#"{"config": 5}"#, "{"] {
        assert!(
            matches!(
                ForkSchedule::from_genesis_json(not_genesis),
                Err(ForkScheduleError::Json(_))
            ),
            "{not_genesis}"
        );
    }
}

#[test]
fn explicit_schedule_is_validated_too() {
    let s = ForkSchedule::new(
        1,
        [
            (ForkName::Galileo, ForkActivation::at_block(0)),
            (ForkName::GalileoV2, ForkActivation::at_block(10)),
        ],
    )
    .unwrap();
    assert_eq!(s.chain_id(), 1);
    assert_eq!(s.fork_at(9, 0), Ok(ForkName::Galileo));
    assert_eq!(s.fork_at(10, 0), Ok(ForkName::GalileoV2));

    let err = ForkSchedule::new(
        1,
        [
            (ForkName::GalileoV2, ForkActivation::at_time(3)),
            (ForkName::Galileo, ForkActivation::at_time(4)),
        ],
    )
    .unwrap_err();
    assert!(
        matches!(err, ForkScheduleError::Misordered { .. }),
        "{err:?}"
    );
}

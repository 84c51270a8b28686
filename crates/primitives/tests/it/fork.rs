//! The fork registry: names, parsing, serde, per-fork parameters.

use rollproof_primitives::{EvmSpec, ForkName, UnknownFork};

#[test]
fn parses_case_insensitively() {
    for (input, fork) in [
        ("galileo", ForkName::Galileo),
        ("Galileo", ForkName::Galileo),
        ("GALILEO", ForkName::Galileo),
        ("galileov2", ForkName::GalileoV2),
        ("galileoV2", ForkName::GalileoV2),
        ("GalileoV2", ForkName::GalileoV2),
        ("GALILEOV2", ForkName::GalileoV2),
    ] {
        assert_eq!(input.parse::<ForkName>(), Ok(fork), "{input}");
    }
}

#[test]
fn rejects_unknown_forks_naming_the_known_ones() {
    for input in [
        "feynman",
        "",
        "galileo2",
        "galileo-v2",
        " galileo",
        "galileov3",
    ] {
        let err: UnknownFork = input.parse::<ForkName>().unwrap_err();
        assert_eq!(err.name, input);
        let msg = err.to_string();
        assert!(msg.contains("known forks: galileo, galileov2"), "{msg}");
    }
    assert_eq!(
        "Feynman".parse::<ForkName>().unwrap_err().to_string(),
        r#"unknown fork "Feynman"; known forks: galileo, galileov2"#
    );
}

#[test]
fn displays_and_serializes_lower_case() {
    assert_eq!(ForkName::Galileo.to_string(), "galileo");
    assert_eq!(ForkName::GalileoV2.to_string(), "galileov2");
    assert_eq!(
        serde_json::to_string(&ForkName::Galileo).unwrap(),
        r#""galileo""#
    );
    assert_eq!(
        serde_json::to_string(&ForkName::GalileoV2).unwrap(),
        r#""galileov2""#
    );
}

#[test]
fn deserializes_any_case_and_rejects_unknown() {
    for (json, fork) in [
        (r#""galileo""#, ForkName::Galileo),
        (r#""GALILEO""#, ForkName::Galileo),
        (r#""GalileoV2""#, ForkName::GalileoV2),
        (r#""galileov2""#, ForkName::GalileoV2),
    ] {
        assert_eq!(
            serde_json::from_str::<ForkName>(json).unwrap(),
            fork,
            "{json}"
        );
    }
    // Owned strings (e.g. from a `serde_json::Value`) work too.
    let value = serde_json::Value::String("GalileoV2".into());
    assert_eq!(
        serde_json::from_value::<ForkName>(value).unwrap(),
        ForkName::GalileoV2
    );

    let err = serde_json::from_str::<ForkName>(r#""euclid""#).unwrap_err();
    assert!(
        err.to_string().contains("known forks: galileo, galileov2"),
        "{err}"
    );
    assert!(serde_json::from_str::<ForkName>("9").is_err());
}

#[test]
fn per_fork_parameters() {
    assert_eq!(ForkName::Galileo.evm_spec(), EvmSpec::Cancun);
    assert_eq!(ForkName::GalileoV2.evm_spec(), EvmSpec::Prague);
    assert_eq!(ForkName::Galileo.stf_version(), 9);
    assert_eq!(ForkName::GalileoV2.stf_version(), 10);
    assert_eq!(ForkName::Galileo.codec_version(), 9);
    assert_eq!(ForkName::GalileoV2.codec_version(), 10);
    assert_eq!(EvmSpec::Cancun.to_string(), "cancun");
    assert_eq!(EvmSpec::Prague.to_string(), "prague");
}

#[test]
fn all_lists_every_fork_in_activation_order() {
    assert_eq!(ForkName::ALL, [ForkName::Galileo, ForkName::GalileoV2]);
    assert!(ForkName::Galileo < ForkName::GalileoV2);
    // Later forks never go back to older EVM rules or versions.
    for pair in ForkName::ALL.windows(2) {
        assert!(pair[0].evm_spec() <= pair[1].evm_spec());
        assert!(pair[0].stf_version() < pair[1].stf_version());
        assert!(pair[0].codec_version() <= pair[1].codec_version());
    }
    // Every fork round-trips through its wire name.
    for fork in ForkName::ALL {
        assert_eq!(fork.as_str().parse::<ForkName>(), Ok(fork));
    }
}

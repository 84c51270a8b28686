//! A stable sample of the shared BlockchainTests (about one case in twenty, spread over every
//! folder) through witness generation and stateless validation. The full folder runs with
//! `cargo run --release -p rollproof-ethtests --bin ethtests` (see the README).

use std::sync::Mutex;

use rollproof_ethtests::{
    fixture::{default_root, discover},
    run_suite, CaseOutcome, CaseReport, Observer, SuiteOptions,
};

/// Collects the failures that are not known.
#[derive(Default)]
struct Failures(Mutex<Vec<String>>);

impl Observer for Failures {
    fn case(&self, report: &CaseReport) {
        if let CaseOutcome::Failed { block, reason } = &report.outcome {
            if report.known.is_none() {
                self.0.lock().unwrap().push(format!(
                    "{} {} block {block:?}: {reason}",
                    report.file.display(),
                    report.name
                ));
            }
        }
    }
}

#[test]
fn sample_of_the_shared_blockchain_tests_passes() {
    let Some(root) = default_root() else {
        // `.ci/run` and scripts/test.sh look for the shared folder and set ROLLPROOF_ETHTESTS;
        // a checkout on a machine without the fixtures has nothing to run.
        eprintln!("NOT RUN: no shared BlockchainTests found; set ROLLPROOF_ETHTESTS");
        return;
    };
    let files = discover(&[root]).unwrap();
    let failures = Failures::default();
    let summary = run_suite(
        &files,
        &SuiteOptions {
            sample: 20,
            ..SuiteOptions::default()
        },
        &failures,
    );
    eprintln!("{summary:?}\n{}", summary.last_line());
    let failures = failures.0.into_inner().unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(summary.passed >= 250, "sample too small: {summary:?}");
    assert!(summary.blocks > summary.passed / 2, "{summary:?}");
    assert!(
        summary.rejected > 0,
        "the sample must include invalid blocks"
    );
    assert_eq!(summary.skipped, 0, "{summary:?}");
}

#[test]
fn a_tampered_fixture_fails() {
    let Some(root) = default_root() else {
        return;
    };
    let file = root.join("ValidBlocks/bcExample/shanghaiExample.json");
    let mut cases = rollproof_ethtests::fixture::load(&file).unwrap();
    let case = cases.values_mut().next().unwrap();
    assert!(matches!(
        rollproof_ethtests::run_case(case),
        CaseOutcome::Passed { blocks: 1, .. }
    ));
    // A different expected chain head: the run must notice.
    case.lastblockhash = alloy_primitives::B256::repeat_byte(7);
    assert!(matches!(
        rollproof_ethtests::run_case(case),
        CaseOutcome::Failed { .. }
    ));
}

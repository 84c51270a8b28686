//! Many fixture files on several threads: selection (`filter`, sampling), per-case reports and
//! the totals.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
};

use crate::{
    fixture::load,
    runner::{run_case, CaseOutcome, EIP7610_REASON, KNOWN_EIP7610_FILES},
};

/// Which cases to run and how.
#[derive(Clone, Debug)]
pub struct SuiteOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Run only cases whose file path or test name contains this.
    pub filter: Option<String>,
    /// Run one case in `sample` (chosen by a stable hash of file name and test name, so the
    /// sample spreads over every folder and never changes); 1 runs all.
    pub sample: u64,
}

impl Default for SuiteOptions {
    fn default() -> Self {
        Self {
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            filter: None,
            sample: 1,
        }
    }
}

/// What happened to one case (or to a file that could not be read).
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The fixture file.
    pub file: PathBuf,
    /// The test's name (empty when the file itself failed to load).
    pub name: String,
    /// The outcome.
    pub outcome: CaseOutcome,
    /// For a failure listed as known (EIP-7610), why it is expected.
    pub known: Option<&'static str>,
}

/// Totals of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases passed.
    pub passed: usize,
    /// Cases failed, including known failures.
    pub failed: usize,
    /// Of the failures, those with a known reason.
    pub known_failed: usize,
    /// Cases that cannot run here.
    pub skipped: usize,
    /// Valid blocks validated in passed cases.
    pub blocks: usize,
    /// Invalid blocks rejected in passed cases.
    pub rejected: usize,
}

impl Summary {
    fn add(&mut self, report: &CaseReport) {
        match &report.outcome {
            CaseOutcome::Passed { blocks, rejected } => {
                self.passed += 1;
                self.blocks += blocks;
                self.rejected += rejected.len();
            }
            CaseOutcome::Failed { .. } => {
                self.failed += 1;
                self.known_failed += usize::from(report.known.is_some());
            }
            CaseOutcome::Skipped { .. } => self.skipped += 1,
        }
    }

    /// The runner's last line: `N passed, M failed, K skipped`.
    pub fn last_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Whether a case is in the sample: a stable FNV-1a hash of `file name / test name`.
pub fn in_sample(file: &Path, name: &str, sample: u64) -> bool {
    if sample <= 1 {
        return true;
    }
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let key = format!("{}/{name}", file_name.unwrap_or_default());
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % sample == 0
}

/// Follows a run; called from the worker threads.
pub trait Observer: Sync {
    /// A case finished (or a file failed to load).
    fn case(&self, _report: &CaseReport) {}
    /// Every selected case of a file finished.
    fn file_done(&self, _file: &Path) {}
}

/// An observer that ignores everything.
impl Observer for () {}

/// Runs the selected cases of `files` on `options.jobs` threads, telling `observer` as cases
/// and files finish, and returns the totals.
pub fn run_suite(files: &[PathBuf], options: &SuiteOptions, observer: &impl Observer) -> Summary {
    let next = AtomicUsize::new(0);
    let summary = Mutex::new(Summary::default());
    let report = |report: CaseReport| {
        observer.case(&report);
        summary.lock().expect("summary lock").add(&report);
    };
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    run_file(file, options, &report);
                    observer.file_done(file);
                }
            });
        }
    });
    summary.into_inner().expect("summary lock")
}

fn run_file(file: &Path, options: &SuiteOptions, report: &impl Fn(CaseReport)) {
    let cases = match load(file) {
        Ok(cases) => cases,
        Err(reason) => {
            return report(CaseReport {
                file: file.to_path_buf(),
                name: String::new(),
                outcome: CaseOutcome::Failed {
                    block: None,
                    reason,
                },
                known: None,
            })
        }
    };
    let path = file.to_string_lossy();
    let known_file = file
        .file_name()
        .is_some_and(|name| KNOWN_EIP7610_FILES.iter().any(|k| name == *k));
    for (name, case) in &cases {
        if let Some(filter) = &options.filter {
            if !name.contains(filter.as_str()) && !path.contains(filter.as_str()) {
                continue;
            }
        }
        if !in_sample(file, name, options.sample) {
            continue;
        }
        let outcome = run_case(case);
        let known =
            (known_file && matches!(outcome, CaseOutcome::Failed { .. })).then_some(EIP7610_REASON);
        report(CaseReport {
            file: file.to_path_buf(),
            name: name.clone(),
            outcome,
            known,
        });
    }
}

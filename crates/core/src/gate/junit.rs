//! A JUnit test report as a check result. Parsing the XML is IO-adjacent work and lives
//! in `baton-sources` (`junit::parse`); the rule for when a run passes lives here.

use super::inputs::CheckResult;
use crate::Link;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The totals of a JUnit report, summed over its test suites.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JunitCounts {
    pub tests: u32,
    pub failures: u32,
    pub errors: u32,
    pub skipped: u32,
}

impl JunitCounts {
    /// No failures and no errors, and at least one test run: a report of nothing (an
    /// empty suite, or every test skipped) proves nothing about the service.
    pub fn passed(&self) -> bool {
        self.failures == 0 && self.errors == 0 && self.tests > self.skipped
    }
}

/// The check result for a report posted as check `name` at `at`.
pub fn summarize(name: &str, counts: JunitCounts, at: Timestamp, evidence: Option<Link>) -> CheckResult {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut summary = format!(
        "{}, {}, {}",
        plural(counts.tests, "test", "tests"),
        plural(counts.failures, "failure", "failures"),
        plural(counts.errors, "error", "errors")
    );
    if counts.skipped > 0 {
        summary.push_str(&format!(", {} skipped", counts.skipped));
    }
    if counts.tests <= counts.skipped {
        summary.push_str(": no test ran");
    }
    CheckResult { name: name.to_owned(), passed: counts.passed(), summary, at, evidence }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2026-03-02T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_clean_run_passes_with_its_counts_in_the_summary() {
        let r = summarize("e2e", JunitCounts { tests: 212, ..Default::default() }, at(), None);
        assert!(r.passed);
        assert_eq!(r.summary, "212 tests, 0 failures, 0 errors");
        assert_eq!(r.name, "e2e");
    }

    #[test]
    fn failures_or_errors_fail_the_run() {
        let failing = summarize("e2e", JunitCounts { tests: 212, failures: 3, ..Default::default() }, at(), None);
        assert!(!failing.passed);
        assert_eq!(failing.summary, "212 tests, 3 failures, 0 errors");
        let erroring = summarize("e2e", JunitCounts { tests: 5, errors: 1, ..Default::default() }, at(), None);
        assert!(!erroring.passed);
    }

    #[test]
    fn a_run_where_no_test_ran_does_not_pass() {
        let empty = summarize("e2e", JunitCounts::default(), at(), None);
        assert!(!empty.passed);
        assert!(empty.summary.ends_with("no test ran"), "{}", empty.summary);
        let all_skipped = summarize("e2e", JunitCounts { tests: 4, skipped: 4, ..Default::default() }, at(), None);
        assert!(!all_skipped.passed);
    }
}

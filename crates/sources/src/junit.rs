//! JUnit XML test reports (what most test runners write, e.g. the cluster e2e suite),
//! read into the totals that decide a `check` requirement of a gate.
//!
//! A report is `<testsuites>` holding `<testsuite>`s, or a single `<testsuite>`. The
//! totals come from the top-level suites' `tests`/`failures`/`errors`/`skipped`
//! attributes, or from the root's when its suites carry none, or else by counting
//! `<testcase>`s and their `<failure>`, `<error>` and `<skipped>` children. Whichever is
//! used, a report never has fewer failures or errors than its test cases show: a run is
//! not passed on a summary line that its own test cases contradict.

use baton_core::gate::{junit::summarize, CheckResult, JunitCounts};
use baton_core::Link;
use jiff::Timestamp;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JunitError {
    #[error("line {line}, column {column}: malformed XML: {message}")]
    Malformed { line: usize, column: usize, message: String },
    #[error("not a JUnit report: the document has no root element")]
    Empty,
    #[error("not a JUnit report: the root element is <{found}>; expected <testsuites> or <testsuite>")]
    NotJunit { found: String },
    #[error("line {line}, column {column}: <{element} {attribute}=\"{value}\">: expected a whole number")]
    BadCount { line: usize, column: usize, element: String, attribute: String, value: String },
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// The counts a suite element states, if it states `tests`.
fn stated(e: &BytesStart, text: &str, offset: usize) -> Result<Option<JunitCounts>, JunitError> {
    let element = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut counts = JunitCounts::default();
    let mut has_tests = false;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| malformed(text, offset, err.to_string()))?;
        let field = match attr.key.as_ref() {
            b"tests" => &mut counts.tests,
            b"failures" => &mut counts.failures,
            b"errors" => &mut counts.errors,
            b"skipped" => &mut counts.skipped,
            _ => continue,
        };
        has_tests |= attr.key.as_ref() == b"tests";
        let value = String::from_utf8_lossy(&attr.value).into_owned();
        *field = value.trim().parse().map_err(|_| {
            let (line, column) = line_column(text, offset);
            let attribute = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            JunitError::BadCount { line, column, element: element.clone(), attribute, value }
        })?;
    }
    Ok(has_tests.then_some(counts))
}

fn malformed(text: &str, offset: usize, message: String) -> JunitError {
    let (line, column) = line_column(text, offset);
    JunitError::Malformed { line, column, message }
}

fn add(a: JunitCounts, b: JunitCounts) -> JunitCounts {
    JunitCounts {
        tests: a.tests.saturating_add(b.tests),
        failures: a.failures.saturating_add(b.failures),
        errors: a.errors.saturating_add(b.errors),
        skipped: a.skipped.saturating_add(b.skipped),
    }
}

/// The totals of a JUnit report.
pub fn parse(xml: &str) -> Result<JunitCounts, JunitError> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut tally = Tally::new();
    let mut root_seen = false;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|err| {
            let at = usize::try_from(reader.error_position()).unwrap_or(offset);
            malformed(xml, at, err.to_string())
        })?;
        let (start, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                path.pop();
                continue;
            }
            // A report cut short (a CI job killed while writing it) must not pass on the
            // summary its root happened to state before the cut.
            Event::Eof if !path.is_empty() => {
                let open = String::from_utf8_lossy(path.last().expect("not empty")).into_owned();
                return Err(malformed(xml, xml.len(), format!("the document ends inside <{open}>")));
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.name().as_ref().to_vec();
        if path.is_empty() {
            if root_seen {
                return Err(malformed(xml, offset, "a second root element".into()));
            }
            root_seen = true;
            if name != b"testsuites" && name != b"testsuite" {
                return Err(JunitError::NotJunit { found: String::from_utf8_lossy(&name).into_owned() });
            }
        }
        tally.element(start, &name, &path, xml, offset)?;
        if !empty {
            path.push(name);
        }
    }
    if !root_seen {
        return Err(JunitError::Empty);
    }
    Ok(tally.totals())
}

/// What a report's root and top-level suites state, and what its test cases show.
struct Tally {
    root_stated: Option<JunitCounts>,
    // `None` once a top-level suite states no counts: then the test cases decide.
    suites_stated: Option<JunitCounts>,
    suites: usize,
    cases: JunitCounts,
}

impl Tally {
    fn new() -> Self {
        Tally {
            root_stated: None,
            suites_stated: Some(JunitCounts::default()),
            suites: 0,
            cases: JunitCounts::default(),
        }
    }

    /// Counts element `name`, opened inside `path`.
    fn element(
        &mut self,
        start: &BytesStart,
        name: &[u8],
        path: &[Vec<u8>],
        xml: &str,
        offset: usize,
    ) -> Result<(), JunitError> {
        let top_level_suite =
            name == b"testsuite" && (path.is_empty() || (path.len() == 1 && path[0] == b"testsuites"));
        if path.is_empty() && name == b"testsuites" {
            self.root_stated = stated(start, xml, offset)?;
        } else if top_level_suite {
            self.suites += 1;
            self.suites_stated = match (self.suites_stated, stated(start, xml, offset)?) {
                (Some(sum), Some(c)) => Some(add(sum, c)),
                _ => None,
            };
        }
        if name == b"testcase" {
            self.cases.tests += 1;
        }
        if path.last().is_some_and(|p| p == b"testcase") {
            match name {
                b"failure" => self.cases.failures += 1,
                b"error" => self.cases.errors += 1,
                b"skipped" => self.cases.skipped += 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// The stated totals (the suites', else the root's), never below what the test cases
    /// show; the test cases' own when nothing is stated.
    fn totals(self) -> JunitCounts {
        let cases = self.cases;
        let stated = match (self.suites_stated, self.root_stated) {
            (Some(sum), _) if self.suites > 0 => Some(sum),
            (_, Some(root)) => Some(root),
            _ => None,
        };
        match stated {
            None => cases,
            Some(s) => JunitCounts {
                tests: s.tests.max(cases.tests),
                failures: s.failures.max(cases.failures),
                errors: s.errors.max(cases.errors),
                skipped: s.skipped,
            },
        }
    }
}

/// The check result for a JUnit report posted as check `name`.
pub fn check_result(name: &str, xml: &str, at: Timestamp, evidence: Option<Link>) -> Result<CheckResult, JunitError> {
    Ok(summarize(name, parse(xml)?, at, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="streamhub e2e">
  <testsuite name="install" tests="2" failures="0" errors="0" skipped="0" time="41.2">
    <testcase classname="install" name="installs on a fresh cluster" time="30.1"/>
    <testcase classname="install" name="reports ready" time="11.1"/>
  </testsuite>
  <testsuite name="upgrade" tests="3" failures="0" errors="0" skipped="1">
    <testcase classname="upgrade" name="upgrades from 1.3"/>
    <testcase classname="upgrade" name="keeps topics"/>
    <testcase classname="upgrade" name="rolls back"><skipped message="needs two clusters"/></testcase>
  </testsuite>
</testsuites>
"#;

    const FAILING: &str = r#"<testsuite name="e2e" tests="3" failures="1" errors="1">
  <testcase name="publishes"/>
  <testcase name="consumes"><failure message="timeout after 30s">stack</failure></testcase>
  <testcase name="retains"><error message="cluster unreachable"/></testcase>
</testsuite>
"#;

    fn at() -> Timestamp {
        "2026-03-09T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_passing_report_sums_its_suites() {
        assert_eq!(parse(PASSING).unwrap(), JunitCounts { tests: 5, failures: 0, errors: 0, skipped: 1 });
        let r = check_result("e2e", PASSING, at(), None).unwrap();
        assert!(r.passed);
        assert_eq!(r.summary, "5 tests, 0 failures, 0 errors, 1 skipped");
    }

    #[test]
    fn a_failing_report_fails_the_check() {
        assert_eq!(parse(FAILING).unwrap(), JunitCounts { tests: 3, failures: 1, errors: 1, skipped: 0 });
        let r = check_result("e2e", FAILING, at(), None).unwrap();
        assert!(!r.passed);
        assert_eq!(r.summary, "3 tests, 1 failure, 1 error");
    }

    #[test]
    fn without_counts_the_test_cases_are_counted() {
        let xml = FAILING.replace(r#" tests="3" failures="1" errors="1""#, "");
        assert_eq!(parse(&xml).unwrap(), JunitCounts { tests: 3, failures: 1, errors: 1, skipped: 0 });
    }

    #[test]
    fn a_summary_that_hides_failing_test_cases_is_not_believed() {
        let xml = FAILING.replace(r#"failures="1" errors="1""#, r#"failures="0" errors="0""#);
        assert_eq!(parse(&xml).unwrap().failures, 1);
    }

    #[test]
    fn the_root_counts_serve_when_suites_state_none() {
        let xml = r#"<testsuites tests="4" failures="2"><testsuite name="a"/></testsuites>"#;
        assert_eq!(parse(xml).unwrap(), JunitCounts { tests: 4, failures: 2, errors: 0, skipped: 0 });
    }

    #[test]
    fn malformed_xml_is_reported_with_its_line_and_column() {
        let xml = "<testsuites>\n  <testsuite name=\"a\" tests=\"1\">\n  </testsuit>\n</testsuites>\n";
        let err = parse(xml).unwrap_err();
        let JunitError::Malformed { line, .. } = &err else { panic!("{err:?}") };
        assert_eq!(*line, 3, "{err}");
        assert!(err.to_string().starts_with("line 3, column "), "{err}");
    }

    #[test]
    fn a_count_that_is_not_a_number_is_named() {
        let err = parse("<testsuites>\n<testsuite tests=\"many\"/>\n</testsuites>").unwrap_err();
        assert_eq!(err.to_string(), "line 2, column 1: <testsuite tests=\"many\">: expected a whole number");
    }

    #[test]
    fn a_report_cut_short_does_not_pass_on_its_root_summary() {
        let err = parse("<testsuites tests=\"3\" failures=\"0\">\n<testsuite name=\"install\">").unwrap_err();
        assert!(err.to_string().contains("the document ends inside <testsuite>"), "{err}");
        assert!(err.to_string().starts_with("line 2, column "), "{err}");
    }

    #[test]
    fn documents_that_are_not_junit_are_refused() {
        assert_eq!(parse("").unwrap_err(), JunitError::Empty);
        assert_eq!(
            parse("<html><body/></html>").unwrap_err().to_string(),
            "not a JUnit report: the root element is <html>; expected <testsuites> or <testsuite>"
        );
    }
}

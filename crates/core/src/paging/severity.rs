//! How bad an alert is, in the four levels PagerDuty's Events API v2 uses (and most
//! Alertmanager rules put in a `severity` label).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Ordered from the most to the least severe, so `Critical < Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// One of the four names exactly (case-insensitive), as PagerDuty requires.
    pub fn parse_strict(s: &str) -> Option<Severity> {
        let s = s.trim();
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }

    /// A severity label as monitoring systems write it: the four names, `page` (a common
    /// Alertmanager convention for "wake someone") as critical. Anything else, including
    /// no label at all, is a warning: loud enough to be seen, and never a page by itself
    /// once SRE holds the pager, so a typo does not wake anyone at night.
    pub fn parse(s: &str) -> Severity {
        match Severity::parse_strict(s) {
            Some(v) => v,
            None if s.trim().eq_ignore_ascii_case("page") => Severity::Critical,
            None => Severity::Warning,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_leniently_and_unknown_ones_are_warnings() {
        assert_eq!(Severity::parse("critical"), Severity::Critical);
        assert_eq!(Severity::parse("Page"), Severity::Critical);
        assert_eq!(Severity::parse("error"), Severity::Error);
        assert_eq!(Severity::parse("INFO"), Severity::Info);
        assert_eq!(Severity::parse("sev1"), Severity::Warning);
        assert_eq!(Severity::parse(""), Severity::Warning);
        assert_eq!(Severity::parse_strict("page"), None);
        assert!(Severity::Critical < Severity::Warning);
    }
}

//! Capacity and velocity: once a service is released to customers, SRE expects no more
//! installs than the agreed capacity and no faster growth than the agreed velocity
//! (gating-for-production). Baton refuses an install that would break either.

use super::inputs::CapacityAgreement;
use std::fmt;

/// One reason an install is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallLimit {
    /// No capacity and velocity numbers have been recorded for the service.
    NoAgreement,
    /// Numbers are proposed but nobody has agreed them.
    NotAgreed { max_installs: u32, max_installs_per_week: u32 },
    /// The agreed number of installs is reached.
    Capacity { max_installs: u32, installs_so_far: u32 },
    /// The agreed number of new installs in seven days is reached.
    Velocity { max_installs_per_week: u32, installs_in_last_week: u32 },
}

impl fmt::Display for InstallLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallLimit::NoAgreement => {
                f.write_str("no capacity and velocity are agreed for this service; SRE agrees them before customers install")
            }
            InstallLimit::NotAgreed { max_installs, max_installs_per_week } => write!(
                f,
                "capacity ({max_installs} installs) and velocity ({max_installs_per_week} a week) are proposed but not yet agreed"
            ),
            InstallLimit::Capacity { max_installs, installs_so_far } => write!(
                f,
                "the agreed capacity is {max_installs} installs and {installs_so_far} exist; another would exceed it"
            ),
            InstallLimit::Velocity { max_installs_per_week, installs_in_last_week } => write!(
                f,
                "the agreed velocity is {max_installs_per_week} new installs a week and {installs_in_last_week} were made in the last 7 days"
            ),
        }
    }
}

/// An install refused, with every limit it would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("install refused: {}", .limits.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct InstallRefused {
    pub limits: Vec<InstallLimit>,
}

/// Whether one more customer install may happen, given the installs that exist and those
/// made in the last seven days. The caller decides which installs count (the issue:
/// internal consumers install once the service is in production, without this check).
pub fn may_install(
    agreement: Option<&CapacityAgreement>,
    installs_so_far: u32,
    installs_in_last_week: u32,
) -> Result<(), InstallRefused> {
    let Some(a) = agreement else {
        return Err(InstallRefused { limits: vec![InstallLimit::NoAgreement] });
    };
    let mut limits = Vec::new();
    if a.approved_by.is_none() {
        limits.push(InstallLimit::NotAgreed {
            max_installs: a.max_installs,
            max_installs_per_week: a.max_installs_per_week,
        });
    }
    if installs_so_far >= a.max_installs {
        limits.push(InstallLimit::Capacity { max_installs: a.max_installs, installs_so_far });
    }
    if installs_in_last_week >= a.max_installs_per_week {
        limits.push(InstallLimit::Velocity { max_installs_per_week: a.max_installs_per_week, installs_in_last_week });
    }
    if limits.is_empty() {
        Ok(())
    } else {
        Err(InstallRefused { limits })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PersonId;

    fn agreed(max: u32, per_week: u32) -> CapacityAgreement {
        CapacityAgreement {
            max_installs: max,
            max_installs_per_week: per_week,
            approved_by: Some(PersonId::parse("aoife.delacroix").unwrap()),
            at: "2026-03-01T09:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn installs_within_capacity_and_velocity_are_allowed() {
        assert_eq!(may_install(Some(&agreed(50, 5)), 49, 4), Ok(()));
    }

    #[test]
    fn the_install_that_would_exceed_capacity_is_refused() {
        let err = may_install(Some(&agreed(50, 5)), 50, 0).unwrap_err();
        assert_eq!(err.limits, vec![InstallLimit::Capacity { max_installs: 50, installs_so_far: 50 }]);
        assert!(err.to_string().contains("agreed capacity is 50 installs and 50 exist"), "{err}");
    }

    #[test]
    fn the_install_that_would_exceed_velocity_is_refused() {
        let err = may_install(Some(&agreed(50, 5)), 10, 5).unwrap_err();
        assert!(err.to_string().contains("5 new installs a week and 5 were made in the last 7 days"), "{err}");
    }

    #[test]
    fn both_limits_are_reported_at_once() {
        let err = may_install(Some(&agreed(3, 1)), 3, 1).unwrap_err();
        assert_eq!(err.limits.len(), 2);
    }

    #[test]
    fn no_agreement_or_an_unagreed_one_refuses_every_install() {
        let err = may_install(None, 0, 0).unwrap_err();
        assert_eq!(err.limits, vec![InstallLimit::NoAgreement]);
        let proposed = CapacityAgreement { approved_by: None, ..agreed(50, 5) };
        let err = may_install(Some(&proposed), 0, 0).unwrap_err();
        assert!(err.to_string().contains("proposed but not yet agreed"), "{err}");
    }
}

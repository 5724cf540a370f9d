//! The SLO engine's answer to the transition period's question: has the service met its
//! SLOs over the trailing window, with enough days of data to say so?

use super::budget::Tally;
use super::measured::Measured;
use super::objective::Objective;
use super::ratio;
use crate::viability::Viability;
use serde::{Deserialize, Serialize};

/// One SLO's figures over the trailing window, as the verdict reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloStanding {
    /// How the SLO is named in the reason: its id.
    pub slo: String,
    pub objective: Objective,
    pub tally: Tally,
}

enum Judgement {
    Met(String),
    NotMet(String),
    Unknown(String),
}

fn judge(s: &SloStanding, required_days: u32) -> Judgement {
    let t = &s.tally;
    let Measured::Value(attained) = t.attainment() else {
        return Judgement::Unknown(format!("{}: no data in the window", s.slo));
    };
    let figures = format!(
        "{} against an objective of {} over {} {} with data",
        ratio::percent(attained),
        s.objective.percent(),
        t.days_with_data,
        if t.days_with_data == 1 { "day" } else { "days" },
    );
    let budget = match t.error_budget(s.objective) {
        Measured::Value(b) if b.remaining < 0.0 => {
            format!("error budget overspent by {}", ratio::percent(-b.remaining))
        }
        Measured::Value(b) => format!("{} of the error budget left", ratio::percent(b.remaining)),
        Measured::NoData => unreachable!("a tally with an attainment has data"),
    };
    // Too little data is unknown even when the figures look bad: the window is not over,
    // and a service is not held back (or let through) on a partial picture.
    if t.days_with_data < required_days {
        return Judgement::Unknown(format!("{}: only {figures}, {required_days} days required", s.slo));
    }
    if t.meets(s.objective) == Measured::Value(true) {
        Judgement::Met(format!("{}: {figures}, {budget}", s.slo))
    } else {
        Judgement::NotMet(format!("{}: {figures}, {budget}", s.slo))
    }
}

/// Met when every SLO met its objective with at least `required_days` days of data; not
/// met when any SLO with enough data missed it; unknown otherwise (no SLOs, or an SLO
/// short of data). The reason names every SLO that decided it, with its figures.
pub fn viability(standings: &[SloStanding], required_days: u32) -> Viability {
    if standings.is_empty() {
        return Viability::Unknown { reason: "no SLOs are defined for this service".into() };
    }
    let (mut met, mut not_met, mut unknown) = (vec![], vec![], vec![]);
    for s in standings {
        match judge(s, required_days) {
            Judgement::Met(r) => met.push(r),
            Judgement::NotMet(r) => not_met.push(r),
            Judgement::Unknown(r) => unknown.push(r),
        }
    }
    if !not_met.is_empty() {
        Viability::NotMet { reason: format!("SLOs not met: {}", not_met.join("; ")) }
    } else if !unknown.is_empty() {
        Viability::Unknown { reason: format!("not enough data to judge: {}", unknown.join("; ")) }
    } else {
        Viability::Met { evidence: format!("SLOs met: {}", met.join("; ")) }
    }
}

/// The verdict over a service's SLOs where the aspirational ones (named in `aspirational`)
/// are tracked but never judged: [`viability`] over the `binding` ones, its reason naming
/// those left out. With only aspirational SLOs there is nothing to judge: unknown.
pub fn service_viability(binding: &[SloStanding], aspirational: &[String], required_days: u32) -> Viability {
    if binding.is_empty() && !aspirational.is_empty() {
        return Viability::Unknown {
            reason: format!(
                "only aspirational SLOs are defined for this service ({}); they are reported but never decide the verdict",
                aspirational.join(", ")
            ),
        };
    }
    let verdict = viability(binding, required_days);
    if aspirational.is_empty() {
        return verdict;
    }
    let note = format!(" (aspirational, not judged: {})", aspirational.join(", "));
    match verdict {
        Viability::Met { evidence } => Viability::Met { evidence: evidence + &note },
        Viability::NotMet { reason } => Viability::NotMet { reason: reason + &note },
        Viability::Unknown { reason } => Viability::Unknown { reason: reason + &note },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::budget::BudgetUnit;

    fn standing(slo: &str, good: u64, total: u64, days: u32) -> SloStanding {
        SloStanding {
            slo: slo.into(),
            objective: Objective::parse("0.999").unwrap(),
            tally: Tally {
                unit: BudgetUnit::Events,
                good: good as f64,
                total,
                events: total,
                minutes_with_data: if total > 0 { u64::from(days) * 1440 } else { 0 },
                corrected_minutes: 0,
                days_with_data: days,
            },
        }
    }

    #[test]
    fn every_slo_met_over_enough_days_is_met() {
        // 999_500 / 1_000_000 = 99.95%; allowed 1000 bad, 500 spent: 50% left.
        let v = viability(&[standing("checkout-availability", 999_500, 1_000_000, 28)], 28);
        assert_eq!(
            v,
            Viability::Met {
                evidence: "SLOs met: checkout-availability: 99.95% against an objective of 99.9% over 28 days with data, 50% of the error budget left".into()
            }
        );
    }

    #[test]
    fn one_slo_missed_is_not_met_and_named() {
        // 998_000 / 1_000_000 = 99.8%; 2000 bad of 1000 allowed: remaining 1 − 2 = −1.
        let v = viability(
            &[
                standing("checkout-availability", 999_500, 1_000_000, 28),
                standing("checkout-latency", 998_000, 1_000_000, 28),
            ],
            28,
        );
        let Viability::NotMet { reason } = v else { panic!("{v:?}") };
        assert_eq!(
            reason,
            "SLOs not met: checkout-latency: 99.8% against an objective of 99.9% over 28 days with data, error budget overspent by 100%"
        );
    }

    #[test]
    fn exactly_the_objective_is_met() {
        // 999 / 1000 = 99.9%, all of the budget spent: 0% left.
        let v = viability(&[standing("api", 999, 1000, 28)], 28);
        assert!(matches!(&v, Viability::Met { evidence } if evidence.contains("0% of the error budget left")), "{v:?}");
    }

    #[test]
    fn an_aspirational_slo_never_decides_the_verdict() {
        let met = standing("checkout-availability", 999_500, 1_000_000, 28);
        let v = service_viability(&[met], &["checkout-latency".into()], 28);
        let Viability::Met { evidence } = v else { panic!("{v:?}") };
        assert!(evidence.ends_with("(aspirational, not judged: checkout-latency)"), "{evidence}");
        let v = service_viability(&[], &["checkout-latency".into()], 28);
        assert!(matches!(&v, Viability::Unknown { reason } if reason.starts_with("only aspirational SLOs")), "{v:?}");
        let missed = standing("checkout-availability", 990_000, 1_000_000, 28);
        assert!(matches!(service_viability(&[missed], &[], 28), Viability::NotMet { .. }));
    }

    #[test]
    fn too_few_days_or_no_data_is_unknown() {
        let v = viability(&[standing("api", 999_500, 1_000_000, 12)], 28);
        let Viability::Unknown { reason } = v else { panic!("{v:?}") };
        assert_eq!(
            reason,
            "not enough data to judge: api: only 99.95% against an objective of 99.9% over 12 days with data, 28 days required"
        );
        let v = viability(&[standing("api", 0, 0, 0)], 28);
        assert_eq!(v, Viability::Unknown { reason: "not enough data to judge: api: no data in the window".into() });
        assert!(matches!(viability(&[], 28), Viability::Unknown { .. }));
        // A missed SLO with enough data outweighs another's missing data.
        let v = viability(&[standing("api", 0, 0, 0), standing("web", 900, 1000, 28)], 28);
        assert!(matches!(v, Viability::NotMet { reason } if reason.starts_with("SLOs not met: web: 90%")));
    }
}

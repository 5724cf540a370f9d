//! The soak test judged by the service's own SLOs: over the soak's window, the same
//! verdict as the transition period's ([`service_viability`]), plus the minutes that
//! failed each SLO it missed, so "not met" can be acted on.
//!
//! Three outcomes, never "passed" on someone's word: met, not met (naming the SLO and its
//! failed minutes) or no data (nothing, or too little, to judge by: never a pass).

use super::bucket::Series;
use super::budget::{BudgetingMethod, Tally};
use super::correction::{is_corrected, Correction};
use super::measured::Measured;
use super::objective::Objective;
use super::ratio::SCALE;
use super::viability::{service_viability, SloStanding};
use super::window::Window;
use crate::Viability;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The most failed stretches kept per SLO: the count of failed minutes is always whole.
pub const MAX_FAILED_SPANS: usize = 20;

/// Consecutive minutes that each failed the SLO: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedSpan {
    pub start: Timestamp,
    pub end: Timestamp,
    pub minutes: u64,
}

/// An SLO the soak did not meet: its figures and the minutes that failed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloFailure {
    pub slo: String,
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 0.999))]
    pub objective: Objective,
    pub attainment: Measured<f64>,
    /// Every minute of the window that failed on its own (see [`failed_minute`]).
    pub failed_minutes: u64,
    /// The first [`MAX_FAILED_SPANS`] stretches of failed minutes, oldest first.
    pub spans: Vec<FailedSpan>,
}

/// One SLO over the soak window: its standing, as the viability verdict reads it, and
/// its failed minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct SoakStanding {
    pub standing: SloStanding,
    pub failed_minutes: u64,
    pub spans: Vec<FailedSpan>,
}

/// What the SLOs say about a soak test's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum SoakVerdict {
    /// Every binding SLO met its objective with data on every day of the window.
    Met { evidence: String },
    /// An SLO with enough data missed its objective: named in `failed`, with its minutes.
    NotMet {
        reason: String,
        #[serde(default)]
        failed: Vec<SloFailure>,
    },
    /// Nothing to judge by: no SLOs, no data, or data missing on some day of the window.
    NoData { reason: String },
}

impl SoakVerdict {
    /// The verdict's own words: its evidence or its reason.
    pub fn text(&self) -> &str {
        match self {
            SoakVerdict::Met { evidence } => evidence,
            SoakVerdict::NotMet { reason, .. } | SoakVerdict::NoData { reason } => reason,
        }
    }
    pub fn is_met(&self) -> bool {
        matches!(self, SoakVerdict::Met { .. })
    }
}

/// A viability verdict read as a soak verdict, without failed minutes: for sources that
/// judge the SLOs without reading minutes (an SRE's attestation, a test double).
impl From<Viability> for SoakVerdict {
    fn from(v: Viability) -> Self {
        match v {
            Viability::Met { evidence } => SoakVerdict::Met { evidence },
            Viability::NotMet { reason } => SoakVerdict::NotMet { reason, failed: vec![] },
            Viability::Unknown { reason } => SoakVerdict::NoData { reason },
        }
    }
}

/// Whether one minute failed the SLO on its own: for `Timeslices`, a slice below the
/// threshold; otherwise a minute whose own good ratio is below the objective (a minute
/// with one slow request in ten thousand does not fail a 99.9% SLO). Minutes without
/// events never fail: no data is not an outage, nor a success.
pub fn failed_minute(method: BudgetingMethod, objective: Objective, good: u64, total: u64) -> bool {
    if total == 0 {
        return false;
    }
    match method {
        BudgetingMethod::Timeslices { threshold } => !threshold.is_met_by(good, total),
        // bad / total > 1 − objective, in integers.
        BudgetingMethod::Occurrences | BudgetingMethod::RatioTimeslices => {
            u128::from(total - good) * u128::from(SCALE) > u128::from(objective.budget_ppb()) * u128::from(total)
        }
    }
}

/// The minutes of `window` that failed (corrected minutes left out, as everywhere): how
/// many, and the first [`MAX_FAILED_SPANS`] stretches of consecutive ones.
pub fn failed_spans(
    method: BudgetingMethod,
    objective: Objective,
    series: Series<'_>,
    window: Window,
    corrections: &[Correction],
) -> (u64, Vec<FailedSpan>) {
    let minute = SignedDuration::from_mins(1);
    let mut count = 0;
    let mut spans: Vec<FailedSpan> = Vec::new();
    let mut open: Option<FailedSpan> = None;
    for b in series.within(window) {
        let failed = !is_corrected(corrections, b.minute()) && failed_minute(method, objective, b.good(), b.total());
        if !failed {
            continue;
        }
        count += 1;
        let end = b.minute().checked_add(minute).unwrap_or(b.minute());
        match &mut open {
            Some(s) if s.end == b.minute() => {
                s.end = end;
                s.minutes += 1;
            }
            _ => {
                if let Some(done) = open.take() {
                    spans.push(done);
                }
                open = Some(FailedSpan { start: b.minute(), end, minutes: 1 });
            }
        }
    }
    spans.extend(open);
    spans.truncate(MAX_FAILED_SPANS);
    (count, spans)
}

fn failed(t: &Tally, objective: Objective, required_days: u32) -> bool {
    t.days_with_data >= required_days && t.meets(objective) == Measured::Value(false)
}

fn stretches(spans: &[FailedSpan], total: u64) -> String {
    let shown: Vec<String> = spans
        .iter()
        .take(3)
        .map(|s| format!("{} to {}", s.start.strftime("%Y-%m-%d %H:%M"), s.end.strftime("%H:%M UTC")))
        .collect();
    let more = if spans.len() > 3 { ", …" } else { "" };
    let unit = if total == 1 { "minute" } else { "minutes" };
    format!("{total} failed {unit} ({}{more})", shown.join(", "))
}

/// The soak's verdict: [`service_viability`] over the window's standings (met, not met,
/// or unknown read as no data), with every SLO that failed named with its minutes.
pub fn soak_verdict(standings: &[SoakStanding], aspirational: &[String], required_days: u32) -> SoakVerdict {
    let plain: Vec<SloStanding> = standings.iter().map(|s| s.standing.clone()).collect();
    match service_viability(&plain, aspirational, required_days) {
        Viability::Met { evidence } => SoakVerdict::Met { evidence },
        Viability::Unknown { reason } => SoakVerdict::NoData { reason },
        Viability::NotMet { reason } => {
            let failures: Vec<SloFailure> = standings
                .iter()
                .filter(|s| failed(&s.standing.tally, s.standing.objective, required_days))
                .map(|s| SloFailure {
                    slo: s.standing.slo.clone(),
                    objective: s.standing.objective,
                    attainment: s.standing.tally.attainment(),
                    failed_minutes: s.failed_minutes,
                    spans: s.spans.clone(),
                })
                .collect();
            let minutes: Vec<String> = failures
                .iter()
                .filter(|f| f.failed_minutes > 0)
                .map(|f| format!("{}: {}", f.slo, stretches(&f.spans, f.failed_minutes)))
                .collect();
            let reason = if minutes.is_empty() {
                reason
            } else {
                format!("{reason}; minutes that failed: {}", minutes.join("; "))
            };
            SoakVerdict::NotMet { reason, failed: failures }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::budget::{tally, SliceThreshold};
    use crate::slo::Bucket;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn o(s: &str) -> Objective {
        Objective::parse(s).unwrap()
    }

    /// A week of minutes from Monday 2 March 2026, 1,000 requests each, with `bad` bad ones
    /// in the minutes `incident` covers.
    fn week(incident: std::ops::Range<i64>, bad: u64) -> (Vec<Bucket>, Window) {
        let start = ts("2026-03-02T00:00:00Z");
        let buckets = (0..7 * 1440)
            .map(|m| {
                let b = if incident.contains(&m) { bad } else { 0 };
                Bucket::new(start + SignedDuration::from_mins(m), 1000 - b, 1000).unwrap()
            })
            .collect();
        (buckets, Window::new(start, start + SignedDuration::from_hours(7 * 24)).unwrap())
    }

    fn standing(slo: &str, method: BudgetingMethod, objective: Objective, b: &[Bucket], w: Window) -> SoakStanding {
        let series = Series::new(b).unwrap();
        let (failed_minutes, spans) = failed_spans(method, objective, series, w, &[]);
        let standing = SloStanding { slo: slo.into(), objective, tally: tally(method, series, w, &[]) };
        SoakStanding { standing, failed_minutes, spans }
    }

    #[test]
    fn a_week_with_a_known_incident_is_not_met_naming_the_slo_and_its_minutes() {
        // A 90-minute incident on Wednesday 10:00–11:30 with half the requests failing:
        // 45,000 bad of 10,080,000, 99.55% against 99.9%.
        let (b, w) = week(2 * 1440 + 600..2 * 1440 + 690, 500);
        let clean = week(0..0, 0).0;
        let standings = [
            standing("checkout-availability", BudgetingMethod::Occurrences, o("0.999"), &clean, w),
            standing("checkout-latency", BudgetingMethod::Occurrences, o("0.999"), &b, w),
        ];
        let v = soak_verdict(&standings, &[], 7);
        let SoakVerdict::NotMet { reason, failed } = &v else { panic!("{v:?}") };
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].slo, "checkout-latency");
        assert_eq!(failed[0].failed_minutes, 90);
        assert_eq!(
            failed[0].spans,
            [FailedSpan { start: ts("2026-03-04T10:00:00Z"), end: ts("2026-03-04T11:30:00Z"), minutes: 90 }]
        );
        assert!(reason.starts_with("SLOs not met: checkout-latency: 99.5536%"), "{reason}");
        assert!(
            reason
                .ends_with("minutes that failed: checkout-latency: 90 failed minutes (2026-03-04 10:00 to 11:30 UTC)"),
            "{reason}"
        );
        assert!(!reason.contains("checkout-availability"), "{reason}");
    }

    #[test]
    fn a_clean_week_is_met_and_an_empty_one_is_no_data() {
        let (b, w) = week(0..0, 0);
        let v = soak_verdict(&[standing("api", BudgetingMethod::Occurrences, o("0.999"), &b, w)], &[], 7);
        assert!(
            matches!(&v, SoakVerdict::Met { evidence } if evidence.contains("100% against an objective of 99.9% over 7 days")),
            "{v:?}"
        );
        let v = soak_verdict(&[standing("api", BudgetingMethod::Occurrences, o("0.999"), &[], w)], &[], 7);
        assert_eq!(v, SoakVerdict::NoData { reason: "not enough data to judge: api: no data in the window".into() });
        // No SLOs at all: nothing proves the service.
        assert!(matches!(soak_verdict(&[], &[], 7), SoakVerdict::NoData { .. }));
    }

    #[test]
    fn a_minute_fails_on_its_own_figures() {
        let slices = BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.95").unwrap() };
        assert!(failed_minute(slices, o("0.99"), 94, 100));
        assert!(!failed_minute(slices, o("0.99"), 95, 100));
        // 999/1000 is exactly 99.9%: not a failure; 998/1000 is.
        assert!(!failed_minute(BudgetingMethod::Occurrences, o("0.999"), 999, 1000));
        assert!(failed_minute(BudgetingMethod::Occurrences, o("0.999"), 998, 1000));
        assert!(!failed_minute(BudgetingMethod::Occurrences, o("0.999"), 0, 0), "no data is not a failure");
    }

    #[test]
    fn spans_are_capped_but_the_count_is_whole() {
        // Every other minute fails for the first 100 minutes: 50 spans of one minute.
        let start = ts("2026-03-02T00:00:00Z");
        let b: Vec<Bucket> = (0..100)
            .map(|m| Bucket::new(start + SignedDuration::from_mins(m), if m % 2 == 0 { 0 } else { 10 }, 10).unwrap())
            .collect();
        let w = Window::new(start, start + SignedDuration::from_mins(100)).unwrap();
        let (n, spans) = failed_spans(BudgetingMethod::Occurrences, o("0.99"), Series::new(&b).unwrap(), w, &[]);
        assert_eq!((n, spans.len()), (50, MAX_FAILED_SPANS));
    }
}

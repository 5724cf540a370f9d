//! The three verdicts that ask "how much data is there" never contradict each other for
//! the same SLO and instant: a gate's `slis_demonstrated`, the viability verdict over a
//! window of the same length, and the report over the SLO's own (calendar) window. Each
//! is computed by the very functions the app uses (`data_days_of`, `verdict_window` with
//! `service_viability`, the report's `evaluate`), over calendar weeks, months and
//! quarters in several time zones, across DST changes and every day of the month.

use super::*;
use baton_core::gate::{evaluate as evaluate_gate, AppliesTo, Gate, GateInputs, Requirement, SupportFacts};
use baton_core::org::{Org, ServiceDef, ServiceLinks};
use baton_core::pipeline::Stage;
use baton_core::slo::{calendar_bounds, CalendarUnit};
use baton_core::{GateId, TeamId};
use jiff::tz::TimeZone;
use jiff::SignedDuration;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// What a gate asks for, and the transition window of the same length.
const DAYS: u32 = 28;

fn slo(unit: CalendarUnit, zone: &str) -> SloDef {
    SloDef {
        id: SloId::parse("streamhub-connect-availability").unwrap(),
        service: ServiceId::parse("streamhub-connect").unwrap(),
        display_name: None,
        description: None,
        objective: Objective::parse("0.99").unwrap(),
        window: SloWindow::Calendar { unit, time_zone: TimeZone::get(zone).unwrap() },
        method: BudgetingMethod::Occurrences,
        indicator: Indicator::BuiltIn,
        tiers: baton_core::slo::default_tier_specs().to_vec(),
        min_events: 10,
        lifecycle: Default::default(),
        alerting: Default::default(),
    }
}

fn service() -> ServiceDef {
    ServiceDef {
        id: ServiceId::parse("streamhub-connect").unwrap(),
        name: "StreamHub Connect".into(),
        description: None,
        owner_team: TeamId::parse("streamhub-dev").unwrap(),
        links: ServiceLinks::default(),
        internal_only: false,
        transition_window: None,
        personas: Default::default(),
        system: None,
        lifecycle: None,
    }
}

/// A bucket every 5 minutes over the `days` days before `end`, except on the `gaps`
/// (days counted back from `end`, 0 the most recent); one minute in 50 fails outright.
fn traffic(end: Timestamp, days: u32, gaps: &[u32]) -> Vec<Bucket> {
    let mut out = Vec::new();
    for m in (1..=i64::from(days) * 1440).rev().filter(|m| m % 5 == 0) {
        let day_back = ((m - 1) / 1440) as u32;
        if gaps.contains(&day_back) {
            continue;
        }
        let minute = end.checked_sub(SignedDuration::from_mins(m)).unwrap();
        let good = if m % 250 == 0 { 0 } else { 100 };
        out.push(Bucket::new(minute, good, 100).unwrap());
    }
    out
}

struct Verdicts {
    gate_passes: bool,
    gate_reason: String,
    gate_days: u32,
    viability: Viability,
    viability_days: u32,
    report: SloReport,
}

fn judge_all(slo: &SloDef, at: Timestamp, buckets: &[Bucket]) -> Verdicts {
    let series = Series::new(buckets).unwrap();
    let end = start_of_minute(at);

    // The gate, as `gate_facts` counts and `core::gate` judges.
    let days: Vec<Tally> = trailing_days(end, DAYS).into_iter().map(|w| tally(slo.method, series, w, &[])).collect();
    let data_days = data_days_of(end, DAYS, &days);
    let sli_days: BTreeMap<SloId, DataDays> = [(slo.id.clone(), data_days.clone())].into();
    let org = Org::default();
    let def = service();
    let gate = Gate {
        id: GateId::parse("customer-release").unwrap(),
        name: "Release".into(),
        description: None,
        applies_to: AppliesTo::All,
        requirement: Requirement::AllOf(vec![Requirement::SlisDemonstrated { min_days: DAYS }]),
    };
    let support = SupportFacts::default();
    let inputs = GateInputs {
        org: &org,
        service: &def,
        stage: Stage::Transition,
        version: None,
        approvals: &[],
        checks: &[],
        waivers: &[],
        slo_viability: None,
        soak: None,
        sli_days: &sli_days,
        support: &support,
        capacity: None,
        now: at,
    };
    let verdict = evaluate_gate(&gate, &inputs);

    // The viability verdict over the trailing 28 days, as `SloViability` judges it.
    let from = at.checked_sub(SignedDuration::from_hours(24 * i64::from(DAYS))).unwrap();
    let (window, required) = verdict_window(from, at).unwrap();
    let t = tally(slo.method, series, window, &[]);
    let standing = SloStanding { slo: slo.id.to_string(), objective: slo.objective, tally: t };
    let viability = service_viability(&[standing], &[], required);

    // The report over the SLO's own window, as `report_with` computes it.
    let elapsed = slo.window.elapsed(at).unwrap();
    let tiers = slo.alert_tiers().unwrap();
    let data = DataStatus::Ok { buckets: buckets.len() };
    let report = evaluate(slo.clone(), at, elapsed, &tiers, &Sli::Minutes(series), data, &[], None, Detail::Full);

    Verdicts {
        gate_passes: verdict.passes,
        gate_reason: verdict.requirements[0].reason.clone(),
        gate_days: data_days.within(DAYS),
        viability,
        viability_days: t.days_with_data,
        report,
    }
}

fn check(slo: &SloDef, at: Timestamp, buckets: &[Bucket], flowing_all_28: bool) -> Result<(), TestCaseError> {
    let v = judge_all(slo, at, buckets);
    let r = &v.report;
    // The gate and the viability count the same days over the same span.
    prop_assert_eq!(v.gate_days, v.viability_days, "gate: {}; viability: {:?}", v.gate_reason, v.viability);
    let decided = !matches!(v.viability, Viability::Unknown { .. });
    prop_assert_eq!(v.gate_passes, decided, "gate: {}; viability: {:?}", v.gate_reason, v.viability);
    if flowing_all_28 {
        // The case: data on each of the last 28 days holds on every day of a
        // calendar month (and week, and quarter), the 1st included.
        prop_assert!(v.gate_passes, "{}", v.gate_reason);
    }
    // The report says how much of its own window had data, and no data is never ok.
    prop_assert_eq!(r.coverage.minutes_with_data, r.tally.minutes_with_data);
    prop_assert!(r.coverage.minutes_with_data <= r.coverage.window_minutes);
    prop_assert_eq!(r.coverage.window_minutes as i64, r.window.duration().as_secs() / 60);
    prop_assert_eq!(matches!(r.data, DataStatus::Ok { .. }), r.coverage.has_data());
    prop_assert_eq!(r.attainment.is_no_data(), !r.coverage.has_data());
    if !r.coverage.has_data() {
        prop_assert!(r.budget.is_no_data() && r.met.is_no_data());
    }
    // A day the gate counts that lies in the report's window shows in the report too.
    let series = Series::new(buckets).unwrap();
    let inside: u64 = trailing_days(start_of_minute(at), DAYS)
        .into_iter()
        .filter(|d| d.start() >= r.window.start() && d.end() <= r.window.end())
        .map(|d| tally(slo.method, series, d, &[]).minutes_with_data)
        .sum();
    prop_assert!(inside <= r.coverage.minutes_with_data, "{inside} > {}", r.coverage);
    // And no forecast reaches past the calendar window's end.
    let window_end = slo.window.bounds(at).unwrap().end();
    if let Exhaustion::At { at: when, .. } = r.exhaustion {
        prop_assert!(when < window_end, "runs out {when}, after the window ends {window_end}");
    }
    Ok(())
}

fn units() -> impl Strategy<Value = CalendarUnit> {
    prop_oneof![Just(CalendarUnit::Week), Just(CalendarUnit::Month), Just(CalendarUnit::Quarter)]
}

fn zones() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["Europe/Dublin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"])
}

/// Instants from late February to late May, or late September to late December 2026:
/// month and quarter starts, and the spring and autumn DST changes of every zone above.
fn instants() -> impl Strategy<Value = Timestamp> {
    let base = prop::sample::select(vec!["2026-02-20T00:00:00Z", "2026-09-20T00:00:00Z"]);
    (base, 0i64..95 * 24 * 60).prop_map(|(b, m)| b.parse::<Timestamp>().unwrap() + SignedDuration::from_mins(m))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn gate_viability_and_report_never_contradict(
        unit in units(),
        zone in zones(),
        at in instants(),
        days in 0u32..40,
        gaps in prop::collection::vec(0u32..40, 0..3),
    ) {
        let slo = slo(unit, zone);
        let buckets = traffic(start_of_minute(at), days, &gaps);
        let flowing = days >= DAYS && !gaps.iter().any(|g| *g < DAYS);
        check(&slo, at, &buckets, flowing)?;
    }
}

/// Every day of a month, the 1st included, with data flowing for 40 days: the gate's 28
/// days hold throughout; a calendar month's report has data from its first minute on.
#[test]
fn a_monthly_slo_with_data_flowing_passes_its_gate_every_day_of_the_month() {
    for zone in ["Europe/Dublin", "America/New_York"] {
        let slo = slo(CalendarUnit::Month, zone);
        // March 2026: both zones change to summer time during it.
        let first = calendar_bounds(
            CalendarUnit::Month,
            &TimeZone::get(zone).unwrap(),
            "2026-03-15T12:00:00Z".parse().unwrap(),
        )
        .unwrap()
        .start();
        for day in 0..31 {
            // 10 minutes into each local day, and at its last minute.
            for offset in [10, 1439] {
                let at = first + SignedDuration::from_mins(day * 1440 + offset);
                let buckets = traffic(start_of_minute(at), 40, &[]);
                check(&slo, at, &buckets, true).unwrap_or_else(|e| panic!("{zone}, {at}: {e}"));
            }
        }
    }
}

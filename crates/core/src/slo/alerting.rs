//! Whether an SLO pages: its alert tiers' verdicts turned into the same alert events
//! any other source sends (`paging::Incoming`), so a burning SLO opens, repeats and
//! resolves an alert through the one alert life, routing and escalation.
//!
//! - One alert per SLO and severity, as Sloth does: when any `page` tier fires, a critical
//!   alert (dedup key `slo/<slo>/page`), naming the fastest tier that fires with both its
//!   windows' burn rates; when any `ticket` tier fires, a warning (`slo/<slo>/ticket`). So
//!   a burning SLO wakes someone once, not once per tier, and while it keeps
//!   firing it is repeated every 10 minutes with the latest figures (`repeat_due`).
//! - While a page fires, no ticket is raised for the same SLO (it would tell the same
//!   people the same thing); when every tier of a severity is quiet, its open alert
//!   resolves.
//! - A tier that cannot be judged (no data, too few events) or is muted by a correction
//!   neither triggers nor resolves: missing data is not good news.
//! - Aspirational SLOs never page; an open alert of one (it became aspirational) resolves,
//!   and so does one of a severity the SLO no longer has tiers of.
//! - A tier whose policy says `alertWhenNoData` raises the SLO's no-data alert
//!   (`slo/<slo>/no-data`) when its SLI is silent for the tier's whole long window, and
//!   resolves it when data returns.
//! - An SLO whose alerts are left to the generated rules (`RaisedBy::Rules`) is left
//!   alone: Alertmanager raises and resolves its alerts, under the same keys.

use super::alert_policy::RaisedBy;
use super::burn::{rate, Exhaustion};
use super::definition::SloDef;
use super::tier::{Severity as TierSeverity, TierState, TierVerdict};
use crate::paging::{Action, Incoming, Severity};
use crate::Link;
use std::collections::BTreeSet;

/// The alert every tier of the generated Prometheus rules raises (`baton slo rules`);
/// Alertmanager's webhook brings it back keyed as the engine keys its own.
pub const BURN_ALERT: &str = "BatonErrorBudgetBurn";

/// What the alert source is called in the alert (`source`).
pub const SLO_ALERT_SOURCE: &str = "baton slo engine";

/// The dedup key of `slo`'s alert of `severity` (`slo/streamhub-availability/page`).
pub fn slo_alert_key(slo: &str, severity: TierSeverity) -> String {
    format!("slo/{slo}/{severity}")
}

/// What the events say beyond the verdicts: the budget left (a share, negative when
/// overspent) and when it runs out, and where the SLO is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct SloFigures {
    pub budget_left: Option<f64>,
    pub exhaustion: Exhaustion,
    pub page: Option<Link>,
}

/// The dedup key of `slo`'s no-data alert (`slo/streamhub-availability/no-data`).
pub fn slo_no_data_key(slo: &str) -> String {
    format!("slo/{slo}/no-data")
}

/// The events that bring `slo`'s alerts in line with its tiers' `verdicts`, given the
/// dedup keys of its alerts open now (`open`). An SLO whose alerts are left to the
/// generated rules gets none: Alertmanager raises and resolves them under the same keys.
pub fn slo_alert_events(
    slo: &SloDef,
    verdicts: &[TierVerdict],
    figures: &SloFigures,
    open: &BTreeSet<String>,
) -> Vec<Incoming> {
    if slo.alerting.raised_by == RaisedBy::Rules {
        return Vec::new();
    }
    let mut events = Vec::new();
    let mut kept = BTreeSet::new();
    let mut paging = false;
    for severity in [TierSeverity::Page, TierSeverity::Ticket] {
        let tiers: Vec<&TierVerdict> = verdicts.iter().filter(|v| v.tier.severity == severity).collect();
        let key = slo_alert_key(slo.id.as_str(), severity);
        if slo.is_aspirational() || tiers.is_empty() {
            continue;
        }
        // Tiers are written fastest first; the first that fires says the most.
        if let Some(firing) = tiers.iter().find(|v| v.fires()) {
            // While the SLO pages, its ticket would tell the same people the same thing
            // (Alertmanager users write an inhibit rule for it): an open one stays as it is.
            if !paging {
                events.push(trigger(slo, firing, figures, key.clone()));
            }
            paging |= severity == TierSeverity::Page;
            kept.insert(key);
        } else if !tiers.iter().all(|v| v.state == TierState::Quiet) {
            kept.insert(key);
        }
    }
    if let Some(event) = no_data(slo, verdicts) {
        kept.insert(event.dedup_key.clone());
        events.push(event);
    }
    for key in open.iter().filter(|k| !kept.contains(*k)) {
        let why = why_resolved(slo, verdicts, key);
        events.push(Incoming {
            dedup_key: key.clone(),
            action: Action::Resolve,
            summary: format!("{}: {why}", title(slo)),
            severity: Severity::Info,
            source: Some(SLO_ALERT_SOURCE.into()),
            details: serde_json::json!({ "slo": slo.id.as_str(), "why": why }),
            runbook_url: None,
            group_key: Some(format!("slo/{}", slo.id)),
        });
    }
    events
}

/// How often an SLO alert that keeps firing is repeated, carrying the latest figures: a
/// repeat notifies nobody (it refreshes the alert's text), so every minute would be a
/// write per burning SLO per minute for little news. Decided: every 10 minutes.
pub const REPEAT_EVERY_MINUTES: i64 = 10;

/// Whether `events` would only repeat alerts already open (nothing opens or resolves).
pub fn only_repeats(events: &[Incoming], open: &BTreeSet<String>) -> bool {
    events.iter().all(|e| e.action == Action::Trigger && open.contains(&e.dedup_key))
}

/// Whether the minute of `now` is `slo`'s turn to repeat its open alerts: one minute in
/// [`REPEAT_EVERY_MINUTES`], spread by SLO so that burning SLOs do not all repeat at once.
pub fn repeat_due(slo: &str, now: jiff::Timestamp) -> bool {
    now.as_second().div_euclid(60).rem_euclid(REPEAT_EVERY_MINUTES) == turn_of(slo, REPEAT_EVERY_MINUTES)
}

/// A stable turn in `0..every` for SLO `slo`: spreads what every SLO does periodically
/// (repeats here, the engine's re-counts) over the period instead of all at once.
pub fn turn_of(slo: &str, every: i64) -> i64 {
    slo.bytes().fold(0i64, |h, b| (h * 31 + i64::from(b)) % every)
}

/// OpenSLO's `alertWhenNoData`: the tiers that ask for it and whose SLI had no events over
/// their whole long window raise one alert, as severe as the most severe of them. It
/// resolves once every such tier has data again (a tier whose data only thinned below
/// the minimum of events is not silent).
fn no_data(slo: &SloDef, verdicts: &[TierVerdict]) -> Option<Incoming> {
    if slo.is_aspirational() {
        return None;
    }
    let silent: Vec<&TierVerdict> = verdicts
        .iter()
        .filter(|v| {
            v.tier.alert_when_no_data && matches!(v.state, TierState::NoData { window } if window == v.tier.long_window)
        })
        .collect();
    let loudest = silent.iter().find(|v| v.tier.severity == TierSeverity::Page).or(silent.first())?;
    let t = &loudest.tier;
    Some(Incoming {
        dedup_key: slo_no_data_key(slo.id.as_str()),
        action: Action::Trigger,
        summary: format!(
            "{} has no data: its SLI had no events in the last {}, so its {} tier cannot be judged (its alert policy asks to alert when there is no data)",
            title(slo),
            t.long_window,
            t.name()
        ),
        severity: alert_severity(t.severity),
        source: Some(SLO_ALERT_SOURCE.into()),
        details: serde_json::json!({
            "slo": slo.id.as_str(),
            "tier": t.name(),
            "no_data_for": t.long_window.to_string(),
        }),
        runbook_url: None,
        group_key: Some(format!("slo/{}", slo.id)),
    })
}

/// Why the open alert under `key` resolves now.
fn why_resolved(slo: &SloDef, verdicts: &[TierVerdict], key: &str) -> &'static str {
    if slo.is_aspirational() {
        return "the SLO is aspirational: it never pages";
    }
    if key == slo_no_data_key(slo.id.as_str()) {
        return if verdicts.iter().any(|v| v.tier.alert_when_no_data) {
            "its SLI has data again"
        } else {
            "the SLO no longer asks to alert when there is no data"
        };
    }
    let has_tiers = [TierSeverity::Page, TierSeverity::Ticket]
        .iter()
        .any(|s| slo_alert_key(slo.id.as_str(), *s) == key && verdicts.iter().any(|v| v.tier.severity == *s));
    if has_tiers {
        "its tiers stopped burning"
    } else {
        "the SLO no longer has tiers of this severity"
    }
}

/// A page tier's alert is critical, a ticket tier's a warning.
fn alert_severity(tier: TierSeverity) -> Severity {
    match tier {
        TierSeverity::Page => Severity::Critical,
        TierSeverity::Ticket => Severity::Warning,
    }
}

fn title(slo: &SloDef) -> String {
    match &slo.display_name {
        Some(name) => format!("SLO {} ({name})", slo.id),
        None => format!("SLO {}", slo.id),
    }
}

fn trigger(slo: &SloDef, v: &TierVerdict, figures: &SloFigures, dedup_key: String) -> Incoming {
    let t = &v.tier;
    let burn = |b: &super::burn::WindowBurn| b.rate.map(rate).value().unwrap_or_else(|| "no data".into());
    let left = figures.budget_left.map_or_else(|| "unknown".into(), |l| format!("{:.1}%", l * 100.0));
    let runs_out = match &figures.exhaustion {
        Exhaustion::At { at, .. } => format!("runs out {}", at.strftime("%Y-%m-%d %H:%M UTC")),
        Exhaustion::OutlastsWindow { window_end, .. } => {
            format!("lasts until the window ends {}", window_end.strftime("%Y-%m-%d %H:%M UTC"))
        }
        Exhaustion::AlreadyExhausted => "already spent".into(),
        Exhaustion::NotBurning { .. } | Exhaustion::NoData { .. } => "no exhaustion forecast".into(),
    };
    let summary = format!(
        "{} burns its error budget: {} fires ({} over {}, {} over {}; threshold {}); budget left {left}, {runs_out}",
        title(slo),
        t.name(),
        burn(&v.long),
        t.long_window,
        burn(&v.short),
        t.short_window,
        rate(t.threshold),
    );
    Incoming {
        dedup_key,
        action: Action::Trigger,
        summary,
        severity: alert_severity(t.severity),
        source: Some(SLO_ALERT_SOURCE.into()),
        details: serde_json::json!({
            "slo": slo.id.as_str(),
            "tier": t.name(),
            "burn_rate_long": v.long.rate.value(),
            "burn_rate_short": v.short.rate.value(),
            "threshold": t.threshold,
            "budget_left": figures.budget_left,
            "exhaustion": runs_out,
        }),
        // The SLO's page is its runbook's first stop: the figures and the burn-down.
        runbook_url: figures.page.clone(),
        group_key: Some(format!("slo/{}", slo.id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::burn::WindowBurn;
    use crate::slo::{alert_tiers, default_tier_specs, BudgetingMethod, Indicator, Measured, Objective, SloWindow};
    use crate::{Period, ServiceId, SloId};

    fn slo() -> SloDef {
        SloDef {
            id: SloId::parse("streamhub-availability").unwrap(),
            service: ServiceId::parse("streamhub").unwrap(),
            display_name: Some("Streamhub availability".into()),
            description: None,
            objective: Objective::parse("0.999").unwrap(),
            window: SloWindow::Rolling { length: Period::days(28) },
            method: BudgetingMethod::Occurrences,
            indicator: Indicator::BuiltIn,
            tiers: default_tier_specs().to_vec(),
            min_events: 0,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    /// The four default tiers, the first `firing` of them firing and the rest in `rest`.
    fn verdicts(firing: usize, rest: TierState) -> Vec<TierVerdict> {
        let burn = |r: f64| WindowBurn { rate: Measured::Value(r), events: 10_000 };
        alert_tiers(&default_tier_specs(), Period::days(28))
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, tier)| TierVerdict {
                tier,
                long: burn(29.9),
                short: burn(31.0),
                state: if i < firing { TierState::Firing } else { rest.clone() },
            })
            .collect()
    }

    fn figures() -> SloFigures {
        SloFigures { budget_left: Some(0.42), exhaustion: Exhaustion::AlreadyExhausted, page: None }
    }

    #[test]
    fn a_firing_alert_is_repeated_once_in_ten_minutes_while_news_goes_out_at_once() {
        let firing = slo_alert_events(&slo(), &verdicts(1, TierState::Quiet), &figures(), &BTreeSet::new());
        assert!(!only_repeats(&firing, &BTreeSet::new()), "an alert that opens is news");
        let open: BTreeSet<String> = ["slo/streamhub-availability/page".to_owned()].into();
        let again = slo_alert_events(&slo(), &verdicts(1, TierState::Quiet), &figures(), &open);
        assert!(only_repeats(&again, &open));
        let quiet = slo_alert_events(&slo(), &verdicts(0, TierState::Quiet), &figures(), &open);
        assert!(!only_repeats(&quiet, &open), "a resolve is news");
        let minute = |m: i64| jiff::Timestamp::from_second(1_772_000_000 / 60 * 60 + m * 60).unwrap();
        let due: Vec<i64> = (0..40).filter(|&m| repeat_due("streamhub-availability", minute(m))).collect();
        assert_eq!(due.len(), 4, "{due:?}");
        assert!(due.windows(2).all(|p| p[1] - p[0] == REPEAT_EVERY_MINUTES), "{due:?}");
        let turns: BTreeSet<i64> = (0..50)
            .map(|i| (0..REPEAT_EVERY_MINUTES).find(|&m| repeat_due(&format!("slo-{i}"), minute(m))).unwrap())
            .collect();
        assert!(turns.len() > 3, "SLOs take different minutes: {turns:?}");
    }

    #[test]
    fn a_firing_page_tier_triggers_a_critical_alert_naming_the_slo_tier_and_figures() {
        let events = slo_alert_events(&slo(), &verdicts(1, TierState::Quiet), &figures(), &BTreeSet::new());
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(e.dedup_key, "slo/streamhub-availability/page");
        assert_eq!((e.action, e.severity), (Action::Trigger, Severity::Critical));
        assert!(e.summary.contains("SLO streamhub-availability (Streamhub availability)"), "{}", e.summary);
        assert!(e.summary.contains("29.9× over 1h") && e.summary.contains("31× over 5m"), "{}", e.summary);
        assert!(e.summary.contains("budget left 42.0%, already spent"), "{}", e.summary);
    }

    #[test]
    fn both_page_tiers_firing_are_one_alert_named_by_the_fastest() {
        let events = slo_alert_events(&slo(), &verdicts(2, TierState::Quiet), &figures(), &BTreeSet::new());
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].summary.contains("page 1h/5m fires"), "{}", events[0].summary);
        // Only the slower page tier: still the one page alert, naming that tier.
        let mut v = verdicts(0, TierState::Quiet);
        v[1].state = TierState::Firing;
        let events = slo_alert_events(&slo(), &v, &figures(), &BTreeSet::new());
        assert_eq!(events[0].dedup_key, "slo/streamhub-availability/page");
        assert!(events[0].summary.contains("page 6h/30m fires"), "{}", events[0].summary);
    }

    #[test]
    fn while_the_slo_pages_no_ticket_is_raised_and_an_open_one_stays() {
        let ticket: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Ticket)].into();
        let events = slo_alert_events(&slo(), &verdicts(4, TierState::Quiet), &figures(), &ticket);
        let keys: Vec<_> = events.iter().map(|e| (e.dedup_key.as_str(), e.action)).collect();
        assert_eq!(keys, [("slo/streamhub-availability/page", Action::Trigger)]);
    }

    #[test]
    fn a_ticket_tier_is_a_warning_and_quiet_tiers_resolve_their_open_alert() {
        let open: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Page)].into();
        // The page tiers quiet, the last ticket tier (3d) firing.
        let mut v = verdicts(0, TierState::Quiet);
        v[3].state = TierState::Firing;
        let events = slo_alert_events(&slo(), &v, &figures(), &open);
        let actions: Vec<_> = events.iter().map(|e| (e.dedup_key.as_str(), e.action, e.severity)).collect();
        assert_eq!(
            actions,
            [
                ("slo/streamhub-availability/ticket", Action::Trigger, Severity::Warning),
                ("slo/streamhub-availability/page", Action::Resolve, Severity::Info),
            ]
        );
        // One page tier quiet, the other without data: the page stays open.
        let mut v = verdicts(0, TierState::Quiet);
        v[1].state = TierState::NoData { window: Period::hours(6) };
        assert!(slo_alert_events(&slo(), &v, &figures(), &open).is_empty());
    }

    #[test]
    fn missing_data_and_corrections_neither_trigger_nor_resolve() {
        let open: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Page)].into();
        let until = "2026-12-06T10:00:00Z".parse().unwrap();
        for state in [
            TierState::NoData { window: Period::hours(1) },
            TierState::TooFewEvents { window: Period::hours(1), events: 3, minimum: 100 },
            TierState::Muted { reason: "maintenance".into(), until },
        ] {
            let events = slo_alert_events(&slo(), &verdicts(0, state.clone()), &figures(), &open);
            assert!(events.is_empty(), "{state:?}: {events:?}");
        }
    }

    #[test]
    fn an_aspirational_slo_never_pages_and_its_open_alerts_resolve() {
        let mut aspirational = slo();
        aspirational.lifecycle.aspirational = true;
        assert!(
            slo_alert_events(&aspirational, &verdicts(4, TierState::Quiet), &figures(), &BTreeSet::new()).is_empty()
        );
        let open: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Page)].into();
        let events = slo_alert_events(&aspirational, &verdicts(4, TierState::Quiet), &figures(), &open);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, Action::Resolve);
        assert!(events[0].summary.contains("aspirational"), "{}", events[0].summary);
    }

    #[test]
    fn an_open_alert_of_a_severity_the_slo_has_no_tiers_of_resolves() {
        let open: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Ticket)].into();
        let pages_only: Vec<_> = verdicts(0, TierState::Quiet).into_iter().take(2).collect();
        let events = slo_alert_events(&slo(), &pages_only, &figures(), &open);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, Action::Resolve);
        assert!(events[0].summary.contains("no longer has tiers of this severity"), "{}", events[0].summary);
    }

    /// The default tiers with the first page tier (1h) and the last ticket tier (3d)
    /// asking to alert when there is no data.
    fn watching_for_silence() -> SloDef {
        let mut slo = slo();
        slo.tiers[0].alert_when_no_data = true;
        slo.tiers[3].alert_when_no_data = true;
        slo
    }

    fn verdicts_of(slo: &SloDef, states: [TierState; 4]) -> Vec<TierVerdict> {
        let burn = WindowBurn { rate: Measured::NoData, events: 0 };
        slo.alert_tiers()
            .unwrap()
            .into_iter()
            .zip(states)
            .map(|(tier, state)| TierVerdict { tier, long: burn, short: burn, state })
            .collect()
    }

    #[test]
    fn a_silent_sli_raises_the_no_data_alert_of_the_loudest_tier_asking_and_data_resolves_it() {
        let slo = watching_for_silence();
        let silent = |w: Period| TierState::NoData { window: w };
        // Silent for an hour: the 1h page tier asks, so the no-data alert is critical.
        let v =
            verdicts_of(&slo, [silent(Period::hours(1)), silent(Period::hours(6)), TierState::Quiet, TierState::Quiet]);
        let events = slo_alert_events(&slo, &v, &figures(), &BTreeSet::new());
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(
            (e.dedup_key.as_str(), e.action, e.severity),
            ("slo/streamhub-availability/no-data", Action::Trigger, Severity::Critical)
        );
        assert!(e.summary.contains("no events in the last 1h") && e.summary.contains("page 1h/5m"), "{}", e.summary);
        // Only the 5m short window silent: the tier's window had data, so no alert.
        let v = verdicts_of(&slo, [silent(Period::minutes(5)), TierState::Quiet, TierState::Quiet, TierState::Quiet]);
        assert!(slo_alert_events(&slo, &v, &figures(), &BTreeSet::new()).is_empty());
        // Data again: the open no-data alert resolves, saying so.
        let open: BTreeSet<String> = [slo_no_data_key("streamhub-availability")].into();
        let v = verdicts_of(&slo, [TierState::Quiet, TierState::Quiet, TierState::Quiet, TierState::Quiet]);
        let events = slo_alert_events(&slo, &v, &figures(), &open);
        assert_eq!((events.len(), events[0].action), (1, Action::Resolve));
        assert!(events[0].summary.contains("has data again"), "{}", events[0].summary);
    }

    #[test]
    fn silence_only_in_tiers_that_do_not_ask_raises_nothing_and_a_ticket_tier_asking_is_a_warning() {
        let silent = |w: Period| TierState::NoData { window: w };
        let states =
            [silent(Period::hours(1)), silent(Period::hours(6)), silent(Period::days(1)), silent(Period::days(3))];
        assert!(slo_alert_events(&slo(), &verdicts_of(&slo(), states.clone()), &figures(), &BTreeSet::new()).is_empty());
        let mut slo = slo();
        slo.tiers[3].alert_when_no_data = true;
        let events = slo_alert_events(&slo, &verdicts_of(&slo, states.clone()), &figures(), &BTreeSet::new());
        assert_eq!((events.len(), events[0].severity), (1, Severity::Warning), "{events:?}");
        slo.lifecycle.aspirational = true;
        assert!(slo_alert_events(&slo, &verdicts_of(&slo, states), &figures(), &BTreeSet::new()).is_empty());
    }

    #[test]
    fn an_slo_left_to_the_generated_rules_gets_no_events_from_the_engine() {
        let mut slo = slo();
        slo.alerting.raised_by = RaisedBy::Rules;
        let open: BTreeSet<String> = [slo_alert_key("streamhub-availability", TierSeverity::Page)].into();
        // Firing or quiet, the engine neither opens nor resolves: Alertmanager does.
        assert!(slo_alert_events(&slo, &verdicts(4, TierState::Quiet), &figures(), &BTreeSet::new()).is_empty());
        assert!(slo_alert_events(&slo, &verdicts(0, TierState::Quiet), &figures(), &open).is_empty());
    }
}

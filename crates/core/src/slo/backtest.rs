//! "Would it have paged?": the SLO alerting engine replayed minute by minute over a
//! stored history, so a team sees what an objective or a tier would have done before it
//! wakes anyone.
//!
//! The replay is the engine, not a model of it: at each minute `T` of the range the tiers
//! are judged by [`evaluate_tier`](super::evaluate_tier) over windows ending at `T` (from
//! [`Rolling`]'s running sums, which equal fresh tallies exactly), muted by the correction
//! in force at `T`, and turned into alert events by [`slo_alert_events`] given the alerts
//! the replay has open, exactly as `app`'s engine does each minute. A trigger of a key not
//! open opens an alert, a resolve closes it; everything else (repeats, a ticket held back
//! while the SLO pages, no data neither triggering nor resolving) is those functions' rule.
//!
//! What the replay adds, with its definitions:
//! - **When the burn began**: the first minute of the latest run of minutes burning above
//!   1× (faster than the budget allows) up to the minute before the alert opened; minutes
//!   without data (or corrected) neither extend nor break a run, a minute at or below 1×
//!   ends it. The detection delay is from that minute's start to the opening. `None` when
//!   no minute in the history burned above 1× (a tier can fire on an old slow burn whose
//!   minutes are all past the history read).
//! - **Budget spent**: each minute spends `burn rate × 1 minute / W` of the budget (W the
//!   SLO window's nominal length), the measure the tiers' shares are written in ("2% of
//!   the budget in 1h" is 14.4× for an hour of a 30-day window). Read per alert from the
//!   burn's start to the opening, so for the first page it is the budget gone before
//!   anyone was woken.
//! - **Tiers that can never fire**: a threshold at or above the fastest burn the objective
//!   allows (every event bad), or a `min-events` guard no window of the history met.
//! - **No data is not "no pages"**: the result counts the range's minutes with data, and
//!   a range without any says so ([`Backtest::summary`]).
//!
//! Decisions: evaluations are at each minute boundary after a minute of the range
//! completes (`from + 1m … to`), as the engine runs at each minute's start; an alert
//! firing at the first evaluation is marked `firing_at_start` (it may have opened before
//! the range). Corrections are taken as known now, so a correction declared after an
//! incident mutes it in the replay as it would today. Ranges are at most [`MAX_RANGE`].

use super::alerting::{slo_alert_events, SloFigures};
use super::bucket::{Bucket, Series};
use super::burn::Exhaustion;
use super::correction::Correction;
use super::definition::SloDef;
use super::rolling::{minute_sums, Rolling, RollingError, WindowSums};
use super::tier::{tier_warnings, AlertTier, Severity, TierError, TierSpec, TierState, TierVerdict};
use super::window::{minute_of, start_of_minute, Window};
use crate::paging::{Action, Incoming};
use crate::period::Period;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The longest range one backtest replays: a quarter holds a few 28-day windows to
/// compare, and reading more minutes (130,000 per SLO) than that is a batch job.
pub const MAX_RANGE: Period = Period::days(90);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacktestError {
    #[error("the backtest range ends at {to}, before it starts at {from}: give `from` before `to`")]
    Reversed { from: Timestamp, to: Timestamp },
    #[error("the backtest range from {from} to {to} is shorter than a minute: the engine judges whole minutes")]
    UnderAMinute { from: Timestamp, to: Timestamp },
    #[error(
        "the backtest range from {from} to {to} is longer than {MAX_RANGE}: backtest at most {MAX_RANGE} at a time"
    )]
    TooLong { from: Timestamp, to: Timestamp },
    #[error("SLO `{slo}`: {source}")]
    Tiers { slo: String, source: TierError },
    #[error("SLO `{slo}`: {source}")]
    Rolling { slo: String, source: RollingError },
}

impl BacktestError {
    /// The input the error is about: `from` or `to` for a bad range, `tiers` otherwise.
    pub fn field(&self) -> &'static str {
        match self {
            BacktestError::Reversed { .. } | BacktestError::UnderAMinute { .. } => "to",
            BacktestError::TooLong { .. } => "from",
            BacktestError::Tiers { .. } | BacktestError::Rolling { .. } => "tiers",
        }
    }
}

/// The range of minutes to replay, checked: whole minutes, `from < to`, at most
/// [`MAX_RANGE`]. Instants inside a minute are floored to it.
pub fn backtest_range(from: Timestamp, to: Timestamp) -> Result<Window, BacktestError> {
    let (start, end) = (start_of_minute(from), start_of_minute(to));
    if to < from {
        return Err(BacktestError::Reversed { from, to });
    }
    if end <= start {
        return Err(BacktestError::UnderAMinute { from, to });
    }
    if end.duration_since(start) > MAX_RANGE.duration() {
        return Err(BacktestError::TooLong { from, to });
    }
    Window::new(start, end).map_err(|_| BacktestError::Reversed { from, to })
}

/// The minutes a backtest of `slo` over `range` reads: the range and, before it, the
/// longest tier window, so the first evaluation sees full windows as the engine did.
pub fn backtest_history(slo: &SloDef, range: Window) -> Window {
    let longest = slo.tiers.iter().map(|t| t.long_window).max().unwrap_or(Period::minutes(0));
    let start = range.start().checked_sub(longest.duration()).unwrap_or(range.start());
    Window::new(start, range.end()).unwrap_or(range)
}

/// One alert the engine would have opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacktestAlert {
    pub severity: Severity,
    /// The dedup key, `slo/<slo>/page|ticket`.
    pub key: String,
    /// The tier that fired at the opening (the fastest of the severity that fired).
    pub tier: String,
    pub opened: Timestamp,
    /// `None`: still open at the end of the range.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Timestamp>,
    /// It fired at the range's first evaluation, so it may have opened before the range.
    pub firing_at_start: bool,
    /// The firing tier's long and short windows' burn rates and its threshold at the opening.
    pub burn_rate_long: f64,
    pub burn_rate_short: f64,
    pub threshold: f64,
    /// The first minute of the burn that led to the alert (see the module's definition).
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_began: Option<Timestamp>,
    /// Minutes from `burn_began` to `opened`: how long the burn went unannounced.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_minutes: Option<i64>,
    /// The share of the SLO window's error budget spent from `burn_began` to `opened`.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_spent: Option<f64>,
}

/// A tier that could not have fired, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeverFiring {
    pub tier: String,
    #[serde(flatten)]
    pub why: NeverFiringReason,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum NeverFiringReason {
    /// The threshold is at or above the fastest burn the objective allows.
    ThresholdUnreachable { threshold: f64, max_burn_rate: f64 },
    /// No window of the history had `minimum` events; the busiest had `most`.
    TooFewEvents { minimum: u64, most: u64 },
}

impl std::fmt::Display for NeverFiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.why {
            NeverFiringReason::ThresholdUnreachable { threshold, max_burn_rate } => write!(
                f,
                "{} can never fire: its threshold {} is not below {}, the burn rate of every event bad",
                self.tier,
                super::burn::rate(*threshold),
                super::burn::rate(*max_burn_rate)
            ),
            NeverFiringReason::TooFewEvents { minimum, most } => write!(
                f,
                "{} could not fire: its windows never held the minimum of {minimum} events (at most {most})",
                self.tier
            ),
        }
    }
}

/// What the alerting engine would have done for one SLO over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Backtest {
    pub slo: String,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Minutes in the range (each judged once, right after it completed).
    pub minutes: u64,
    /// Minutes of the range with events (and no correction): the evidence.
    pub minutes_with_data: u64,
    /// Aspirational SLOs never page: `alerts` is then empty whatever the burn.
    pub aspirational: bool,
    /// Every page and ticket, in the order they opened.
    pub alerts: Vec<BacktestAlert>,
    pub never_firing: Vec<NeverFiring>,
    /// The share of the budget the burn behind the first page spent before it opened.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_spent_before_first_page: Option<f64>,
    /// The share of the SLO window's budget the range's minutes spent.
    pub budget_spent: f64,
}

impl Backtest {
    pub fn pages(&self) -> impl Iterator<Item = &BacktestAlert> {
        self.alerts.iter().filter(|a| a.severity == Severity::Page)
    }
    pub fn tickets(&self) -> impl Iterator<Item = &BacktestAlert> {
        self.alerts.iter().filter(|a| a.severity == Severity::Ticket)
    }
    pub fn has_data(&self) -> bool {
        self.minutes_with_data > 0
    }

    /// One line for people: never "no pages" for a range without data.
    pub fn summary(&self) -> String {
        if !self.has_data() {
            return format!(
                "no data from {} to {}: cannot tell whether it would have paged",
                self.from.strftime("%Y-%m-%d %H:%M"),
                self.to.strftime("%Y-%m-%d %H:%M")
            );
        }
        let (pages, tickets) = (self.pages().count(), self.tickets().count());
        let of = format!("in {} minutes of data (of {})", self.minutes_with_data, self.minutes);
        let aspirational = if self.aspirational { " (aspirational: it never pages)" } else { "" };
        match (pages, tickets) {
            (0, 0) => format!("no pages and no tickets {of}{aspirational}"),
            _ => format!("{} and {} {of}", plural(pages, "page"), plural(tickets, "ticket")),
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Per minute of the history: how it burned, for "when the burn began".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MinuteBurn {
    NoData,
    AtMostBudget,
    Burning,
}

/// The tiers' verdicts reduced to what decides the events (each firing, quiet, or not
/// judged), two bits a tier; `None` past 32 tiers, which are then always turned into events.
fn signature(verdicts: &[TierVerdict]) -> Option<u64> {
    if verdicts.len() > 32 {
        return None;
    }
    Some(verdicts.iter().enumerate().fold(0, |sig, (i, v)| {
        let class = match v.state {
            TierState::Firing => 1,
            TierState::Quiet => 2,
            _ => 3,
        };
        sig | class << (2 * i)
    }))
}

/// Replays `slo`'s alerting over `range` (see [`backtest_range`]) from `series`, which
/// should hold its buckets over [`backtest_history`], with its `corrections`.
pub fn backtest(
    slo: &SloDef,
    series: Series<'_>,
    corrections: &[Correction],
    range: Window,
) -> Result<Backtest, BacktestError> {
    // Burn-rate alerts are what is replayed, whoever raises them live (the engine or the
    // generated rules, which fire alike): no-data alerts are left out (the history's gaps
    // show as minutes without data), and so is the choice of who raises them.
    let burn_only = SloDef {
        tiers: slo.tiers.iter().map(|t| TierSpec { alert_when_no_data: false, ..*t }).collect(),
        alerting: Default::default(),
        ..slo.clone()
    };
    let slo = &burn_only;
    let id = slo.id.as_str();
    let tiers: Vec<AlertTier> = slo.alert_tiers().map_err(|source| BacktestError::Tiers { slo: id.into(), source })?;
    let history = backtest_history(slo, range);
    let range_start = range.start().as_second().div_euclid(60);
    let range_end = range.end().as_second().div_euclid(60);
    let buckets = series.within(history);
    let per_minute =
        MinuteHistory::read(slo, buckets, corrections, history.start().as_second().div_euclid(60), range_end);
    let replay = replay(slo, &tiers, buckets, corrections, range, &per_minute)?;

    let minutes_with_data =
        per_minute.burn[per_minute.index(range.start())..].iter().filter(|m| **m != MinuteBurn::NoData).count() as u64;
    let never_firing = never_firing(slo, &tiers, &replay, minutes_with_data);
    let alerts = replay.alerts;
    let budget_spent_before_first_page =
        alerts.iter().find(|a| a.severity == Severity::Page).and_then(|a| a.budget_spent);
    Ok(Backtest {
        slo: id.into(),
        from: range.start(),
        to: range.end(),
        minutes: (range_end - range_start) as u64,
        minutes_with_data,
        aspirational: slo.is_aspirational(),
        alerts,
        never_firing,
        budget_spent_before_first_page,
        budget_spent: per_minute.spent[per_minute.burn.len()] - per_minute.spent[per_minute.index(range.start())],
    })
}

/// The start of minute `m` (counted in minutes since the epoch).
fn at_minute(m: i64) -> Timestamp {
    Timestamp::from_second(m * 60).expect("a minute of the range")
}

/// Per minute of the history: its burn class and the running sum of budget spent.
struct MinuteHistory {
    /// The history's first minute, in minutes since the epoch.
    first: i64,
    burn: Vec<MinuteBurn>,
    /// `spent[i]`: the budget the minutes before the `i`th spent; one longer than `burn`.
    spent: Vec<f64>,
}

impl MinuteHistory {
    /// Reads the minutes from `first` up to `end` (excluded) from `buckets`.
    fn read(slo: &SloDef, buckets: &[Bucket], corrections: &[Correction], first: i64, end: i64) -> Self {
        let window_minutes = (slo.window.nominal_length().as_seconds() / 60).max(1) as f64;
        let n = (end - first) as usize;
        let mut burn = vec![MinuteBurn::NoData; n];
        let mut spent = vec![0.0f64; n + 1];
        let mut b = 0;
        for i in 0..n {
            let m = first + i as i64;
            let mut sums = WindowSums::default();
            if b < buckets.len() && minute_of(buckets[b].minute()) == m {
                let bucket = buckets[b];
                sums = minute_sums(slo.method, corrections, bucket.minute(), bucket.good(), bucket.total());
                b += 1;
            }
            let rate = WindowSums::burn(sums, slo.method, slo.objective_at(at_minute(m))).rate.value();
            burn[i] = match rate {
                None => MinuteBurn::NoData,
                Some(r) if r > 1.0 => MinuteBurn::Burning,
                Some(_) => MinuteBurn::AtMostBudget,
            };
            spent[i + 1] = spent[i] + rate.unwrap_or(0.0) / window_minutes;
        }
        MinuteHistory { first, burn, spent }
    }

    /// The index of the minute `t` is in.
    fn index(&self, t: Timestamp) -> usize {
        (t.as_second().div_euclid(60) - self.first) as usize
    }
}

/// What the replay opened and saw: the alerts, and per tier whether it was ever judged
/// and the most events its windows held.
struct Replay {
    /// The open alerts' keys, and each one's index in `alerts`.
    open: BTreeMap<String, usize>,
    open_keys: BTreeSet<String>,
    alerts: Vec<BacktestAlert>,
    judged: Vec<bool>,
    most_events: Vec<u64>,
}

/// The engine run at each minute of `range`, its events opening and resolving alerts.
fn replay(
    slo: &SloDef,
    tiers: &[AlertTier],
    buckets: &[Bucket],
    corrections: &[Correction],
    range: Window,
    history: &MinuteHistory,
) -> Result<Replay, BacktestError> {
    let rolling_err = |source| BacktestError::Rolling { slo: slo.id.as_str().into(), source };
    let range_start = range.start().as_second().div_euclid(60);
    let range_end = range.end().as_second().div_euclid(60);
    let mut rolling =
        Rolling::new(slo.method, slo.objective_at(range.start()), tiers, slo.min_events).map_err(rolling_err)?;
    rolling.set_corrections(corrections.to_vec());
    let figures =
        SloFigures { budget_left: None, exhaustion: Exhaustion::NoData { over: Period::hours(6) }, page: None };
    let mut replay = Replay {
        open: BTreeMap::new(),
        open_keys: BTreeSet::new(),
        alerts: Vec::new(),
        judged: vec![false; tiers.len()],
        most_events: vec![0u64; tiers.len()],
    };
    // The events only change when a tier's class or the open alerts change: judged
    // minutes in between would repeat the same triggers, so they are not turned into events.
    let mut last: Option<u64> = None;
    let mut pushed = 0;
    // An SLO without tiers never alerts: nothing to replay (and no window to keep).
    let last_minute = if tiers.is_empty() { range_start } else { range_end };
    for t_min in range_start + 1..=last_minute {
        let t = at_minute(t_min);
        while pushed < buckets.len() && buckets[pushed].minute() < t {
            rolling.push(buckets[pushed]);
            pushed += 1;
        }
        rolling.set_objective(slo.objective_at(t));
        let verdicts = rolling.tiers(t).map_err(rolling_err)?;
        for (i, v) in verdicts.iter().enumerate() {
            replay.judged[i] |= matches!(v.state, TierState::Firing | TierState::Quiet);
            replay.most_events[i] = replay.most_events[i].max(v.long.events.min(v.short.events));
        }
        let classes = signature(&verdicts);
        if classes.is_some() && last == classes {
            continue;
        }
        let events = slo_alert_events(slo, &verdicts, &figures, &replay.open_keys);
        let changed = replay.apply(events, &verdicts, t, t_min == range_start + 1, history);
        // After a change the same classes may give other events (a resolved key), so the
        // next minute is judged again.
        last = if changed { None } else { classes };
    }
    Ok(replay)
}

impl Replay {
    /// Opens an alert for each trigger of a key not open and closes one for each resolve,
    /// at `t`; whether any alert opened or closed.
    fn apply(
        &mut self,
        events: Vec<Incoming>,
        verdicts: &[TierVerdict],
        t: Timestamp,
        firing_at_start: bool,
        history: &MinuteHistory,
    ) -> bool {
        let mut changed = false;
        for e in events {
            match e.action {
                Action::Trigger if !self.open.contains_key(&e.dedup_key) => {
                    let severity = if e.dedup_key.ends_with("/page") { Severity::Page } else { Severity::Ticket };
                    let v = verdicts
                        .iter()
                        .find(|v| v.tier.severity == severity && v.fires())
                        .expect("a trigger comes from a firing tier");
                    let began =
                        burn_began(&history.burn, history.index(t)).map(|i| at_minute(history.first + i as i64));
                    self.alerts.push(BacktestAlert {
                        severity,
                        key: e.dedup_key.clone(),
                        tier: v.tier.name(),
                        opened: t,
                        resolved: None,
                        firing_at_start,
                        burn_rate_long: v.long.rate.value().unwrap_or_default(),
                        burn_rate_short: v.short.rate.value().unwrap_or_default(),
                        threshold: v.tier.threshold,
                        burn_began: began,
                        detection_minutes: began.map(|b| t.duration_since(b).as_secs() / 60),
                        budget_spent: began.map(|b| history.spent[history.index(t)] - history.spent[history.index(b)]),
                    });
                    self.open.insert(e.dedup_key.clone(), self.alerts.len() - 1);
                    self.open_keys.insert(e.dedup_key);
                    changed = true;
                }
                Action::Resolve => {
                    if let Some(i) = self.open.remove(&e.dedup_key) {
                        self.alerts[i].resolved = Some(t);
                        self.open_keys.remove(&e.dedup_key);
                        changed = true;
                    }
                }
                _ => {}
            }
        }
        changed
    }
}

/// The tiers that can never fire: a threshold the objective cannot reach, or (with data
/// in the range) a `min-events` guard no window met.
fn never_firing(slo: &SloDef, tiers: &[AlertTier], replay: &Replay, minutes_with_data: u64) -> Vec<NeverFiring> {
    let objective = slo.objective;
    let mut never_firing: Vec<NeverFiring> = tier_warnings(tiers, objective)
        .into_iter()
        .map(|w| NeverFiring {
            tier: w.tier,
            why: NeverFiringReason::ThresholdUnreachable { threshold: w.threshold, max_burn_rate: w.max_burn_rate },
        })
        .collect();
    if slo.min_events > 0 && minutes_with_data > 0 {
        for (i, tier) in tiers.iter().enumerate() {
            let unreachable = never_firing.iter().any(|n| n.tier == tier.name());
            if !replay.judged[i] && !unreachable && replay.most_events[i] < slo.min_events {
                never_firing.push(NeverFiring {
                    tier: tier.name(),
                    why: NeverFiringReason::TooFewEvents { minimum: slo.min_events, most: replay.most_events[i] },
                });
            }
        }
    }
    never_firing
}

/// The index of the first minute of the latest burning run before minute `before`.
fn burn_began(burn: &[MinuteBurn], before: usize) -> Option<usize> {
    let latest = (0..before).rev().find(|&i| burn[i] == MinuteBurn::Burning)?;
    let mut began = latest;
    for i in (0..latest).rev() {
        match burn[i] {
            MinuteBurn::Burning => began = i,
            MinuteBurn::NoData => {}
            MinuteBurn::AtMostBudget => break,
        }
    }
    Some(began)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::bucket::Bucket;
    use crate::slo::correction::tests::correction;
    use crate::slo::correction::Recurrence;
    use crate::slo::{default_tier_specs, BudgetingMethod, Indicator, Objective, SloWindow};
    use crate::{ServiceId, SloId};
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn mins(m: i64) -> jiff::SignedDuration {
        jiff::SignedDuration::from_mins(m)
    }

    /// streamhub's availability: 99.9% over 30 days (so the SRE Workbook's thresholds,
    /// 14.4×, 6×, 3× and 1×, hold exactly), the default tiers.
    fn slo() -> SloDef {
        SloDef {
            id: SloId::parse("streamhub-availability").unwrap(),
            service: ServiceId::parse("streamhub").unwrap(),
            display_name: None,
            description: None,
            objective: Objective::parse("0.999").unwrap(),
            window: SloWindow::Rolling { length: Period::days(30) },
            method: BudgetingMethod::Occurrences,
            indicator: Indicator::BuiltIn,
            tiers: default_tier_specs().to_vec(),
            min_events: 0,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    /// 2,000 events every minute from `from` to `to`, `bad(minute)` of them bad.
    fn history(from: &str, to: &str, bad: impl Fn(Timestamp) -> u64) -> Vec<Bucket> {
        let (mut t, end) = (ts(from), ts(to));
        let mut out = Vec::new();
        while t < end {
            out.push(Bucket::new(t, 2000 - bad(t), 2000).unwrap());
            t += mins(1);
        }
        out
    }

    fn within(t: Timestamp, from: &str, to: &str) -> bool {
        ts(from) <= t && t < ts(to)
    }

    /// Three incidents, four days apart so no 3-day window holds two of them.
    fn three_incidents(t: Timestamp) -> u64 {
        if within(t, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z") {
            40 // 2% bad: burn 20×, for 1 hour
        } else if within(t, "2026-03-05T00:00:00Z", "2026-03-05T08:00:00Z") {
            14 // 0.7% bad: burn 7×, for 8 hours
        } else if within(t, "2026-03-09T00:00:00Z", "2026-03-09T16:00:00Z") {
            11 // 0.55% bad: burn 5.5×, for 16 hours
        } else {
            0
        }
    }

    fn run(slo: &SloDef, buckets: &[Bucket], corrections: &[Correction], from: &str, to: &str) -> Backtest {
        let range = backtest_range(ts(from), ts(to)).unwrap();
        backtest(slo, Series::new(buckets).unwrap(), corrections, range).unwrap()
    }

    #[test]
    fn three_incidents_give_the_pages_and_ticket_a_hand_computation_gives() {
        // The history starts 3 days (the longest tier) before the range, all minutes good
        // but the incidents. With a steady 2,000 events a minute, a window's burn rate is
        // (bad minutes × the incident's burn) / the window's minutes, and a tier fires at
        // the first minute boundary T where both its windows ending at T burn strictly
        // faster than its threshold.
        //
        // 1. 20× from 10:00 for 60 min. page 1h/5m (14.4×): the 5m window burns 20× from
        //    10:05; the 1h window holds k bad minutes: 20k/60 > 14.4 ⇔ k > 43.2, so k = 44:
        //    opens at 10:44 (long 20·44/60 = 14.67×, short 20×), 44 min after 10:00. It
        //    resolves when the 5m window cools: at 11:00 + j it holds 5 − j bad minutes,
        //    20(5 − j)/5 > 14.4 ⇔ j < 1.4, so firing at 11:01 and quiet at 11:02. No other
        //    tier: 6h gets 20·60/360 = 3.3× < 6, 1d 0.83× < 3, 3d 0.28× < 1. Budget spent
        //    before it opened: 44 min × 20 / 43,200 min (30 days) = 2.04%.
        // 2. 7× from 00:00 on 03-05 for 8 hours: never 1h/5m (7 < 14.4). page 6h/30m (6×):
        //    7k/360 > 6 ⇔ k > 308.6, so k = 309: opens at 05:09, 309 min after the start.
        //    Resolves when the 30m window cools: 7(30 − j)/30 > 6 ⇔ j < 4.3: quiet at
        //    08:05 (the 6h window still burns 7×). Tickets: 1d 7·480/1440 = 2.3× < 3, 3d
        //    0.78× < 1. Budget: 309 × 7 / 43,200 = 5.01%.
        // 3. 5.5× from 00:00 on 03-09 for 16 hours: below both page thresholds. ticket
        //    1d/2h (3×): 5.5k/1440 > 3 ⇔ k > 785.5; ticket 3d/6h (1×): 5.5k/4320 > 1 ⇔
        //    k > 785.5 too: both fire at k = 786, 13:06, named by the 1d/2h tier (written
        //    first). The 2h window cools by 16:55 (5.5(120 − j)/120 > 3 ⇔ j < 54.5), but the
        //    6h one keeps 3d/6h firing while 5.5(360 − j)/360 > 1 ⇔ j < 294.5: the ticket
        //    resolves at 16:00 + 295 min = 20:55. Budget: 786 × 5.5 / 43,200 = 10.01%.
        let buckets = history("2026-02-26T00:00:00Z", "2026-03-11T00:00:00Z", three_incidents);
        let b = run(&slo(), &buckets, &[], "2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z");
        let got: Vec<_> = b
            .alerts
            .iter()
            .map(|a| {
                (
                    a.severity,
                    a.tier.as_str(),
                    a.opened.to_string(),
                    a.resolved.map(|r| r.to_string()),
                    a.burn_began.map(|r| r.to_string()),
                    a.detection_minutes,
                )
            })
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            got,
            [
                (
                    Severity::Page,
                    "page 1h/5m",
                    "2026-03-01T10:44:00Z".to_owned(),
                    some("2026-03-01T11:02:00Z"),
                    some("2026-03-01T10:00:00Z"),
                    Some(44)
                ),
                (
                    Severity::Page,
                    "page 6h/30m",
                    "2026-03-05T05:09:00Z".to_owned(),
                    some("2026-03-05T08:05:00Z"),
                    some("2026-03-05T00:00:00Z"),
                    Some(309)
                ),
                (
                    Severity::Ticket,
                    "ticket 1d/2h",
                    "2026-03-09T13:06:00Z".to_owned(),
                    some("2026-03-09T20:55:00Z"),
                    some("2026-03-09T00:00:00Z"),
                    Some(786)
                ),
            ]
        );
        let first = &b.alerts[0];
        assert_eq!(first.key, "slo/streamhub-availability/page");
        assert!((first.burn_rate_long - 20.0 * 44.0 / 60.0).abs() < 1e-9, "{}", first.burn_rate_long);
        assert!((first.burn_rate_short - 20.0).abs() < 1e-9 && first.threshold == 14.4);
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(close(b.budget_spent_before_first_page, 44.0 * 20.0 / 43_200.0), "{b:?}");
        assert!(close(b.alerts[1].budget_spent, 309.0 * 7.0 / 43_200.0));
        assert!(close(b.alerts[2].budget_spent, 786.0 * 5.5 / 43_200.0));
        assert!(close(Some(b.budget_spent), (60.0 * 20.0 + 480.0 * 7.0 + 960.0 * 5.5) / 43_200.0));
        assert_eq!((b.minutes, b.minutes_with_data), (10 * 1440, 10 * 1440));
        assert!(b.never_firing.is_empty(), "{:?}", b.never_firing);
        assert_eq!(b.summary(), "2 pages and 1 ticket in 14400 minutes of data (of 14400)");
    }

    #[test]
    fn a_range_without_data_says_so_rather_than_no_pages() {
        let b = run(&slo(), &[], &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert!(!b.has_data() && b.alerts.is_empty());
        assert_eq!(b.minutes, 1440);
        assert_eq!(
            b.summary(),
            "no data from 2026-03-01 00:00 to 2026-03-02 00:00: cannot tell whether it would have paged"
        );
        // Data before the range only (the lookback) is not data in the range either.
        let before = history("2026-02-26T00:00:00Z", "2026-03-01T00:00:00Z", |_| 0);
        let b = run(&slo(), &before, &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert_eq!(b.minutes_with_data, 0);
        assert!(b.summary().starts_with("no data"), "{}", b.summary());
        // A quiet range with data says how much evidence "no pages" rests on.
        let good = history("2026-02-26T00:00:00Z", "2026-03-02T00:00:00Z", |_| 0);
        let b = run(&slo(), &good, &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert_eq!(b.summary(), "no pages and no tickets in 1440 minutes of data (of 1440)");
    }

    #[test]
    fn tiers_that_can_never_fire_are_named_with_the_reason() {
        // At 90% nothing burns faster than 10×: the 14.4× tier cannot fire, whatever the data.
        let low = SloDef { objective: Objective::parse("0.9").unwrap(), ..slo() };
        let buckets = history("2026-02-26T00:00:00Z", "2026-03-02T00:00:00Z", |_| 2000);
        let b = run(&low, &buckets, &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert_eq!(b.never_firing.len(), 1, "{:?}", b.never_firing);
        assert_eq!(b.never_firing[0].tier, "page 1h/5m");
        assert_eq!(
            b.never_firing[0].why,
            NeverFiringReason::ThresholdUnreachable { threshold: 14.4, max_burn_rate: 10.0 }
        );
        assert_eq!(b.alerts[0].tier, "page 6h/30m", "every event bad fires the slower page tier");
        // A minimum of 300,000 events at 2,000 a minute: only windows of 150 minutes or more
        // reach it, so the tiers whose short window is 5m, 30m or 2h were never judged;
        // 3d/6h (720,000 events in 6 hours) was, and fired on the outage.
        let guarded = SloDef { min_events: 300_000, ..slo() };
        let b = run(&guarded, &buckets, &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        let never: Vec<_> = b.never_firing.iter().map(|n| (n.tier.as_str(), n.why.clone())).collect();
        let few = |most| NeverFiringReason::TooFewEvents { minimum: 300_000, most };
        assert_eq!(never, [("page 1h/5m", few(10_000)), ("page 6h/30m", few(60_000)), ("ticket 1d/2h", few(240_000))]);
        assert_eq!(b.alerts.iter().map(|a| a.tier.as_str()).collect::<Vec<_>>(), ["ticket 3d/6h"]);
        assert!(b.never_firing[0].to_string().contains("never held the minimum of 300000 events (at most 10000)"));
    }

    #[test]
    fn a_correction_over_the_incident_mutes_it_and_aspirational_slos_never_page() {
        let buckets = history("2026-02-26T00:00:00Z", "2026-03-02T00:00:00Z", three_incidents);
        let range = ("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert_eq!(run(&slo(), &buckets, &[], range.0, range.1).pages().count(), 1);
        let maintenance = correction("2026-03-01T09:55:00Z", "2026-03-01T11:10:00Z", Recurrence::Once, None);
        let b = run(&slo(), &buckets, &[maintenance], range.0, range.1);
        assert!(b.alerts.is_empty(), "{:?}", b.alerts);
        assert_eq!(b.minutes_with_data, 1440 - 75, "corrected minutes are not evidence");
        let mut aspirational = slo();
        aspirational.lifecycle.aspirational = true;
        let b = run(&aspirational, &buckets, &[], range.0, range.1);
        assert!(b.alerts.is_empty() && b.aspirational);
        assert!(b.summary().ends_with("(aspirational: it never pages)"), "{}", b.summary());
    }

    #[test]
    fn an_alert_firing_when_the_range_starts_is_marked_and_one_open_at_its_end_has_no_resolution() {
        let buckets = history("2026-02-26T00:00:00Z", "2026-03-02T00:00:00Z", three_incidents);
        let b = run(&slo(), &buckets, &[], "2026-03-01T10:50:00Z", "2026-03-01T11:30:00Z");
        assert_eq!(b.alerts.len(), 1);
        assert!(b.alerts[0].firing_at_start);
        assert_eq!(b.alerts[0].opened, ts("2026-03-01T10:51:00Z"));
        assert_eq!(b.alerts[0].burn_began, Some(ts("2026-03-01T10:00:00Z")), "read from the lookback");
        let b = run(&slo(), &buckets, &[], "2026-03-01T10:00:00Z", "2026-03-01T10:50:00Z");
        assert_eq!((b.alerts[0].firing_at_start, b.alerts[0].resolved), (false, None));
    }

    #[test]
    fn an_slo_without_tiers_counts_its_data_and_never_alerts() {
        let buckets = history("2026-02-26T00:00:00Z", "2026-03-02T00:00:00Z", |_| 2000);
        let none = SloDef { tiers: vec![], ..slo() };
        let b = run(&none, &buckets, &[], "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
        assert_eq!((b.alerts.len(), b.minutes_with_data), (0, 1440));
    }

    #[test]
    fn ranges_are_checked() {
        let err = backtest_range(ts("2026-03-02T00:00:00Z"), ts("2026-03-01T00:00:00Z")).unwrap_err();
        assert!(matches!(err, BacktestError::Reversed { .. }) && err.field() == "to", "{err}");
        let err = backtest_range(ts("2026-01-01T00:00:00Z"), ts("2026-04-02T00:00:00Z")).unwrap_err();
        assert_eq!(err.field(), "from");
        assert!(err.to_string().contains("longer than 90d"), "{err}");
        assert!(backtest_range(ts("2026-01-01T00:00:00Z"), ts("2026-04-01T00:00:00Z")).is_ok(), "90 days exactly");
        let err = backtest_range(ts("2026-03-01T00:00:10Z"), ts("2026-03-01T00:00:50Z")).unwrap_err();
        assert!(matches!(err, BacktestError::UnderAMinute { .. }));
    }

    /// The engine as `app` runs it, minute by minute from fresh tallies: the reference the
    /// replay (running sums, events skipped while nothing changes) must match.
    fn reference(slo: &SloDef, buckets: &[Bucket], range: Window) -> Vec<(String, Timestamp, Option<Timestamp>)> {
        let series = Series::new(buckets).unwrap();
        let tiers = slo.alert_tiers().unwrap();
        let figures =
            SloFigures { budget_left: None, exhaustion: Exhaustion::NoData { over: Period::hours(6) }, page: None };
        let mut open: BTreeMap<String, usize> = BTreeMap::new();
        let mut out: Vec<(String, Timestamp, Option<Timestamp>)> = Vec::new();
        let mut t = range.start() + mins(1);
        while t <= range.end() {
            let verdicts: Vec<TierVerdict> = tiers
                .iter()
                .map(|tier| {
                    let (long, short) = tier.windows(t).unwrap();
                    let burn =
                        |w| crate::slo::WindowBurn::of(&crate::slo::tally(slo.method, series, w, &[]), slo.objective);
                    crate::slo::evaluate_tier(tier, burn(long), burn(short), slo.min_events, None)
                })
                .collect();
            let keys: BTreeSet<String> = open.keys().cloned().collect();
            for e in slo_alert_events(slo, &verdicts, &figures, &keys) {
                match e.action {
                    Action::Trigger if !open.contains_key(&e.dedup_key) => {
                        out.push((e.dedup_key.clone(), t, None));
                        open.insert(e.dedup_key, out.len() - 1);
                    }
                    Action::Resolve => {
                        if let Some(i) = open.remove(&e.dedup_key) {
                            out[i].2 = Some(t);
                        }
                    }
                    _ => {}
                }
            }
            t += mins(1);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever the bursts and gaps, the replay opens and resolves exactly what the
        /// engine judging every minute afresh would.
        #[test]
        fn the_replay_matches_the_engine_minute_by_minute(
            bursts in prop::collection::vec((0i64..600, 1i64..90, 0u64..=100, 0u64..3), 0..6),
            min_events in prop::sample::select(vec![0u64, 50, 500]),
        ) {
            // Small tiers over a 1-day window so 10 hours exercise every state.
            let spec = |share: &str, long: &str, severity| crate::slo::TierSpec {
                share: crate::slo::BudgetShare::parse(share).unwrap(),
                long_window: Period::parse(long).unwrap(),
                severity,
                alert_when_no_data: false,
            };
            let small = SloDef {
                window: SloWindow::Rolling { length: Period::days(1) },
                tiers: vec![
                    spec("0.02", "1h", Severity::Page),
                    spec("0.05", "2h", Severity::Page),
                    spec("0.1", "3h", Severity::Ticket),
                ],
                min_events,
                ..slo()
            };
            let start = ts("2026-03-01T00:00:00Z");
            let buckets: Vec<Bucket> = (0..600)
                .filter_map(|m| {
                    let t = start + mins(m);
                    let burst = bursts.iter().find(|(s, len, _, _)| (*s..s + len).contains(&m));
                    match burst {
                        // Kind 2: a gap without data.
                        Some((_, _, _, 2)) => None,
                        Some((_, _, bad, _)) => Some(Bucket::new(t, 100 - bad, 100).unwrap()),
                        None => Some(Bucket::new(t, 100, 100).unwrap()),
                    }
                })
                .collect();
            let range = backtest_range(start + mins(180), start + mins(600)).unwrap();
            let b = backtest(&small, Series::new(&buckets).unwrap(), &[], range).unwrap();
            let got: Vec<_> = b.alerts.iter().map(|a| (a.key.clone(), a.opened, a.resolved)).collect();
            prop_assert_eq!(got, reference(&small, &buckets, range));
        }
    }
}

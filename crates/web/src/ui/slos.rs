//! A service's SLOs on its page: where each stands, the error-budget burn-down over its
//! window, each alert tier with the burn rates behind it, and "would it have paged?" over
//! the last 28 days (the alerting engine replayed).

use super::chart::{burn_down, Line};
use super::layout::when;
use baton_app::{DataStatus, SloBacktest, SloReport};
use baton_core::slo::{BudgetState, Exhaustion, Measured, Severity, TierState};
use maud::{html, Markup};

fn pct(m: Measured<f64>) -> String {
    m.map(|v| format!("{:.3}%", v * 100.0)).value().unwrap_or_else(|| "no data".into())
}

fn rate(m: Measured<f64>) -> String {
    m.map(|v| format!("×{v:.2}")).value().unwrap_or_else(|| "no data".into())
}

fn one(r: &SloReport, backtest: Option<&Result<SloBacktest, String>>) -> Markup {
    let points: Vec<(f64, f64)> = r
        .burn_down
        .iter()
        .filter_map(|p| p.remaining.value().map(|v| (p.at.duration_since(r.window.start()).as_secs_f64(), v)))
        .collect();
    let span = r.window.duration().as_secs_f64();
    let title =
        format!("{}: error budget left over the window", r.slo.display_name.as_deref().unwrap_or(r.slo.id.as_str()));
    html! {
        section.slo id={ "slo-" (r.slo.id) } {
            h3 { (r.slo.display_name.as_deref().unwrap_or(r.slo.id.as_str())) " " span.meta { (r.slo.id) } }
            @if r.slo.is_aspirational() || r.slo.lifecycle.phase.is_some() {
                p.meta {
                    @if let Some(phase) = r.slo.lifecycle.phase { "Lifecycle phase: " (phase) ". " }
                    @if r.slo.is_aspirational() { strong { "Aspirational" } ": reported, never pages, never decides the verdict." }
                }
            }
            @if let DataStatus::Unavailable { reason } = &r.data { p.bad role="alert" { "No data: " (reason) } }
            @if let DataStatus::NoData { .. } = &r.data { p.warn role="alert" { "No data in this window: no figure below says anything yet." } }
            dl {
                dt { "Data" } dd class=(if r.coverage.has_data() { "" } else { "warn" }) { (r.coverage.to_string()) }
                dt { "Objective" } dd { (r.slo.objective.percent()) " · " (format!("{:?}", r.slo.method).split(' ').next().unwrap_or("")) }
                dt { "Attainment" } dd class=(if r.met.value() == Some(false) { "bad" } else { "" }) { (pct(r.attainment)) }
                dt { "Error budget left" } dd {
                    (pct(r.budget.map(|b| b.remaining)))
                    @if let Measured::Value(b) = &r.budget { span.meta { " (" (format!("{:.0} of {:.0} {:?}", b.remaining_units().max(0.0), b.allowed, b.unit).to_lowercase()) ")" } }
                }
                dt { "Error-budget policy" } dd {
                    span class=(match r.policy.state { BudgetState::Healthy => "ok", BudgetState::AtRisk => "warn", BudgetState::Exhausted => "bad", BudgetState::NoData => "meta" }) {
                        (r.policy.state)
                    }
                    @if !r.policy.actions.is_empty() { ": " (r.policy.actions.join("; ")) }
                    @if !r.policy.notify.is_empty() { span.meta { " · tell " (r.policy.notify.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")) } }
                }
                dt { "At this burn" } dd {
                    @match &r.exhaustion {
                        Exhaustion::At { at, .. } => span.warn { "runs out " (when(*at)) },
                        Exhaustion::NotBurning { .. } => "not burning",
                        Exhaustion::OutlastsWindow { window_end, .. } => span.ok { "lasts until the window ends on " (when(*window_end)) },
                        Exhaustion::AlreadyExhausted => span.bad { "exhausted" },
                        Exhaustion::NoData { .. } => "no data",
                    }
                }
            }
            @if points.len() > 1 {
                (burn_down(&title, span, &[Line { points: &points, class: "budget" }], &when(r.window.start()), &when(r.window.end())))
            }
            @if !r.corrections.is_empty() {
                p.meta { "Corrections in this window (their minutes are not counted; alerts are muted while they last):" }
                ul { @for c in &r.corrections {
                    li { (when(c.start)) " → " (when(c.end))
                        @if !matches!(c.recurrence, baton_core::slo::Recurrence::Once) { " (" (format!("{:?}", c.recurrence).to_lowercase()) ")" }
                        ": " (c.reason) " — " (c.author) }
                } }
            }
            div.scroll { table.tiers {
                tr { th { "Alert tier" } th { "Long window" } th { "Short window" } th { "Threshold" } th { "State" } }
                @for t in &r.tiers {
                    tr class=(if t.fires() { "firing" } else { "" }) {
                        td { (match t.tier.severity { Severity::Page => "page", Severity::Ticket => "ticket" }) " " (t.tier.long_window) "/" (t.tier.short_window) }
                        td { (rate(t.long.rate)) }
                        td { (rate(t.short.rate)) }
                        td { (format!("×{:.2}", t.tier.threshold)) }
                        td {
                            @match &t.state {
                                TierState::Firing => strong.bad { "firing" },
                                TierState::Quiet => span.ok { "quiet" },
                                TierState::Muted { reason, .. } => span.meta { "muted: " (reason) },
                                TierState::NoData { .. } => span.meta { "no data" },
                                TierState::TooFewEvents { events, minimum, .. } => span.meta { (events) " events, below " (minimum) },
                            }
                        }
                    }
                }
            } }
            @if let Some(b) = backtest { (would_it_have_paged(b)) }
        }
    }
}

fn minutes(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// The alerts the engine would have sent over the last 28 days, with how long after each
/// burn began; "no data" when there was none, never "no pages".
fn would_it_have_paged(b: &Result<SloBacktest, String>) -> Markup {
    html! {
        h4 { "Would it have paged?" }
        @match b {
            Err(e) => p.bad { "Cannot replay the alerting: " (e) },
            Ok(b) => {
                @let t = &b.backtest;
                p class=(if t.has_data() { "meta backtest" } else { "bad backtest" }) {
                    "Last 28 days (" (when(t.from)) " → " (when(t.to)) "): " (b.summary) "."
                }
                @if !t.alerts.is_empty() {
                    div.scroll { table.backtest {
                        tr { th { "Alert" } th { "Tier" } th { "Opened" } th { "Resolved" } th { "Detected after" } th { "Budget spent by then" } }
                        @for a in &t.alerts {
                            tr {
                                td { (a.severity) }
                                td { (a.tier) }
                                td { (when(a.opened)) @if a.firing_at_start { " (firing at start)" } }
                                td { @match a.resolved { Some(r) => (when(r)), None => "still open" } }
                                td { @match a.detection_minutes { Some(m) => (minutes(m)), None => "-" } }
                                td { @match a.budget_spent { Some(s) => (format!("{:.2}%", s * 100.0)), None => "-" } }
                            }
                        }
                    } }
                }
                @if !t.never_firing.is_empty() {
                    ul.never-firing { @for n in &t.never_firing { li { (n) } } }
                }
            }
        }
    }
}

pub fn section(reports: &[SloReport], backtests: &[Result<SloBacktest, String>]) -> Markup {
    html! {
        h2 { "SLOs" }
        @if reports.is_empty() {
            p.empty { "No SLOs are defined for this service. Add OpenSLO documents under slos/ in the definition repo." }
        }
        @for (i, r) in reports.iter().enumerate() { (one(r, backtests.get(i))) }
    }
}

//! Every SLO at a glance (`/slos`: service, objective, attainment, budget left, the
//! fastest burn, firing tiers and the budget's state; filtered and sorted by query, so it
//! works without JavaScript), and a service's SLOs on its page: where each stands, the
//! error-budget burn-down over its window, each alert tier with the burn rates behind it,
//! and "would it have paged?" over the last 28 days (the alerting engine replayed).

use super::chart::{time_series, Series};
use super::layout::at;
use baton_app::paging::{AlertQuery, AlertView};
use baton_app::{AppError, DataStatus, SloBacktest, SloReport};
use baton_core::slo::{BudgetState, Exhaustion, Measured, Severity, TierState};
use baton_core::{SloId, Timestamp};
use maud::{html, Markup};

fn pct(m: Measured<f64>) -> String {
    m.map(|v| format!("{:.3}%", v * 100.0)).value().unwrap_or_else(|| "no data".into())
}

fn rate(m: Measured<f64>) -> String {
    m.map(|v| format!("×{v:.2}")).value().unwrap_or_else(|| "no data".into())
}

fn name(r: &SloReport) -> &str {
    r.slo.display_name.as_deref().unwrap_or(r.slo.id.as_str())
}

/// The error budget left over the window, day by day.
fn budget_chart(r: &SloReport) -> Markup {
    let points: Vec<(Timestamp, f64)> =
        r.burn_down.iter().filter_map(|p| p.remaining.value().map(|v| (p.at, v))).collect();
    let title = format!("{}: error budget left over the window", name(r));
    html! {
        @if points.len() > 1 {
            (time_series(&Series {
                title: &title,
                y_label: "budget left (%)",
                points: &points,
                from: r.window.start(),
                to: r.window.end(),
                reference: Some((0.0, "budget spent")),
                full_scale: true,
                class: "budget",
            }))
        }
    }
}

/// The SLI day by day, against the objective.
fn sli_chart(r: &SloReport) -> Markup {
    let points: Vec<(Timestamp, f64)> = r.burn_down.iter().filter_map(|p| p.sli.value().map(|v| (p.at, v))).collect();
    let title = format!("{}: the SLI each day", name(r));
    let objective = r.slo.objective.as_f64();
    html! {
        @if points.is_empty() { p.empty { "No day of the window had data." } }
        @else {
            (time_series(&Series {
                title: &title,
                y_label: "good (%)",
                points: &points,
                from: r.window.start(),
                to: r.window.end(),
                reference: Some((objective, "objective")),
                full_scale: false,
                class: "sli",
            }))
        }
    }
}

fn one(r: &SloReport, backtest: Option<&Result<SloBacktest, String>>) -> Markup {
    html! {
        section.slo id={ "slo-" (r.slo.id) } {
            h3 { a href={ "/slos/" (r.slo.id) } { (name(r)) } " " span.meta { (r.slo.id) } }
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
                        Exhaustion::At { at: t, .. } => span.warn { "runs out " (at(*t)) },
                        Exhaustion::NotBurning { .. } => "not burning",
                        Exhaustion::OutlastsWindow { window_end, .. } => span.ok { "lasts until the window ends on " (at(*window_end)) },
                        Exhaustion::AlreadyExhausted => span.bad { "exhausted" },
                        Exhaustion::NoData { .. } => "no data",
                    }
                }
            }
            (budget_chart(r))
            @if !r.corrections.is_empty() {
                p.meta { "Corrections in this window (their minutes are not counted; alerts are muted while they last):" }
                ul { @for c in &r.corrections {
                    li { (at(c.start)) " → " (at(c.end))
                        @if !matches!(c.recurrence, baton_core::slo::Recurrence::Once) { " (" (format!("{:?}", c.recurrence).to_lowercase()) ")" }
                        ": " (c.reason) " — " (c.author) }
                } }
            }
            div.scroll tabindex="0" { table.tiers {
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
                    "Last 28 days (" (at(t.from)) " → " (at(t.to)) "): " (b.summary) "."
                }
                @if !t.alerts.is_empty() {
                    div.scroll tabindex="0" { table.backtest {
                        tr { th { "Alert" } th { "Tier" } th { "Opened" } th { "Resolved" } th { "Detected after" } th { "Budget spent by then" } }
                        @for a in &t.alerts {
                            tr {
                                td { (a.severity) }
                                td { (a.tier) }
                                td { (at(a.opened)) @if a.firing_at_start { " (firing at start)" } }
                                td { @match a.resolved { Some(r) => (at(r)), None => "still open" } }
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

/// The overview's filters and order, from the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct OverviewQuery {
    /// Only this service's SLOs.
    service: Option<String>,
    /// Only SLOs whose budget is in this state (`healthy`, `at-risk`, `exhausted`, `no-data`).
    state: Option<String>,
    /// `budget` (least left first), `burn` (fastest first), `attainment` (lowest first);
    /// by service and id otherwise.
    sort: Option<String>,
}

const STATES: [BudgetState; 4] =
    [BudgetState::Exhausted, BudgetState::AtRisk, BudgetState::Healthy, BudgetState::NoData];
const SORTS: [(&str, &str); 4] = [
    ("", "service"),
    ("budget", "budget left, least first"),
    ("burn", "burn, fastest first"),
    ("attainment", "attainment, lowest first"),
];

/// The fastest long-window burn among the tiers, and that tier's window.
fn fastest(r: &SloReport) -> Option<(f64, String)> {
    r.tiers
        .iter()
        .filter_map(|t| t.long.rate.value().map(|v| (v, t.tier.long_window.to_string())))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn state_class(s: BudgetState) -> &'static str {
    match s {
        BudgetState::Healthy => "ok",
        BudgetState::AtRisk => "warn",
        BudgetState::Exhausted => "bad",
        BudgetState::NoData => "meta",
    }
}

/// `/slos`: every SLO, worst first when asked.
pub async fn overview(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    axum::extract::Query(q): axum::extract::Query<OverviewQuery>,
    viewer: super::session::Viewer,
) -> Result<Markup, super::PageError> {
    let mut reports = s.baton.slo_reports(None, None).await?;
    let services: std::collections::BTreeSet<String> = reports.iter().map(|r| r.slo.service.to_string()).collect();
    let service = q.service.as_deref().filter(|v| !v.is_empty());
    let state = q.state.as_deref().filter(|v| !v.is_empty());
    reports.retain(|r| service.is_none_or(|v| r.slo.service.as_str() == v));
    reports.retain(|r| state.is_none_or(|v| r.policy.state.to_string() == v));
    // Unknown values leave nothing out of place: no data sorts last whatever the order.
    let last = |v: Option<f64>, worst_first_is_low: bool| match v {
        Some(v) if worst_first_is_low => v,
        Some(v) => -v,
        None => f64::INFINITY,
    };
    match q.sort.as_deref() {
        Some("budget") => reports.sort_by(|a, b| {
            last(a.budget.map(|x| x.remaining).value(), true)
                .total_cmp(&last(b.budget.map(|x| x.remaining).value(), true))
        }),
        Some("burn") => reports
            .sort_by(|a, b| last(fastest(a).map(|f| f.0), false).total_cmp(&last(fastest(b).map(|f| f.0), false))),
        Some("attainment") => {
            reports.sort_by(|a, b| last(a.attainment.value(), true).total_cmp(&last(b.attainment.value(), true)))
        }
        _ => reports.sort_by(|a, b| (&a.slo.service, &a.slo.id).cmp(&(&b.slo.service, &b.slo.id))),
    }
    let selected = |a: Option<&str>, b: &str| a.unwrap_or("") == b;
    let body = html! {
        h1 { "SLOs" }
        form.filters method="get" action="/slos" {
            label { "Service " select name="service" {
                option value="" { "every service" }
                @for sv in &services { option value=(sv) selected[selected(service, sv)] { (sv) } }
            } }
            label { "Budget " select name="state" {
                option value="" { "any state" }
                @for st in STATES { option value=(st.to_string()) selected[selected(state, &st.to_string())] { (st.to_string()) } }
            } }
            label { "Order " select name="sort" {
                @for (value, label) in SORTS { option value=(value) selected[selected(q.sort.as_deref(), value)] { (label) } }
            } }
            button type="submit" { "Show" }
        }
        @if reports.is_empty() { p.empty { "No SLO matches." } }
        @else {
            div.scroll tabindex="0" { table.slos {
                tr { th { "Service" } th { "SLO" } th.num { "Objective" } th.num { "Attainment" } th.num { "Budget left" } th.num { "Fastest burn" } th { "Firing" } th { "Budget" } }
                @for r in &reports {
                    @let firing: Vec<String> = r.tiers.iter().filter(|t| t.fires()).map(|t| format!("{} {}/{}", match t.tier.severity { Severity::Page => "page", Severity::Ticket => "ticket" }, t.tier.long_window, t.tier.short_window)).collect();
                    tr {
                        td { a href={ "/services/" (r.slo.service) } { (r.slo.service) } }
                        td { a href={ "/slos/" (r.slo.id) } { (name(r)) } }
                        td.num { (r.slo.objective.percent()) }
                        td class=(if r.met.value() == Some(false) { "num bad" } else { "num" }) { (pct(r.attainment)) }
                        td.num { (pct(r.budget.map(|b| b.remaining))) }
                        td.num { @match fastest(r) { Some((v, w)) => { (format!("×{v:.2}")) span.meta { " over " (w) } }, None => "no data" } }
                        td { @if firing.is_empty() { span.meta { "none" } } @else { span.bad { (firing.join(", ")) } } }
                        td { span class=(state_class(r.policy.state)) { (r.policy.state) } }
                    }
                }
            } }
            p.meta { "Budget left is the share of the window's error budget not spent; burn is the long window's rate of the fastest tier (×1 spends the budget exactly over the window)." }
        }
    };
    Ok(super::layout::page("SLOs", viewer.session.as_ref(), body))
}

/// `/slos/{id}`: one SLO whole — where it stands, its budget burning down and its SLI day
/// by day (axes with units, each value on hover and in a table), its tiers, corrections,
/// "would it have paged?" and the alerts it raised.
pub async fn page(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    viewer: super::session::Viewer,
) -> Result<Markup, super::PageError> {
    let id = SloId::parse(&id).map_err(|_| AppError::NotFound(format!("no SLO `{id}` is defined")))?;
    let r = s.baton.slo_report(&id, None).await?;
    let backtest = s.baton.backtest_slo(&id, None, None).await.map_err(|e| e.to_string());
    let query = AlertQuery { service: Some(r.slo.service.clone()), open: Some(false), limit: Some(200), after: None };
    let prefix = format!("slo/{id}/");
    let alerts: Vec<AlertView> =
        s.baton.alerts(&query).await?.alerts.into_iter().filter(|a| a.alert.dedup_key.starts_with(&prefix)).collect();
    let body = html! {
        p.meta { a href="/slos" { "All SLOs" } " · service " a href={ "/services/" (r.slo.service) } { (r.slo.service) } }
        h1 { (name(&r)) }
        @if let Some(d) = &r.slo.description { p { (d) } }
        (one(&r, Some(&backtest)))
        h2 { "The SLI over time" }
        (sli_chart(&r))
        h2 #alerts { "Its alerts" }
        @if alerts.is_empty() { p.empty { "This SLO has raised no alert that is still kept." } }
        @else { (super::alerts::table(&alerts)) }
    };
    Ok(super::layout::page(name(&r), viewer.session.as_ref(), body))
}

//! One service: where it stands, what blocks it, its checklist and its history.

use super::layout::at;
use super::session::Viewer;
use super::PageError;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use baton_app::{AppError, Principal, ServiceOnCall, ServiceView};
use baton_core::audit::AuditRecord;
use baton_core::org::Org;
use baton_core::pipeline::{ItemState, ServiceRecord, Stage, Waiting};
use baton_core::{ServiceId, Viability};
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PageQuery {
    /// The step just taken, to confirm it (post/redirect/get).
    done: Option<String>,
}

pub async fn page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    viewer: Viewer,
) -> Response {
    match ServiceId::parse(&id) {
        Ok(id) => render(&s, &id, &viewer, q.done, None).await,
        Err(_) => PageError::from(AppError::NotFound(format!("no service `{id}` is defined"))).into_response(),
    }
}

/// The service page, with a confirmation of the step just taken or the reason it was refused.
pub async fn render(
    s: &AppState,
    id: &ServiceId,
    viewer: &Viewer,
    done: Option<String>,
    failed: Option<ApiError>,
) -> Response {
    match render_page(s, id, viewer, done, failed).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

async fn render_page(
    s: &AppState,
    id: &ServiceId,
    viewer: &Viewer,
    done: Option<String>,
    failed: Option<ApiError>,
) -> Result<Response, PageError> {
    let v = s.baton.service(id).await?;
    let org = s.baton.org().await?;
    let history = s.baton.history(&format!("service/{id}"), 50).await?;
    let slos = s.baton.slo_reports(Some(id), None).await?;
    // "Would it have paged?" over the last 28 days, per SLO; one that cannot be replayed
    // says why in its own section rather than failing the page.
    let mut backtests = Vec::with_capacity(slos.len());
    for r in &slos {
        backtests.push(s.baton.backtest_slo(&r.slo.id, None, None).await.map_err(|e| e.to_string()));
    }
    let raci = s.baton.raci(id).await?;
    let roadmap = s.baton.roadmap(id).await?;
    let on_call = s.baton.oncall_for_service(id, None).await?;
    let gates = s.baton.service_gates(id).await?;
    let alerts = s
        .baton
        .alerts(&baton_app::paging::AlertQuery {
            service: Some(id.clone()),
            open: Some(true),
            limit: Some(50),
            after: None,
        })
        .await?
        .alerts;
    // The forms shown are the steps core's own rules leave to the person signed in.
    let reader = viewer.session.as_ref().and_then(|v| match &v.principal {
        Principal::Person(person) => Some(super::raci::Reader { person, csrf: &v.csrf }),
        Principal::Admin => None,
    });
    let offered = match viewer.session.as_ref().map(|v| &v.principal) {
        Some(Principal::Person(p)) => s.baton.offered_steps(&v, p).await?,
        _ => Vec::new(),
    };
    let status = failed.as_ref().map_or(axum::http::StatusCode::OK, |e| e.status);
    let body = html! {
        (heading(&v, done.as_deref(), failed.as_ref()))
        (facts(&v))
        (needs_next(&v))
        @if v.stage.is_terminal() {
            h2 #gates { "Production gates" }
            p.meta { "Gates and steps do not apply to a service that is " (v.stage) "." }
        } @else {
            (super::gates::section(&gates, viewer, &org, done.as_deref()))
            (take_a_step(&v, &org, viewer, id, &offered))
        }
        (on_call_section(&on_call))
        h2 { "Open alerts" }
        @if alerts.is_empty() { p.empty { "No open alerts." } } @else { (super::alerts::table(&alerts)) }
        (super::slos::section(&slos, &backtests))
        (super::raci::section(&raci, &roadmap, reader))
        (checklist(&v))
        (soak_test(&v.record))
        (stage_history(&v.record))
        (audit_trail(&history))
    };
    Ok((status, super::layout::page(&v.definition.name, viewer.session.as_ref(), body)).into_response())
}

/// The name and stage, the confirmation of the step just taken or why it was refused,
/// and the description.
fn heading(v: &ServiceView, done: Option<&str>, failed: Option<&ApiError>) -> Markup {
    let d = &v.definition;
    html! {
        h1 { (d.name) " " span class={ "pill stage-" (v.stage) } { (v.stage) }
            @if v.assurance.is_reduced() { " " span.pill.warn { "reduced assurance" } } }
        @if let Some(step) = done { div.banner.ok role="status" { "Recorded: " (step) "." } }
        // A service at an end says at once why, and by whom.
        @match (v.stage, &v.record.decision, &v.record.retirement) {
            (Stage::Rejected, Some(d), _) => div.banner.bad role="note" {
                strong { "Rejected" } " by " (d.signed.by) " on " (at(d.signed.at)) ": " (d.reason)
            },
            (Stage::Retired, _, Some(r)) => div.banner.bad role="note" {
                strong { "Retired" } " by " (r.signed.by) " on " (at(r.signed.at)) ": " (r.reason)
            },
            _ => {},
        }
        @if let Some(e) = failed {
            div.banner.bad role="alert" {
                @if e.unmet.is_empty() {
                    strong { "Not done: " } (e.message)
                } @else {
                    strong { "Not done. Still missing:" }
                    ul { @for u in &e.unmet { li { (u.message) } } }
                }
            }
        }
        @if let Some(desc) = &d.description { p { (desc) } }
    }
}

/// Who owns and supports it, and the facts its steps recorded.
fn facts(v: &ServiceView) -> Markup {
    let d = &v.definition;
    let r = &v.record;
    html! {
        dl {
            dt { "Owner team" } dd { (d.owner_team) }
            @if let Some(system) = &d.system { dt { "System" } dd { (system) } }
            @if let Some(lifecycle) = &d.lifecycle { dt { "Lifecycle" } dd { (lifecycle) } }
            dt { "SRE team" } dd { @if let Some(t) = r.sre_team() { (t) } @else { span.meta { "not assigned" } } }
            dt { "Priority" } dd { @if let Some(p) = r.priority() { (p) } @else { span.meta { "not set" } } }
            @if let Some(a) = &r.assignment { dt { "Scope" } dd { (a.scope) } }
            @if let Some(p) = &r.proposal {
                dt { "Epic" } dd { a href=(p.epic) { (p.epic) } }
                dt { "Questionnaire" } dd { a href=(p.questionnaire) { (p.questionnaire) } }
                dt { "Service definition" } dd { a href=(p.service_definition) { (p.service_definition) } }
            }
            @if let Some(p) = &r.production { dt { "In production since" } dd { (at(p.since)) } }
            @if let Some(h) = &r.handover { dt { "Pager handed over" } dd { (at(h.at)) " by " (h.by) } }
            @if d.internal_only { dt { "Internal only" } dd { "yes" } }
        }
    }
}

/// What stands between the service and its next stage, and the SLO verdict.
fn needs_next(v: &ServiceView) -> Markup {
    html! {
        h2 { "What it needs next" }
        @if v.blockers.is_empty() { p.ok { "Nothing: no further step is pending." } }
        ul { @for b in &v.blockers { li.warn { (b.message) } } }
        @if let Some(via) = &v.viability {
            p { "SLO verdict: "
                @match via {
                    Viability::Met { evidence } => span.ok { "met — " (evidence) },
                    Viability::NotMet { reason } => span.bad { "not met — " (reason) },
                    Viability::Unknown { reason } => span.warn { "unknown — " (reason) },
                }
            }
        }
    }
}

/// The forms of the steps a signed-in person may take, or an invitation to sign in.
fn take_a_step(v: &ServiceView, org: &Org, viewer: &Viewer, id: &ServiceId, offered: &[Waiting]) -> Markup {
    html! {
        @if let Some(session) = &viewer.session {
            @if matches!(session.principal, Principal::Person(_)) {
                h2 #actions { "Take a step" }
                @if offered.is_empty() {
                    p.empty { "No step of this service is yours to take now. " (who_acts(v, org)) }
                } @else {
                    (super::actions::forms(v, org, &session.csrf, offered))
                }
            }
        } @else {
            p.meta { a href={ "/login?next=/services/" (id) } { "Sign in" } " to take a step." }
        }
    }
}

/// Whose steps they are, for someone with none of them.
fn who_acts(v: &ServiceView, org: &Org) -> String {
    match v.stage {
        Stage::Draft => format!("Its owner team, `{}`, proposes it.", v.definition.owner_team),
        Stage::Proposed => format!("The architects, `{}`, decide.", org.pipeline_policy().architects_team),
        Stage::Accepted => "An SRE lead assigns it.".to_owned(),
        Stage::Onboarding | Stage::Transition => match v.record.sre_team() {
            Some(t) => {
                format!("Its owner team, `{}`, and its SRE team, `{t}`, take its steps.", v.definition.owner_team)
            }
            None => format!("Its owner team, `{}`, takes its steps.", v.definition.owner_team),
        },
        _ => String::new(),
    }
}

/// Who is on call for it now, from its SRE team's rotations.
fn on_call_section(on_call: &ServiceOnCall) -> Markup {
    html! {
        h2 { "On call for it" }
        @match &on_call.sre_team {
            None => p.empty { "No SRE team is assigned yet; until then the owner team answers for it." },
            Some(team) if on_call.on_call.is_empty() => p.empty { "The SRE team `" (team) "` has no rotation defined under rotations/." },
            Some(_) => ul {
                @for o in &on_call.on_call {
                    li.oncall {
                        strong { (o.person.name) } " (" (o.person.id) ") · " (o.rotation_name)
                        " · until " (at(o.end))
                        @if let Some(chat) = &o.person.chat { " · " (chat) }
                        br; span.meta { (o.because) }
                    }
                }
            },
        }
    }
}

/// The acceptance checklist and the additional requirements of other teams, each line's state.
fn checklist(v: &ServiceView) -> Markup {
    html! {
        h2 { "Acceptance checklist and additional requirements" }
        @if v.checklist.is_empty() { p.empty { "The organisation defines no checklist." } }
        @else {
            div.scroll tabindex="0" { table {
                tr { th { "Item" } th { "Required by" } th { "Status" } }
                @for line in &v.checklist {
                    tr {
                        td { (line.item.title) br; span.meta { (line.item.id) } }
                        td { @if let Some(t) = &line.item.required_by { (t) } @else { "SRE team" } }
                        td {
                            @match &line.state {
                                Some(ItemState::Done { evidence, signed }) => span.ok { "done by " (signed.by) " · " a href=(evidence) { "evidence" } },
                                Some(ItemState::Waived { reason, expires_at, signed }) => {
                                    span class=(if line.satisfied { "warn" } else { "bad" }) {
                                        "waived by " (signed.by) " until " (at(*expires_at)) ": " (reason)
                                    }
                                }
                                None => span.meta { "open" },
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The recorded soak test, if any: its result, the SLOs' verdict and any override.
fn soak_test(r: &ServiceRecord) -> Markup {
    html! {
        @if let Some(soak) = &r.soak {
            h2 { "Soak test" }
            p { (at(soak.started_at)) " → " (at(soak.ended_at)) ": "
                span class=(if soak.result == baton_core::pipeline::SoakResult::Passed { "ok" } else { "bad" }) { (soak.result.as_str()) }
                @if soak.overridden.is_some() { " (overridden)" }
                " · " a href=(soak.link) { "report" } }
            @if let Some(v) = &soak.verdict { p.meta { "The SLOs over its window: " (v.text()) } }
            @if let Some(o) = &soak.overridden { p.warn { "Overridden by " (soak.signed.by) " as " (o.result.as_str()) ": " (o.reason) } }
        }
    }
}

/// The stage moves, newest first.
fn stage_history(r: &ServiceRecord) -> Markup {
    html! {
        h2 { "Stage history" }
        @if r.history.is_empty() { p.empty { "Not yet proposed." } }
        @else {
            div.scroll tabindex="0" { table {
                tr { th { "When" } th { "Move" } th { "Who" } th { "Why" } }
                @for h in r.history.iter().rev() {
                    tr { td { (at(h.signed.at)) } td { (h.from) " → " (h.to) } td { (h.signed.by) } td { (h.reason.as_deref().unwrap_or("")) } }
                }
            } }
        }
    }
}

/// The service's audit records, newest first.
fn audit_trail(history: &[AuditRecord]) -> Markup {
    html! {
        h2 { "Audit trail" }
        div.scroll tabindex="0" { table {
            tr { th { "#" } th { "When" } th { "Who" } th { "Action" } th { "Reason" } }
            @for a in history {
                tr { td { (a.seq) } td { (at(a.at)) } td { (a.entry.actor) } td { (a.entry.action) } td { (a.entry.reason.as_deref().unwrap_or("")) } }
            }
        } }
    }
}

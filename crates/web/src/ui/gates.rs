//! The service page's "Production gates" section: each gate's verdict per requirement
//! (the reason, who can act, when it passes on its own), waivers with their expiry, the
//! assurance the service runs under, and a vote form for the teams of the viewer that a
//! gate asks. Votes go through the same use case as the API.

use super::layout::at;
use super::service;
use super::session::Viewer;
use crate::body::parse_json;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::gates::{GateView, ServiceGates, VoteIn};
use baton_app::Principal;
use baton_core::gate::{Assurance, Status};
use baton_core::{GateId, Org, PersonId, ServiceId};
use maud::{html, Markup};
use serde_json::{Map, Value};

type Fields = Vec<(String, String)>;

fn status(s: &Status) -> Markup {
    match s {
        Status::Met => html! { span.ok { "met" } },
        Status::Unmet => html! { span.bad { "unmet" } },
        Status::Waived { until, reason, by, team } => html! {
            span.warn { "waived until " (at(*until)) } br;
            span.meta { "by " (by) " (" (team) "): " (reason) }
        },
    }
}

fn vote_form(g: &GateView, service: &ServiceId, person: &PersonId, org: &Org, csrf: &str) -> Markup {
    let mine: Vec<_> = g.approval_teams.iter().filter(|t| org.is_member(person, t)).collect();
    html! {
        @if !mine.is_empty() {
            div.actions {
                form method="post" action={ "/services/" (service) "/gates/" (g.gate) "/vote" } {
                    h3 { "Vote on " (g.name) }
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Vote" select name="vote" { option value="plus" { "+1 (agree)" } option value="minus" { "−1 (block until withdrawn)" } } }
                    label { "For team" select name="team" { @for t in &mine { option value=(t) { (t) } } } }
                    label { "Comment" input type="text" name="comment" required; }
                    label { "Evidence (merge request or ticket)" input type="url" name="evidence" required placeholder="https://"; }
                    button type="submit" { "Vote" }
                }
            }
        }
    }
}

/// "Ask for votes", for the owner team while an approval is awaited (both from core's rules).
fn ask_form(g: &GateView, service: &ServiceId, person: &PersonId, org: &Org, csrf: &str) -> Markup {
    let may = org
        .services
        .get(service)
        .is_some_and(|def| baton_core::gate::may_ask_for_votes(org, &g.gate, def, person).is_ok());
    let asked = baton_core::gate::vote_requests(org, &g.verdict);
    html! {
        @if may && !asked.is_empty() {
            form.inline method="post" action={ "/services/" (service) "/gates/" (g.gate) "/ask" } {
                input type="hidden" name="csrf" value=(csrf);
                span.meta { (asked.len()) " people can give the approvals still needed. " }
                button type="submit" { "Ask them for their votes" }
            }
        }
    }
}

fn gate(g: &GateView, service: &ServiceId, viewer: &Viewer, org: &Org, done: Option<&str>) -> Markup {
    let v = &g.verdict;
    // A gate that does not apply is one line: its requirements are not this service's.
    if let Some(na) = &v.not_applicable {
        return html! {
            section.gate.na id={ "gate-" (g.gate) } {
                p { strong { (g.name) } " " span.meta { "(" (g.gate) ")" } " " span.pill { "not applicable" } " " span.meta { (na) } }
            }
        };
    }
    let just_done = done.filter(|d| d.rsplit_once(" on ").is_some_and(|(_, gate)| gate == g.gate.as_str()));
    let person = viewer.session.as_ref().and_then(|s| match &s.principal {
        Principal::Person(p) => Some((p, s.csrf.as_str())),
        Principal::Admin => None,
    });
    html! {
        section.gate id={ "gate-" (g.gate) } {
            h3 {
                (g.name) " " span.meta { "(" (g.gate) ")" } " "
                @if v.passes { span.pill.stage-sre-owned { "passes" } } @else { span.pill { "does not pass" } }
            }
            @if let Some(d) = just_done { div.banner.ok role="status" { "Recorded: " (d) "." } }
            @if let Some(d) = &g.description { p.meta { (d) } }
            @if let Some(p) = &g.passed {
                p.ok { "Passed by " (p.signed.by) " on " (at(p.signed.at))
                    @if let Some(ver) = &p.version { " at version " (ver) } "." }
            }
            @if let Some(t) = v.passes_on_its_own_at { p.warn { "Passes on its own on " (at(t)) " if nothing else changes." } }
            div.scroll tabindex="0" { table.gate {
                tr { th { "Requirement" } th { "Status" } th { "Why" } th { "Who can act" } }
                @for r in &v.requirements {
                    tr data-requirement=(r.id) {
                        td { (r.label) br; span.meta { (r.id) } }
                        td.status { (status(&r.status)) }
                        td {
                            (r.reason)
                            @if let Some(t) = r.passes_on_its_own_at { br; span.meta { "passes on its own on " (at(t)) } }
                            @if let (Status::Met, Some(t)) = (&r.status, r.expires_at) { br; span.meta { "holds until " (at(t)) } }
                        }
                        td { @if r.who_can_act.is_empty() { span.meta { "—" } } @else { (r.who_can_act.join(", ")) } }
                    }
                }
            } }
            @if !g.waivers.is_empty() {
                p { strong { "Waivers" } }
                ul { @for w in &g.waivers {
                    li class=(if w.active { "warn" } else { "meta" }) {
                        (w.waiver.requirement) " waived by " (w.waiver.approved_by) " (" (w.waiver.approver_team) ") "
                        @if w.active { "until " } @else { "— expired " } (at(w.waiver.expires_at)) ": " (w.waiver.reason)
                    }
                } }
            }
            @if let Some((p, csrf)) = person {
                @let own: Vec<_> = g.votes.iter().filter(|x| &x.approval.person == p && x.approval.withdrawn_at.is_none()).collect();
                @for x in own {
                    form.inline method="post" action={ "/services/" (service) "/gates/" (g.gate) "/votes/" (x.id) "/withdraw" } {
                        input type="hidden" name="csrf" value=(csrf);
                        span.meta { "Your " @if x.approval.vote == baton_core::gate::Vote::Plus { "+1" } @else { "−1" } " for " (x.approval.team) " (" (at(x.approval.at)) ") " }
                        button type="submit" { "Withdraw" }
                    }
                }
                (vote_form(g, service, p, org, csrf))
                (ask_form(g, service, p, org, csrf))
            }
        }
    }
}

/// The section, for the service page.
/// `done` is the act just recorded (`vote on GATE`), confirmed in that gate's own section,
/// where the redirect lands, rather than at the top of the page.
pub fn section(gates: &ServiceGates, viewer: &Viewer, org: &Org, done: Option<&str>) -> Markup {
    html! {
        h2 id="gates" { "Production gates" }
        @match &gates.assurance {
            Assurance::Reduced { reason } => p.warn { strong { "Reduced assurance: " } (reason) "." },
            Assurance::Full => p.ok { "Full assurance: in production on the full criteria." },
            Assurance::NotInProduction => {},
        }
        @if let Some(c) = &gates.capacity {
            p { "Capacity: at most " (c.agreement.max_installs) " installs, " (c.agreement.max_installs_per_week) " new a week — "
                @match &c.agreement.approved_by {
                    Some(by) => span.ok { "agreed by " (by) " on " (at(c.agreement.at)) },
                    None => span.warn { "proposed by " (c.proposed_by) ", not agreed yet" },
                }
                ". Customers' installs: " (gates.installs.external) " (" (gates.installs.external_last_week) " in the last 7 days); internal: " (gates.installs.internal) "."
            }
        }
        @if gates.gates.is_empty() { p.empty { "The organisation defines no gates (policies/, kind: Gate)." } }
        @for g in &gates.gates { (gate(g, &gates.service, viewer, org, done)) }
        @if viewer.session.is_none() && !gates.gates.is_empty() {
            p.meta { a href={ "/login?next=/services/" (gates.service) } { "Sign in" } " to vote." }
        }
    }
}

/// What the form sent, as the JSON body the API takes.
fn body(fields: &Fields) -> Vec<u8> {
    let map: Map<String, Value> = fields
        .iter()
        .filter(|(k, v)| k != "csrf" && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    serde_json::to_vec(&map).expect("a map serializes")
}

async fn run(s: AppState, id: String, viewer: Viewer, fields: Fields, act: Act) -> Response {
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    let session = match viewer.check_csrf(csrf) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let Ok(service) = ServiceId::parse(&id) else {
        return super::not_found_page(&format!("/services/{id}"));
    };
    let person = match &session.principal {
        Principal::Person(p) => p.clone(),
        Principal::Admin => {
            let e = ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the admin does not vote: sign in with a person's token",
            );
            return service::render(&s, &service, &viewer, None, Some(e)).await;
        }
    };
    let (act_name, gate_id) = match &act {
        Act::Ask(g) => ("ask", g.clone()),
        Act::Vote(g) => ("vote", g.clone()),
        Act::Withdraw(g, _) => ("withdraw", g.clone()),
    };
    let outcome = match act {
        Act::Vote(gate) => match (GateId::parse(&gate), parse_json::<VoteIn>(&body(&fields))) {
            (Err(_), _) => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no gate `{gate}`"))),
            (_, Err(e)) => Err(e),
            (Ok(gate), Ok(vote)) => {
                s.baton.vote(&person, &service, &gate, vote).await.map(|_| ()).map_err(ApiError::from)
            }
        },
        Act::Ask(gate) => match GateId::parse(&gate) {
            Err(_) => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no gate `{gate}`"))),
            Ok(gate) => s.baton.ask_for_votes(&person, &service, &gate, None).await.map(|_| ()).map_err(ApiError::from),
        },
        Act::Withdraw(gate, vote) => match GateId::parse(&gate) {
            Err(_) => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no gate `{gate}`"))),
            Ok(gate) => {
                s.baton.withdraw_vote(&person, &service, &gate, &vote).await.map(|_| ()).map_err(ApiError::from)
            }
        },
    };
    let done = match act_name {
        "ask" => "votes+asked+for",
        "withdraw" => "vote+withdrawn",
        _ => "vote",
    };
    match outcome {
        // Post/redirect/get, back to the gate acted on, which confirms it: reloading does
        // not vote twice.
        Ok(()) => Redirect::to(&format!("/services/{id}?done={done}+on+{gate_id}#gate-{gate_id}")).into_response(),
        Err(e) => service::render(&s, &service, &viewer, None, Some(e)).await,
    }
}

enum Act {
    Vote(String),
    Withdraw(String, String),
    Ask(String),
}

pub async fn ask(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, id, viewer, f, Act::Ask(gate)).await
}

pub async fn vote(
    State(s): State<AppState>,
    Path((id, gate)): Path<(String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, id, viewer, f, Act::Vote(gate)).await
}

pub async fn withdraw(
    State(s): State<AppState>,
    Path((id, gate, vote)): Path<(String, String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, id, viewer, f, Act::Withdraw(gate, vote)).await
}

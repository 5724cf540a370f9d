//! `/me`: "My work", where a person lands when they sign in: what waits on them across
//! Baton (`baton_app::Baton::my_work`), most urgent first, each with its action: the
//! buttons that need no more than a click here, a link to the form for the others.

use super::layout::{self, at};
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baton_app::{MyWork, Principal};
use baton_core::raci::RoadmapWaits;
use maud::{html, Markup};

pub async fn page(State(s): State<AppState>, viewer: Viewer) -> Response {
    let Some(session) = viewer.session.as_ref() else {
        let body = html! {
            h1 { "My work" }
            p { a href="/login?next=/me" { "Sign in" } " to see what waits on you." }
        };
        return layout::page("My work", None, body).into_response();
    };
    let Principal::Person(person) = &session.principal else {
        let body = html! { h1 { "My work" } p { "The admin takes no pipeline step: sign in with a person's token." } };
        return layout::page("My work", Some(session), body).into_response();
    };
    match s.baton.my_work(person).await {
        Ok(work) => layout::page("My work", Some(session), body(&work, &session.csrf)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// One kind of work: its heading with how many, then a card each; nothing when none.
fn section(id: &str, title: &str, count: usize, cards: Markup) -> Markup {
    html! {
        @if count > 0 {
            section.work aria-labelledby=(id) {
                h2 id=(id) { (title) " (" (count) ")" }
                (cards)
            }
        }
    }
}

/// A one-button form posting to `action`.
fn button(action: &str, csrf: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { (label) }
        }
    }
}

fn body(w: &MyWork, csrf: &str) -> Markup {
    let steps = w.services.iter().map(|s| s.steps.len()).sum();
    html! {
        h1 { "My work" }
        @if w.is_empty() {
            p.empty { "Nothing waits on you right now." }
        }
        (section("work-alerts", "Alerts you answer for", w.alerts.len(), html! {
            @for a in &w.alerts {
                div.card {
                    a.name href=(super::alerts::href(a)) { (a.alert.summary) }
                    div.meta { (a.alert.service) " · " (a.alert.severity) " · opened " (at(a.alert.opened_at)) }
                    (button(&format!("{}/ack", super::alerts::href(a)), csrf, "Acknowledge"))
                }
            }
        }))
        (section("work-handovers", "Handovers to acknowledge", w.handovers.len(), html! {
            @for h in &w.handovers {
                div.card {
                    a.name href={ "/oncall/" (h.rotation) } { "From " (h.outgoing) ", shift of " (at(h.shift_start)) }
                    p { (h.note) }
                    (button(&format!("/oncall/{}/do/ack/{}", h.rotation, h.id()), csrf, "Acknowledge"))
                }
            }
        }))
        (section("work-swaps", "Swaps asked of you", w.swaps.len(), html! {
            @for sw in &w.swaps {
                div.card {
                    a.name href={ "/oncall/" (sw.rotation) "#swaps" } { (sw.requester) " asks you to take their shift of " (at(sw.requester_shift.start)) }
                    @if let Some(r) = &sw.reason { p.meta { (r) } }
                    div.meta { "Answer on the rotation's page." }
                }
            }
        }))
        (section("work-votes", "Gate votes you can give", w.votes.len(), html! {
            @for v in &w.votes {
                div.card {
                    a.name href={ "/services/" (v.service) "#gate-" (v.gate) } { (v.gate) " of " (v.service) }
                    div.meta { "for " (v.request.on_behalf_of.join(", ")) ": " (v.request.requirements.join("; ")) }
                }
            }
        }))
        (section("work-roadmap", "SLO roadmap", w.roadmap.len(), html! {
            @for r in &w.roadmap {
                div.card {
                    a.name href={ "/services/" (r.service) "#roadmap" } { (r.service) " #" (r.number) ": " (r.change) }
                    @match r.why {
                        RoadmapWaits::ToAgree => {
                            div.meta { "proposed by " (r.proposed_by) " · owner " (r.owner) " · due " (r.due) }
                            (button(&format!("/services/{}/roadmap/{}/agree", r.service, r.number), csrf, "Agree"))
                        }
                        RoadmapWaits::DueSoon => div.meta { "yours, due " (r.due) },
                    }
                }
            }
        }))
        (section("work-pipeline", "Pipeline steps that are yours", steps, html! {
            @for s in &w.services {
                div.card {
                    a.name href={ "/services/" (s.service) "#actions" } { (s.name) }
                    span.meta { " · " (s.stage.as_str()) }
                    ul { @for step in &s.steps { li { (step.what) } } }
                }
            }
        }))
    }
}

//! The pipeline board: every service by stage, with what blocks it.

use super::layout::at;
use super::PageError;
use crate::AppState;
use axum::extract::State;
use baton_app::ServiceView;
use baton_core::pipeline::Stage;
use maud::{html, Markup};

const COLUMNS: [(Stage, &str); 6] = [
    (Stage::Draft, "Not proposed"),
    (Stage::Proposed, "Kickoff: proposed"),
    (Stage::Accepted, "Kickoff: accepted"),
    (Stage::Onboarding, "Onboarding"),
    (Stage::Transition, "Transition"),
    (Stage::SreOwned, "SRE-owned"),
];

fn card(v: &ServiceView) -> Markup {
    html! {
        div.card {
            a.name href={ "/services/" (v.definition.id) } { (v.definition.name) }
            div.meta {
                "owner " (v.definition.owner_team)
                @if let Some(p) = v.record.priority() { " · " span.pill { (p) } }
                @if let Some(t) = v.record.sre_team() { " · SRE " (t) }
            }
            @if v.assurance.is_reduced() {
                div { span.pill.warn title="In production on the reduced criteria: not for customers until customer-release passes" { "reduced assurance" } }
            }
            @if let Some(b) = v.blockers.first() {
                div.blocker { (b.message) @if v.blockers.len() > 1 { " (+" (v.blockers.len() - 1) " more)" } }
            }
            @if let Some(h) = v.record.history.last() { div.meta { "since " (at(h.signed.at)) } }
        }
    }
}

pub async fn page(State(s): State<AppState>, viewer: super::session::Viewer) -> Result<Markup, PageError> {
    let services = s.baton.services().await?;
    let ended: Vec<_> = services.iter().filter(|v| v.stage.is_terminal()).collect();
    let body = html! {
        h1 { "Pipeline" }
        @if services.is_empty() {
            p.empty { "No services are defined yet. Add files under services/ in the definition repo and run " code { "baton apply DIR" } "." }
        }
        div.board {
            @for (stage, title) in COLUMNS {
                @let here: Vec<_> = services.iter().filter(|v| v.stage == stage).collect();
                section.column {
                    h2 { (title) " (" (here.len()) ")" }
                    @if here.is_empty() { div.empty { "none" } }
                    @for v in here { (card(v)) }
                }
            }
        }
        @if !ended.is_empty() {
            h2 { "Rejected or retired" }
            div.board { @for v in ended { (card(v)) } }
        }
    };
    Ok(super::layout::page("Pipeline", viewer.session.as_ref(), body))
}

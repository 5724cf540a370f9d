//! A service's SLO governance on its page: the RACI chart with each persona resolved to
//! the people who play it here, and the SLO roadmap with Agree for those the chart lets.

use super::layout::at;
use super::session::Viewer;
use super::{service, PageError};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::Principal;
use baton_core::raci::{ResolvedRaci, RoadmapItem, Source, AGREE_ROADMAP};
use baton_core::{PersonId, ServiceId};
use maud::{html, Markup};

/// The reader, when they are a person with a session: who may act, and the form token.
pub struct Reader<'a> {
    pub person: &'a PersonId,
    pub csrf: &'a str,
}

pub fn section(raci: &ResolvedRaci, roadmap: &[RoadmapItem], reader: Option<Reader>) -> Markup {
    let agrees = reader.as_ref().filter(|r| raci.acts_in(AGREE_ROADMAP, r.person));
    html! {
        h2 { "SLO responsibilities (RACI)" }
        p.meta { "R: responsible · A: accountable · C: consulted · I: informed. R and A are asked to act on SLO events, I are told." }
        div.scroll tabindex="0" { table.raci {
            thead { tr {
                th { "Step" }
                @for p in &raci.personas { th title=(p.persona) { (p.name) } }
            } }
            tbody {
                @for step in &raci.steps {
                    tr id={ "raci-" (step.id) } {
                        th scope="row" { (step.name) }
                        @for p in &raci.personas {
                            td { @if let Some(c) = step.cells.iter().find(|c| c.persona == p.persona) { (c.letters) } }
                        }
                    }
                }
            }
        } }
        h3 { "Who plays each persona here" }
        ul.personas {
            @for p in &raci.personas {
                li id={ "persona-" (p.persona) } {
                    strong { (p.name) } ": "
                    @if p.assignees.is_empty() {
                        span.warn { "nobody" }
                    } @else {
                        (p.assignees.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "))
                    }
                    " "
                    span.meta {
                        @match &p.source {
                            Source::Service => "(named by the service)",
                            Source::Default { rule } => { "(default: " (rule) ")" },
                            Source::Unmapped => "(not mapped)",
                        }
                        @if let Some(note) = &p.note { " — " (note) }
                    }
                }
            }
        }
        h3 #roadmap { "SLO roadmap" }
        @if roadmap.is_empty() {
            p.empty { "No planned SLO changes." }
        } @else {
            div.scroll tabindex="0" { table.roadmap {
                thead { tr { th { "#" } th { "Change" } th { "SLO" } th { "Owner" } th { "Due" } th { "Status" } } }
                tbody {
                    @for item in roadmap {
                        tr {
                            td { (item.number) }
                            td { (item.change) @if let Some(o) = item.objective { span.meta { " → " (o.percent()) } } }
                            td { @if let Some(slo) = &item.slo { (slo) } @else { span.meta { "new SLO" } } }
                            td { (item.owner) }
                            td { (item.due) }
                            td {
                                @match &item.agreed {
                                    Some(a) => span.ok { "agreed by " (a.by) " on " (at(a.at)) },
                                    None => {
                                        span.warn { "proposed by " (item.proposed.by) " on " (at(item.proposed.at)) }
                                        @if let Some(r) = agrees {
                                            form.inline method="post" action={ "/services/" (item.service) "/roadmap/" (item.number) "/agree" } {
                                                input type="hidden" name="csrf" value=(r.csrf);
                                                " " button type="submit" aria-label={ "Agree roadmap item " (item.number) } { "Agree" }
                                            }
                                        }
                                    },
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// Agrees roadmap item `number` of the service as the signed-in person (the chart decides
/// whether they may), then back to the roadmap.
pub async fn agree(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, u32)>,
    viewer: Viewer,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = f.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    let session = match viewer.check_csrf(csrf) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let Ok(service_id) = ServiceId::parse(&id) else { return super::not_found_page(&format!("/services/{id}")) };
    let Principal::Person(person) = &session.principal else {
        let e = baton_app::AppError::Forbidden("the admin agrees no roadmap: sign in with a person's token".into());
        return PageError::from(e).into_response();
    };
    match s.baton.agree_roadmap(&service_id, number, person).await {
        Ok(_) => Redirect::to(&format!("/services/{id}?done=roadmap+item+{number}+agreed#roadmap")).into_response(),
        Err(e) => service::render(&s, &service_id, &viewer, None, Some(ApiError::from(e))).await,
    }
}

//! A service's SLO governance on its page: the RACI chart with each persona resolved to
//! the people who play it here, and the SLO roadmap.

use super::layout::when;
use baton_core::raci::{ResolvedRaci, RoadmapItem, Source};
use maud::{html, Markup};

pub fn section(raci: &ResolvedRaci, roadmap: &[RoadmapItem]) -> Markup {
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
        h3 { "SLO roadmap" }
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
                                    Some(a) => span.ok { "agreed by " (a.by) " on " (when(a.at)) },
                                    None => span.warn { "proposed by " (item.proposed.by) " on " (when(item.proposed.at)) },
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

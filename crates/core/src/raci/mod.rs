//! SLO governance: personas, the RACI chart that assigns each step of an SLO's life to
//! them, its resolution to real people per service, who hears about SLO events, and the
//! SLO roadmap those people propose and agree.
//!
//! The chart and the personas are definitions of `policies/` (`kind: RaciChart`,
//! `kind: Personas`); without them Baton uses the seed's chart and built-in personas. A
//! service maps personas to people or teams in its definition (`personas:`); a persona it
//! leaves out falls back to the persona's default rule.

mod chart;
mod event;
mod persona;
mod resolve;
mod roadmap;
#[cfg(test)]
mod tests;

pub use chart::{
    ChartIssue, Letters, LettersError, RaciChart, RaciStep, AGREE, AGREE_ROADMAP, EXECUTE_ROADMAP, EXISTENCE,
    HANDLE_ERROR_BUDGET, MEASURE_AND_TRACK, PROPOSE, PROPOSE_ROADMAP, RECALIBRATE,
};
pub use event::{
    delivery_key, notice, personal_notice, route, watch_events, BudgetChange, Delivery, PersonalDelivery, Routing,
    SloEvent, SloEventKind, SloWatch,
};
pub use persona::{
    Assignee, Persona, PersonaRule, Personas, ENGINEERING_LEAD, ENGINEERING_MANAGER, EXECUTIVE, PRODUCT_OWNER,
    SERVICE_OWNER, SOFTWARE_ENGINEER, SRE_IC,
};
pub use resolve::{
    chart, people_of, personas, resolve, unmapped, ResolvedCell, ResolvedPersona, ResolvedRaci, ResolvedStep, Source,
};
pub use roadmap::{
    agree, propose, waiting_on, NewRoadmapItem, RoadmapError, RoadmapItem, RoadmapWaits, ROADMAP_DUE_SOON_DAYS,
};

use crate::slo::{BudgetState, ErrorBudget, Measured, SloDef};

/// The event of an SLO's budget entering `state` (at-risk or exhausted), keyed by the
/// watch `version` that saw it, so each entry into the state is told once.
/// `told_before`: the budget left (whole percent) when people were last told of this same
/// state, for a further worsening within it.
pub fn budget_event(
    slo: &SloDef,
    state: BudgetState,
    budget: Measured<ErrorBudget>,
    told_before: Option<i64>,
    version: i64,
) -> SloEvent {
    let kind = if state == BudgetState::Exhausted { SloEventKind::BudgetExhausted } else { SloEventKind::BudgetAtRisk };
    let left = match budget {
        Measured::Value(b) if b.remaining < 0.0 => format!("overspent by {:.1}%", -b.remaining * 100.0),
        Measured::Value(b) => format!("{:.1}% of the error budget left", b.remaining * 100.0),
        Measured::NoData => "no data".to_owned(),
    };
    let left = match told_before {
        Some(t) if t < 0 => format!("{left} (overspent by {}% when last told)", -t),
        Some(t) => format!("{left} ({t}% when last told)"),
        None => left,
    };
    let aspirational =
        if slo.is_aspirational() { " It is aspirational: a planning signal, nobody is paged." } else { "" };
    SloEvent {
        kind,
        subject: format!("slo/{}", slo.id),
        title: format!("SLO {} of {}: error budget {state}", slo.id, slo.service),
        text: format!(
            "The error budget of {} ({} objective) is {state}: {left}. The error-budget policy is a signal for planning, not a stop.{aspirational}",
            slo.id,
            slo.objective.percent()
        ),
        key: format!("slo/{}/budget/{state}/{version}", slo.id),
    }
}

/// The event of an apply changing an SLO's objective from `before`.
pub fn objective_event(slo: &SloDef, before: crate::slo::Objective, version: i64) -> SloEvent {
    SloEvent {
        kind: SloEventKind::ObjectiveChanged,
        subject: format!("slo/{}", slo.id),
        title: format!("SLO {} of {}: objective {} → {}", slo.id, slo.service, before.percent(), slo.objective.percent()),
        text: format!(
            "The objective of {} changed from {} to {}. Alerts, dashboards and reports judge it against the new objective from now on; windows that span the change use each objective for its part.",
            slo.id,
            before.percent(),
            slo.objective.percent()
        ),
        key: format!("slo/{}/objective/{}/{version}", slo.id, slo.objective),
    }
}

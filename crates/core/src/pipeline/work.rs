//! Which pipeline steps a person is offered on a service, and which of them wait on them.
//!
//! Not a second copy of the rules: each step the service's stage offers is put to
//! [`decide`] with plausible arguments (only the form asks for the rest). A step `decide`
//! forbids to the person is someone else's: the service page shows them no form for it.
//! One it would carry out now is waiting on them ("My work"); one refused for its
//! conditions (a checklist still open, a window not over) is offered with them.

use super::command::*;
use super::record::{ItemState, ServiceRecord, Stage};
use super::rules::{decide, Context, PipelineError, Unmet};
use crate::{Link, PersonId};

/// One step offered to the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiting {
    /// The pipeline action, as the audit log names it (`service.accept`).
    pub action: &'static str,
    /// The checklist item or environment it is about (`complete-item`, `deploy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// What to do, for people: "accept or reject it", "attest `runbooks`".
    pub what: String,
    /// What still stands in its way; empty when `decide` would carry it out now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmet: Vec<Unmet>,
}

impl Waiting {
    /// Whether it can be done now.
    pub fn ready(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Every step of the service's stage that is `person`'s to take, ready or not, in the
/// order the process takes them.
pub fn offered(ctx: &Context, record: &ServiceRecord, person: &PersonId) -> Vec<Waiting> {
    candidates(ctx, record)
        .into_iter()
        .filter_map(|(command, on, what)| {
            let unmet = match decide(ctx, record, person, &command) {
                Ok(_) => Vec::new(),
                Err(PipelineError::Refused { unmet, .. }) => unmet,
                Err(PipelineError::Forbidden(_)) => return None,
                // A placeholder argument the form would ask for: still theirs to take.
                Err(PipelineError::Invalid { .. } | PipelineError::NotFound(_)) => Vec::new(),
            };
            Some(Waiting { action: command.action(), on, what, unmet })
        })
        .collect()
}

/// The steps waiting on `person` now: those they could carry out at once, except what
/// is done when something else happened or was decided (a deployment or soak test to
/// record, a waiver, a rejection or retirement), which is never anyone's to-do.
pub fn waiting_on(ctx: &Context, record: &ServiceRecord, person: &PersonId) -> Vec<Waiting> {
    const NOT_WORK: [&str; 5] =
        ["service.deploy", "service.record-soak", "service.waive-item", "service.retire", "service.reject"];
    offered(ctx, record, person).into_iter().filter(|w| w.ready() && !NOT_WORK.contains(&w.action)).collect()
}

fn candidates(ctx: &Context, record: &ServiceRecord) -> Vec<(Command, Option<String>, String)> {
    let link = Link::parse("https://baton.invalid/evidence").expect("a valid link");
    let reason = || Reasoned { reason: "offered".to_owned() };
    let mut out: Vec<(Command, Option<String>, String)> = Vec::new();
    match record.stage {
        Stage::Draft => {
            let links = Some(link.clone());
            let propose = Propose { epic: links.clone(), questionnaire: links.clone(), service_definition: links };
            out.push((Command::Propose(propose), None, "propose it".into()));
        }
        Stage::Proposed => {
            let priority = ctx.org.pipeline_policy().priorities.first().cloned().unwrap_or_default();
            let accept = Command::Accept(Accept { priority, reason: "offered".into() });
            out.push((accept, None, "accept or reject it".into()));
            out.push((Command::Reject(reason()), None, "reject it".into()));
        }
        Stage::Accepted => {
            if let Some(team) = ctx.org.teams.values().find(|t| t.kind == crate::org::TeamKind::Sre) {
                let assign = Command::Assign(Assign { sre_team: team.id.clone(), scope: "offered".into() });
                out.push((assign, None, "assign an SRE team and record the scope".into()));
            }
        }
        Stage::Onboarding => {
            for item in ctx.org.checklist.iter().map(|def| &def.id) {
                if matches!(record.items.get(item), Some(ItemState::Done { .. })) {
                    continue;
                }
                let complete =
                    Command::CompleteItem { item: item.clone(), body: CompleteItem { evidence: link.clone() } };
                out.push((complete, Some(item.to_string()), format!("attest `{item}`")));
                let expires_at = ctx.now + jiff::SignedDuration::from_hours(24);
                let waive = WaiveItem { reason: "offered".into(), expires_at };
                out.push((
                    Command::WaiveItem { item: item.clone(), body: waive },
                    Some(item.to_string()),
                    format!("waive `{item}`"),
                ));
            }
            let soak = RecordSoak {
                started_at: ctx.now - jiff::SignedDuration::from_hours(24 * 7),
                ended_at: ctx.now,
                link: link.clone(),
                overridden: None,
                result: None,
            };
            out.push((Command::RecordSoak(soak), None, "record the soak test".into()));
            out.push((Command::EnterProduction(EnterProduction::default()), None, "enter production".into()));
        }
        Stage::Transition => {
            if record.review.is_none() {
                let review = RecordReview { slos_met: true, evidence: link.clone(), notes: None };
                out.push((Command::RecordReview(review), None, "review its SLOs and SOPs".into()));
            }
            out.push((Command::HandOver(reason()), None, "take over the pager".into()));
        }
        Stage::SreOwned | Stage::Rejected | Stage::Retired => {}
    }
    if !record.stage.is_terminal() {
        for env in SELF_SERVICE_ENVIRONMENTS {
            let deploy = Command::Deploy { environment: env.to_owned(), body: Deploy::default() };
            out.push((deploy, Some(env.to_owned()), format!("record a deployment to {env}")));
        }
        out.push((Command::Retire(reason()), None, "retire it".into()));
    }
    out
}

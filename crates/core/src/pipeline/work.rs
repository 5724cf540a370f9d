//! What in the pipeline waits on a person: the steps they could take on a service now.
//!
//! Not a second copy of the rules: each step the service's stage offers is put to
//! [`decide`] with plausible arguments, and it is the person's work exactly when `decide`
//! would carry it out for them. A step refused for its conditions (a checklist still
//! open, a window not over) is not work yet; one forbidden to them is someone else's.

use super::command::*;
use super::record::{ItemState, ServiceRecord, Stage};
use super::rules::{decide, Context};
use crate::{ItemId, Link, PersonId};

/// One step waiting on the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiting {
    /// The pipeline action, as the audit log names it (`service.accept`).
    pub action: &'static str,
    /// The checklist item, for `complete-item`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub item: Option<ItemId>,
    /// What to do, for people: "accept or reject it", "attest `runbooks`".
    pub what: String,
}

/// The steps on `record` that `decide` would carry out for `person` now, in the order
/// the process takes them.
pub fn waiting_on(ctx: &Context, record: &ServiceRecord, person: &PersonId) -> Vec<Waiting> {
    // Arguments only the form asks for: valid, so that only who and when decide.
    let link = Link::parse("https://baton.invalid/evidence").expect("a valid link");
    let reason = "what waits on them".to_owned();
    let mut candidates: Vec<(Command, Option<ItemId>, String)> = Vec::new();
    match record.stage {
        Stage::Draft => {
            let links = Some(link.clone());
            let propose = Propose { epic: links.clone(), questionnaire: links.clone(), service_definition: links };
            candidates.push((Command::Propose(propose), None, "propose it".into()));
        }
        Stage::Proposed => {
            let priority = ctx.org.pipeline_policy().priorities.first().cloned().unwrap_or_default();
            let accept = Command::Accept(Accept { priority, reason: reason.clone() });
            candidates.push((accept, None, "accept or reject it".into()));
        }
        Stage::Accepted => {
            let sre = ctx.org.teams.values().find(|t| t.kind == crate::org::TeamKind::Sre);
            if let Some(team) = sre {
                let assign = Command::Assign(Assign { sre_team: team.id.clone(), scope: reason.clone() });
                candidates.push((assign, None, "assign an SRE team and record the scope".into()));
            }
        }
        Stage::Onboarding => {
            for item in ctx.org.checklist.iter().map(|def| &def.id) {
                if matches!(record.items.get(item), Some(ItemState::Done { .. })) {
                    continue;
                }
                let body = CompleteItem { evidence: link.clone() };
                let command = Command::CompleteItem { item: item.clone(), body };
                candidates.push((command, Some(item.clone()), format!("attest `{item}`")));
            }
        }
        Stage::Transition => {
            if record.review.is_none() {
                let review = RecordReview { slos_met: true, evidence: link.clone(), notes: None };
                candidates.push((Command::RecordReview(review), None, "review its SLOs and SOPs".into()));
            }
            let hand_over = Command::HandOver(Reasoned { reason });
            candidates.push((hand_over, None, "take over the pager".into()));
        }
        Stage::SreOwned | Stage::Rejected | Stage::Retired => {}
    }
    candidates
        .into_iter()
        .filter(|(command, _, _)| decide(ctx, record, person, command).is_ok())
        .map(|(command, item, what)| Waiting { action: command.action(), item, what })
        .collect()
}

//! "My work": what waits on one person across Baton, for the page people land on when they
//! sign in. Each part is decided where its rules live: pipeline steps by
//! `core::pipeline::waiting_on` (which asks `decide`), gate votes by
//! `core::gate::vote_requests`, who answers an alert by `core::paging::responders`,
//! roadmap items by `core::raci::waiting_on`; handovers and swaps are those addressed to
//! the person.

use crate::paging::AlertView;
use crate::{AppError, Baton};
use baton_core::gate::{vote_requests, VoteRequest};
use baton_core::oncall::{ShiftNote, Swap, SwapState};
use baton_core::paging::{may_respond, Status};
use baton_core::pipeline::{waiting_on, Context, Stage, Waiting};
use baton_core::raci::{waiting_on as raci_waiting_on, RoadmapWaits};
use baton_core::{GateId, PersonId, ServiceId, Viability};
use serde::Serialize;

/// One service's steps waiting on the person.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceSteps {
    pub service: ServiceId,
    pub name: String,
    pub stage: Stage,
    pub steps: Vec<Waiting>,
}

/// A gate that needs the person's vote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteAsked {
    pub service: ServiceId,
    pub gate: GateId,
    #[serde(flatten)]
    pub request: VoteRequest,
}

/// A roadmap item waiting on the person, and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoadmapAsked {
    pub service: ServiceId,
    pub number: u32,
    pub change: String,
    pub owner: PersonId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub due: jiff::civil::Date,
    /// Who proposed it.
    pub proposed_by: PersonId,
    pub why: RoadmapWaits,
}

/// Everything waiting on one person, each list in the order it should be done.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyWork {
    pub person: PersonId,
    /// Open alerts of services they answer for, not yet acknowledged: first.
    pub alerts: Vec<AlertView>,
    /// Handovers written to them that they have not acknowledged.
    pub handovers: Vec<ShiftNote>,
    /// Swaps and covers asked of them, unanswered.
    pub swaps: Vec<Swap>,
    pub votes: Vec<VoteAsked>,
    pub services: Vec<ServiceSteps>,
    /// SLO roadmap items to agree, and their own coming due.
    pub roadmap: Vec<RoadmapAsked>,
}

impl MyWork {
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
            && self.handovers.is_empty()
            && self.swaps.is_empty()
            && self.votes.is_empty()
            && self.services.is_empty()
            && self.roadmap.is_empty()
    }
}

impl Baton {
    /// What waits on `person` now.
    pub async fn my_work(&self, person: &PersonId) -> Result<MyWork, AppError> {
        let org = self.org().await?;
        let now = self.now();
        let unknown = Viability::Unknown { reason: "not judged for the work list".into() };
        let mut services = Vec::new();
        let mut votes = Vec::new();
        let mut roadmap = Vec::new();
        for view in self.services().await? {
            let def = &view.definition;
            // Handing over consults the SLO verdict of the transition window, which
            // `services` judged; the steps that do not, never read it.
            let viability = view.viability.as_ref().unwrap_or(&unknown);
            let ctx = Context { org: &org, service: def, now, viability, soak: None };
            let steps = waiting_on(&ctx, &view.record, person);
            if !steps.is_empty() {
                services.push(ServiceSteps {
                    service: def.id.clone(),
                    name: def.name.clone(),
                    stage: view.stage,
                    steps,
                });
            }
            let items = self.roadmap(&def.id).await?;
            if !items.is_empty() {
                let raci = self.resolved(&org, def).await?;
                let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
                roadmap.extend(raci_waiting_on(&raci, &items, person, today).into_iter().map(|(i, why)| {
                    RoadmapAsked {
                        service: i.service.clone(),
                        number: i.number,
                        change: i.change.clone(),
                        owner: i.owner.clone(),
                        due: i.due,
                        proposed_by: i.proposed.by.clone(),
                        why,
                    }
                }));
            }
            if view.stage.is_terminal() || org.gates.is_empty() {
                continue;
            }
            for verdict in self.gate_verdicts(&def.id).await? {
                for request in vote_requests(&org, &verdict).into_iter().filter(|r| &r.person == person) {
                    votes.push(VoteAsked { service: def.id.clone(), gate: verdict.gate.clone(), request });
                }
            }
        }
        let mut handovers = Vec::new();
        let mut swaps = Vec::new();
        for rotation in org.rotations.keys() {
            let notes = self.shift_notes(rotation, true).await?;
            handovers.extend(notes.into_iter().filter(|n| &n.incoming == person && n.acknowledged.is_none()));
            let asked = self.swaps(rotation).await?;
            swaps.extend(asked.into_iter().filter(|s| &s.with == person && s.state == SwapState::Requested));
        }
        handovers.sort_by_key(|n| n.shift_start);
        let mut alerts = Vec::new();
        let open = self.alerts(&crate::paging::AlertQuery { open: Some(true), ..Default::default() }).await?;
        for a in open.alerts.into_iter().filter(|a| a.alert.status == Status::Triggered) {
            let teams = self.responder_teams(&org, &a.alert).await?;
            if may_respond(&org, &a.alert.service, &teams, person).is_ok() {
                alerts.push(a);
            }
        }
        Ok(MyWork { person: person.clone(), alerts, handovers, swaps, votes, services, roadmap })
    }
}

impl Baton {
    /// The pipeline steps of `view`'s service that are `person`'s to take (ready or not):
    /// the forms the service page shows them (`core::pipeline::offered`).
    pub async fn offered_steps(&self, view: &crate::ServiceView, person: &PersonId) -> Result<Vec<Waiting>, AppError> {
        let org = self.org().await?;
        let unknown = Viability::Unknown { reason: "not judged for the forms".into() };
        let viability = view.viability.as_ref().unwrap_or(&unknown);
        let ctx = Context { org: &org, service: &view.definition, now: self.now(), viability, soak: None };
        Ok(baton_core::pipeline::offered(&ctx, &view.record, person))
    }
}

//! The SLO roadmap: planned changes to a service's SLOs, each with an owner and a date,
//! proposed and agreed by the personas the RACI chart makes Responsible or Accountable for
//! the `propose-roadmap` and `agree-roadmap` steps.

use super::chart::{AGREE_ROADMAP, PROPOSE_ROADMAP};
use super::event::{SloEvent, SloEventKind};
use super::resolve::ResolvedRaci;
use crate::org::{Org, ServiceDef};
use crate::pipeline::Signed;
use crate::slo::Objective;
use crate::{PersonId, ServiceId, SloId, Timestamp};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// One planned change, as stored (record kind `slo-roadmap`, id `<service>/<number>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoadmapItem {
    pub service: ServiceId,
    /// 1, 2, 3... per service, in the order proposed.
    pub number: u32,
    /// The SLO the change is about; none for an SLO still to be written.
    pub slo: Option<SloId>,
    /// What changes, for people: "raise availability to 99.95%".
    pub change: String,
    /// The objective the change aims for, when it is about one.
    pub objective: Option<Objective>,
    /// Who sees it through.
    pub owner: PersonId,
    /// When it is planned to be done.
    pub due: Date,
    pub proposed: Signed,
    pub agreed: Option<Signed>,
}

/// A roadmap item as proposed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoadmapItem {
    #[serde(default)]
    pub slo: Option<SloId>,
    pub change: String,
    #[serde(default)]
    pub objective: Option<Objective>,
    pub owner: PersonId,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoadmapError {
    /// The chart does not make the caller Responsible or Accountable for the step.
    #[error("{actor} may not {verb} roadmap items of {service}: the RACI chart's step `{step}` makes Responsible or Accountable {}", if acting.is_empty() { "nobody (the chart has no such step)".to_owned() } else { acting.join("; ") })]
    NotAllowed { actor: PersonId, verb: &'static str, service: ServiceId, step: &'static str, acting: Vec<String> },
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
}

fn invalid(field: &'static str, message: impl Into<String>) -> RoadmapError {
    RoadmapError::Invalid { field, message: message.into() }
}

fn allowed(raci: &ResolvedRaci, step: &'static str, verb: &'static str, actor: &PersonId) -> Result<(), RoadmapError> {
    if raci.acts_in(step, actor) {
        return Ok(());
    }
    Err(RoadmapError::NotAllowed {
        actor: actor.clone(),
        verb,
        service: raci.service.clone(),
        step,
        acting: raci.acting(step),
    })
}

/// Item `number` of `service`'s roadmap, proposed by `actor` at `now`, if the chart lets
/// them and the item makes sense: its SLO is one of the service's, its owner a person of
/// the organisation, its date not in the past, its change said in words.
pub fn propose(
    org: &Org,
    service: &ServiceDef,
    raci: &ResolvedRaci,
    number: u32,
    actor: &PersonId,
    item: NewRoadmapItem,
    now: Timestamp,
) -> Result<RoadmapItem, RoadmapError> {
    allowed(raci, PROPOSE_ROADMAP, "propose", actor)?;
    let change = item.change.trim().to_owned();
    if change.is_empty() {
        return Err(invalid("change", "say what changes, like \"raise availability to 99.95%\""));
    }
    if let Some(slo) = &item.slo {
        match org.slos.get(slo) {
            Some(d) if d.service == service.id => {}
            Some(d) => {
                return Err(invalid(
                    "slo",
                    format!("SLO `{slo}` belongs to service `{}`, not `{}`", d.service, service.id),
                ))
            }
            None => {
                return Err(invalid(
                    "slo",
                    format!("no SLO `{slo}` is defined; leave `slo` out for an SLO still to be written"),
                ))
            }
        }
    }
    if !org.people.contains_key(&item.owner) {
        return Err(invalid("owner", format!("`{}` is not a person of the organisation", item.owner)));
    }
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    if item.due < today {
        return Err(invalid("due", format!("{} is in the past (today is {today} UTC)", item.due)));
    }
    Ok(RoadmapItem {
        service: service.id.clone(),
        number,
        slo: item.slo,
        change,
        objective: item.objective,
        owner: item.owner,
        due: item.due,
        proposed: Signed { by: actor.clone(), at: now },
        agreed: None,
    })
}

/// `item` agreed by `actor` at `now`, if the chart lets them; `None` when it was agreed
/// already (agreeing again changes nothing).
pub fn agree(
    raci: &ResolvedRaci,
    item: &RoadmapItem,
    actor: &PersonId,
    now: Timestamp,
) -> Result<Option<RoadmapItem>, RoadmapError> {
    allowed(raci, AGREE_ROADMAP, "agree", actor)?;
    if item.agreed.is_some() {
        return Ok(None);
    }
    Ok(Some(RoadmapItem { agreed: Some(Signed { by: actor.clone(), at: now }), ..item.clone() }))
}

/// How many days ahead an agreed item's owner is reminded of it.
pub const ROADMAP_DUE_SOON_DAYS: i64 = 14;

/// Why a roadmap item waits on someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RoadmapWaits {
    /// Proposed, and the chart lets them agree it.
    ToAgree,
    /// Agreed, theirs, and due within [`ROADMAP_DUE_SOON_DAYS`].
    DueSoon,
}

/// The items of one service's roadmap that wait on `person` on `today` (UTC): proposals
/// the RACI chart lets them agree, then agreed items they own that fall due within
/// [`ROADMAP_DUE_SOON_DAYS`], soonest first. An item past its date is not listed: the
/// roadmap has no "done", so it would stay forever.
pub fn waiting_on<'a>(
    raci: &ResolvedRaci,
    items: &'a [RoadmapItem],
    person: &PersonId,
    today: Date,
) -> Vec<(&'a RoadmapItem, RoadmapWaits)> {
    let may_agree = raci.acts_in(AGREE_ROADMAP, person);
    let mut out: Vec<(&RoadmapItem, RoadmapWaits)> =
        items.iter().filter(|i| may_agree && i.agreed.is_none()).map(|i| (i, RoadmapWaits::ToAgree)).collect();
    let soon = today.checked_add(jiff::Span::new().days(ROADMAP_DUE_SOON_DAYS)).unwrap_or(today);
    let mut due: Vec<&RoadmapItem> =
        items.iter().filter(|i| i.agreed.is_some() && &i.owner == person && i.due >= today && i.due <= soon).collect();
    due.sort_by_key(|i| i.due);
    out.extend(due.into_iter().map(|i| (i, RoadmapWaits::DueSoon)));
    out
}

impl RoadmapItem {
    /// `streamhub/3`: the record id, and what the API calls it under the service.
    pub fn key(&self) -> String {
        format!("{}/{}", self.service, self.number)
    }

    fn what(&self) -> String {
        let slo = self.slo.as_ref().map_or_else(|| "a new SLO".to_owned(), |s| format!("SLO {s}"));
        let target = self.objective.map(|o| format!(", objective {}", o.percent())).unwrap_or_default();
        format!("{} ({slo}{target}), owned by {}, due {}", self.change, self.owner, self.due)
    }

    /// The event of its proposal: those who agree roadmaps are asked to.
    pub fn proposed_event(&self) -> SloEvent {
        SloEvent {
            kind: SloEventKind::RoadmapProposed,
            subject: format!("roadmap/{}", self.key()),
            title: format!("SLO roadmap of {}: #{} proposed", self.service, self.number),
            text: format!("{} proposed: {}.", self.proposed.by, self.what()),
            key: format!("roadmap/{}/proposed", self.key()),
        }
    }

    /// The event of its agreement: those who execute roadmaps are asked to.
    pub fn agreed_event(&self) -> Option<SloEvent> {
        let agreed = self.agreed.as_ref()?;
        Some(SloEvent {
            kind: SloEventKind::RoadmapAgreed,
            subject: format!("roadmap/{}", self.key()),
            title: format!("SLO roadmap of {}: #{} agreed", self.service, self.number),
            text: format!("{} agreed: {}.", agreed.by, self.what()),
            key: format!("roadmap/{}/agreed", self.key()),
        })
    }
}

//! The handover digest: what happened during a shift, gathered for the shift note to start
//! from — alerts that paged this rotation (opened, acknowledged, still open), incidents
//! from the on-call log, runbooks still to write, corrections and waivers that end
//! during the incoming shift, and error budgets that changed state. The outgoing engineer edits the prefilled note and sends it;
//! nothing here is written anywhere.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

use super::log::{LogEntry, LogKind};
use super::runbook::RunbookTodo;
use super::shift_note::{MAX_HANDOVER_ITEM, MAX_HANDOVER_ITEMS};
use super::RotationId;
use crate::paging::{Alert, EscalationPolicy, PolicyId, Status, Target};
use crate::pipeline::ServiceRecord;
use crate::raci::BudgetChange;
use crate::slo::BudgetState;
use crate::{Org, ServiceId, SloId, TeamId};

/// Something that stops holding during the incoming shift (an SLO correction, a checklist
/// waiver), as it should read in the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ending {
    pub what: String,
    pub ends: Timestamp,
}

/// What the digest is made from; the caller reads it, [`digest`] decides what counts.
pub struct DigestInputs<'a> {
    pub rotation: &'a RotationId,
    /// The shift handed over, `[start, end)`.
    pub shift: (Timestamp, Timestamp),
    /// The end of the incoming shift: what ends before it is worth a line.
    pub next_end: Timestamp,
    /// Recent alerts of any service: those whose policy pages this rotation count.
    pub alerts: &'a [Alert],
    pub policies: &'a BTreeMap<PolicyId, EscalationPolicy>,
    pub log: &'a [LogEntry],
    pub todos: &'a [RunbookTodo],
    pub ending: Vec<Ending>,
    /// The last change of state of the error budget of each SLO of the services the
    /// rotation's team serves: those during the shift count.
    pub budgets: Vec<(SloId, BudgetChange)>,
}

/// An SLO's error budget that changed state during the shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestBudget {
    pub slo: SloId,
    /// `healthy`, `at-risk`, `exhausted` or `no-data`; absent at the first evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub from: Option<BudgetState>,
    pub to: BudgetState,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestAlert {
    pub service: String,
    pub dedup_key: String,
    pub summary: String,
    pub opened_at: Timestamp,
    /// `triggered`, `acknowledged` or `resolved`, as it stands.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestIncident {
    /// Its number in the on-call log.
    pub seq: u64,
    pub text: String,
    pub closed: bool,
}

/// The digest of one shift, and the note it prefills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftDigest {
    pub rotation: RotationId,
    pub shift_start: Timestamp,
    pub shift_end: Timestamp,
    /// Alerts that paged this rotation and opened during the shift.
    pub opened: Vec<DigestAlert>,
    /// Alerts of this rotation acknowledged during the shift.
    pub acknowledged: Vec<DigestAlert>,
    /// Alerts of this rotation not resolved.
    pub still_open: Vec<DigestAlert>,
    /// Incidents logged during the shift, and older ones still open.
    pub incidents: Vec<DigestIncident>,
    pub runbooks_to_write: Vec<String>,
    /// Corrections and waivers that end during the incoming shift.
    pub ending_next_shift: Vec<Ending>,
    /// Error budgets that changed state during the shift.
    pub budget_changes: Vec<DigestBudget>,
    /// The note, prefilled: what the outgoing engineer starts from.
    pub note: String,
    pub open_items: Vec<String>,
    pub ongoing_incidents: Vec<String>,
}

/// Whether `team` owns `service` or holds its pager (its assigned SRE team): whose
/// corrections and waivers a handover of the team's rotation mentions.
pub fn team_serves(org: &Org, service: &ServiceId, record: Option<&ServiceRecord>, team: &TeamId) -> bool {
    org.services.get(service).is_some_and(|s| &s.owner_team == team)
        || record.and_then(|r| r.assignment.as_ref()).is_some_and(|a| &a.sre_team == team)
}

fn pages(policy: Option<&EscalationPolicy>, rotation: &RotationId) -> bool {
    policy.is_some_and(|p| p.steps.iter().any(|s| s.targets.contains(&Target::Rotation(rotation.clone()))))
}

fn line(a: &Alert) -> DigestAlert {
    let status = match a.status {
        Status::Triggered => "triggered",
        Status::Acknowledged => "acknowledged",
        Status::Resolved => "resolved",
    };
    DigestAlert {
        service: a.service.to_string(),
        dedup_key: a.dedup_key.clone(),
        summary: a.summary.clone(),
        opened_at: a.opened_at,
        status: status.into(),
    }
}

/// One line of the note, bounded as the note's items are.
fn item(text: String) -> String {
    match text.char_indices().nth(MAX_HANDOVER_ITEM - 1) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

pub fn digest(inputs: DigestInputs<'_>) -> ShiftDigest {
    let (start, end) = inputs.shift;
    let during = |t: Timestamp| start <= t && t < end;
    let ours: Vec<&Alert> =
        inputs.alerts.iter().filter(|a| pages(inputs.policies.get(&a.policy), inputs.rotation)).collect();
    let opened: Vec<DigestAlert> = ours.iter().filter(|a| during(a.opened_at)).map(|a| line(a)).collect();
    let acknowledged: Vec<DigestAlert> =
        ours.iter().filter(|a| a.acknowledged.as_ref().is_some_and(|s| during(s.at))).map(|a| line(a)).collect();
    let still_open: Vec<DigestAlert> =
        ours.iter().filter(|a| a.status != Status::Resolved && a.opened_at < end).map(|a| line(a)).collect();
    let incidents: Vec<DigestIncident> = inputs
        .log
        .iter()
        .filter(|e| e.kind == LogKind::Incident && e.at < end && (during(e.at) || !e.incident_closed))
        .map(|e| DigestIncident { seq: e.seq, text: e.text.clone(), closed: e.incident_closed })
        .collect();
    let runbooks_to_write: Vec<String> = inputs.todos.iter().filter(|t| t.is_open()).map(|t| t.what.clone()).collect();
    let ending_next_shift: Vec<Ending> =
        inputs.ending.into_iter().filter(|e| end <= e.ends && e.ends < inputs.next_end).collect();

    let mut budget_changes: Vec<DigestBudget> = inputs
        .budgets
        .into_iter()
        .filter(|(_, c)| during(c.at))
        .map(|(slo, c)| DigestBudget { slo, from: c.from, to: c.to, at: c.at })
        .collect();
    budget_changes.sort_by(|a, b| (a.at, &a.slo).cmp(&(b.at, &b.slo)));

    let open_incidents = incidents.iter().filter(|i| !i.closed).count();
    let budgets = match budget_changes.len() {
        0 => String::new(),
        1 => "; 1 error budget changed state".to_owned(),
        n => format!("; {n} error budgets changed state"),
    };
    let note = format!(
        "During this shift: {} alert{} opened, {} acknowledged, {} still open; {} incident{} logged or ongoing ({} still open){budgets}.",
        opened.len(),
        if opened.len() == 1 { "" } else { "s" },
        acknowledged.len(),
        still_open.len(),
        incidents.len(),
        if incidents.len() == 1 { "" } else { "s" },
        open_incidents,
    );
    let budget_lines = budget_changes.iter().map(|b| {
        let from = b.from.map_or_else(|| "first evaluated".to_owned(), |f| f.to_string());
        format!("SLO {} error budget: {from} → {} at {}", b.slo, b.to, b.at)
    });
    let open_items: Vec<String> = still_open
        .iter()
        .map(|a| format!("alert {}/{} ({}): {}", a.service, a.dedup_key, a.status, a.summary))
        .chain(budget_lines)
        .chain(runbooks_to_write.iter().map(|w| format!("runbook to write: {w}")))
        .chain(ending_next_shift.iter().map(|e| format!("{} ends {}", e.what, e.ends)))
        .map(item)
        .take(MAX_HANDOVER_ITEMS)
        .collect();
    let ongoing_incidents: Vec<String> = incidents
        .iter()
        .filter(|i| !i.closed)
        .map(|i| item(format!("log #{}: {}", i.seq, i.text)))
        .take(MAX_HANDOVER_ITEMS)
        .collect();
    ShiftDigest {
        rotation: inputs.rotation.clone(),
        shift_start: start,
        shift_end: end,
        opened,
        acknowledged,
        still_open,
        incidents,
        runbooks_to_write,
        ending_next_shift,
        budget_changes,
        note,
        open_items,
        ongoing_incidents,
    }
}

//! Shift notes (the API and CLI say "handovers") between shifts: the outgoing engineer writes the note, the incoming one
//! acknowledges it, and the engine reminds the incoming engineer once if they have not,
//! a delay after the shift change (`handover_reminder_after`, 1 hour by default).
//!
//! Record `handover` `<rotation>/<shift start, RFC 3339>`: a [`ShiftNote`], due for its
//! reminder until it is acknowledged or reminded about.

use super::log::work;
use crate::decision::{audit, record_write, Subject};
use crate::outbox::{messages, team_channels};
use crate::{AppError, Baton};
use baton_core::oncall::{
    digest, note_to_write, reminder_delay, team_serves, DigestInputs, Ending, Held, NewShiftNote, RotationId,
    ShiftDigest, ShiftNote,
};
use baton_core::paging::Alert;
use baton_core::pipeline::ItemState;
use baton_core::raci::{BudgetChange, SloWatch};
use baton_core::slo::Recurrence;
use baton_core::{Org, PersonId, ServiceId, SloId, TeamId, Timestamp};
use baton_store::{from_json, AlertListQuery, Commit, StoreError, StoredRecord};
use jiff::SignedDuration;

pub const SHIFT_NOTE_KIND: &str = "handover";
/// The most handovers one list returns.
pub const MAX_SHIFT_NOTES: usize = 200;

fn record_id(rotation: &RotationId, shift_start: Timestamp) -> String {
    format!("{rotation}/{shift_start}")
}

impl Baton {
    /// The outgoing engineer hands over: the shift is theirs under way (ending at the next
    /// shift change), or theirs that just ended while the next one is under way; the incoming
    /// engineer is whoever holds the shift after it. One handover per shift.
    pub async fn write_shift_note(
        &self,
        rotation: &RotationId,
        by: &PersonId,
        new: NewShiftNote,
    ) -> Result<ShiftNote, AppError> {
        let (_, def) = self.rotation_for_work(rotation).await?;
        let now = self.now();
        let current = self.holder_at(rotation, now).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "nobody is on call for rotation `{rotation}` yet: there is no shift to hand over"
            ))
        })?;
        let previous = match current.start.checked_sub(SignedDuration::from_secs(1)) {
            Ok(t) => self.holder_at(rotation, t).await?,
            Err(_) => None,
        };
        let next = self.next(rotation, Some(now)).await?.person.id;
        let held = |v: &crate::OnCallView| Held {
            person: v.person.id.clone(),
            name: v.person.name.clone(),
            start: v.start,
            end: v.end,
        };
        let (shift, incoming) =
            note_to_write(rotation, by, &held(&current), previous.as_ref().map(held).as_ref(), &next).map_err(work)?;
        let id = record_id(rotation, shift.0);
        if let Some(existing) = self.store.record(SHIFT_NOTE_KIND, &id).await? {
            let h: ShiftNote = from_json("handover", &existing.body)?;
            return Err(AppError::Store(StoreError::Conflict(format!(
                "the handover of the shift starting {} was written already, by {} at {}",
                h.shift_start, h.outgoing, h.written_at
            ))));
        }
        let handover = ShiftNote::write(rotation.clone(), shift, by.clone(), incoming, new, now).map_err(work)?;
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(
                SHIFT_NOTE_KIND,
                id,
                0,
                &handover,
                Some(handover.reminder_due(reminder_delay(&def))),
            )?],
            audit: vec![audit(by, "oncall.handover", Subject::Rotation(rotation), &handover)?],
            notifications: vec![],
        };
        self.store.commit(&commit, now).await?;
        Ok(handover)
    }

    /// The incoming engineer acknowledges handover `id` (its shift's start): the checkbox.
    /// Acknowledging it again changes nothing.
    pub async fn acknowledge_shift_note(
        &self,
        rotation: &RotationId,
        id: &str,
        by: &PersonId,
    ) -> Result<ShiftNote, AppError> {
        let (org, _) = self.rotation_for_work(rotation).await?;
        let missing = || AppError::NotFound(format!("rotation `{rotation}` has no handover `{id}`"));
        let start: Timestamp = id.parse().map_err(|_| missing())?;
        let stored = self.store.record(SHIFT_NOTE_KIND, &record_id(rotation, start)).await?.ok_or_else(missing)?;
        let mut handover: ShiftNote = from_json("handover", &stored.body)?;
        let now = self.now();
        if !handover.acknowledge(&org, by, now).map_err(work)? {
            return Ok(handover);
        }
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(SHIFT_NOTE_KIND, stored.id, stored.version, &handover, None)?],
            audit: vec![audit(by, "oncall.handover-ack", Subject::Rotation(rotation), &handover)?],
            notifications: vec![],
        };
        self.store.commit(&commit, now).await?;
        Ok(handover)
    }

    /// The rotation's handovers, newest first, at most [`MAX_SHIFT_NOTES`]: only the
    /// unacknowledged ones with `open_only`.
    pub async fn shift_notes(&self, rotation: &RotationId, open_only: bool) -> Result<Vec<ShiftNote>, AppError> {
        self.rotation_for_work(rotation).await?;
        let mut out = Vec::new();
        for r in self.store.records(SHIFT_NOTE_KIND, &format!("{rotation}/")).await? {
            let h: ShiftNote = from_json("handover", &r.body)?;
            if h.is_open() || !open_only {
                out.push(h);
            }
        }
        out.sort_by_key(|h| std::cmp::Reverse(h.shift_start));
        out.truncate(MAX_SHIFT_NOTES);
        Ok(out)
    }

    /// The engine's arm for a due `handover`: still unacknowledged, the incoming engineer
    /// is reminded through the team's channels and by their own rules, once; either way it
    /// is no longer due.
    pub(crate) async fn remind_shift_note(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let mut handover: ShiftNote = from_json("handover", &record.body)?;
        let mut commit = Commit::default();
        let org = self.org().await?;
        // A rotation removed since, or a handover already settled, needs no reminder.
        if let (true, Some(def)) =
            (handover.is_open() && handover.reminded_at.is_none(), org.rotations.get(&handover.rotation))
        {
            handover.reminded_at = Some(now);
            let notice = handover.reminder(&org, &def.name);
            let channels = team_channels(&org, &def.team);
            let key = format!("handover-reminder/{}/{}", handover.rotation, handover.id());
            commit.notifications = messages(&notice, &channels, &key, now)?;
            let personal = self.to_people(&org, &notice.to, &notice, &key, now).await?;
            let details = serde_json::json!({
                "handover": handover.id(),
                "incoming": handover.incoming,
                "channels": channels.len(),
                "personal": personal.len(),
            });
            commit.notifications.extend(personal);
            commit.audit.push(audit(
                "system:engine",
                "oncall.handover-reminded",
                Subject::Rotation(&handover.rotation),
                &details,
            )?);
        }
        commit.records.push(record_write(SHIFT_NOTE_KIND, record.id.clone(), record.version, &handover, None)?);
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(())
    }
}

impl Baton {
    /// What happened during the shift being handed over (the current one), and the note it
    /// prefills: alerts that paged this rotation, incidents, runbooks to write, and the
    /// corrections and waivers of the team's services that end during the incoming shift.
    pub async fn shift_digest(&self, rotation: &RotationId) -> Result<ShiftDigest, AppError> {
        let (org, def) = self.rotation_for_work(rotation).await?;
        let now = self.now();
        let current = self.holder_at(rotation, now).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "nobody is on call for rotation `{rotation}` yet: there is no shift to hand over"
            ))
        })?;
        let incoming = self.next(rotation, Some(now)).await?;
        // Every open alert, and the most recent of all (those resolved during the shift);
        // an open one in both lists is read once.
        let (mut alerts, mut seen) = (Vec::new(), std::collections::BTreeSet::new());
        for open_only in [true, false] {
            let query = AlertListQuery { service: None, open_only, after: None, limit: DIGEST_ALERTS };
            for stored in self.store.list_alerts(&query).await? {
                if seen.insert(stored.id.clone()) {
                    alerts.push(from_json::<Alert>("alert", &stored.body)?);
                }
            }
        }
        let log = self.oncall_log(rotation, None, Some(DIGEST_LOG_ENTRIES)).await?.entries;
        let todos = self.runbook_todos(rotation, true).await?;
        let ending = self.ending_for_team(&org, &def.team).await?;
        let budgets = self.budget_changes_for_team(&org, &def.team).await?;
        Ok(digest(DigestInputs {
            rotation,
            shift: (current.start, current.end),
            next_end: incoming.end,
            alerts: &alerts,
            policies: &org.escalations,
            log: &log,
            todos: &todos,
            ending,
            budgets,
        }))
    }

    /// The last change of state of the error budget of every SLO of the services `team`
    /// owns or holds the pager for, as the engine's watch saw it.
    async fn budget_changes_for_team(&self, org: &Org, team: &TeamId) -> Result<Vec<(SloId, BudgetChange)>, AppError> {
        let records = self.store.service_records().await?;
        let mut out = Vec::new();
        for watch in self.store.records(crate::raci::SLO_WATCH_KIND, "").await? {
            let Some(slo) = SloId::parse(&watch.id).ok().and_then(|id| org.slos.get(&id)) else { continue };
            let record = records.iter().find(|(id, _)| id == &slo.service).map(|(_, r)| &r.value);
            if !team_serves(org, &slo.service, record, team) {
                continue;
            }
            let seen: SloWatch = from_json(&format!("{} {}", crate::raci::SLO_WATCH_KIND, watch.id), &watch.body)?;
            out.extend(seen.changed.map(|c| (slo.id.clone(), c)));
        }
        Ok(out)
    }

    /// SLO corrections and checklist waivers of the services `team` owns or holds the
    /// pager for, with when each ends.
    async fn ending_for_team(&self, org: &Org, team: &TeamId) -> Result<Vec<Ending>, AppError> {
        let records = self.store.service_records().await?;
        let ours = |service: &ServiceId| {
            let record = records.iter().find(|(id, _)| id == service).map(|(_, r)| &r.value);
            team_serves(org, service, record, team)
        };
        let mut ending = Vec::new();
        for (service, record) in records.iter().filter(|(id, _)| ours(id)) {
            for (item, state) in &record.value.items {
                if let ItemState::Waived { expires_at, .. } = state {
                    ending.push(Ending { what: format!("the waiver of {service}'s `{item}`"), ends: *expires_at });
                }
            }
        }
        for slo in org.slos.values().filter(|s| ours(&s.service)) {
            for c in self.slo_corrections(&slo.id).await? {
                let ends = match c.recurrence {
                    Recurrence::Once => Some(c.end),
                    _ => c.until,
                };
                if let (Some(ends), None) = (ends, &c.cancelled) {
                    ending.push(Ending { what: format!("the correction of {} ({})", slo.id, c.reason), ends });
                }
            }
        }
        Ok(ending)
    }
}

/// The most recent alerts, open and all, a digest looks through.
const DIGEST_ALERTS: i64 = 500;
/// The most recent on-call log entries a digest looks through.
const DIGEST_LOG_ENTRIES: usize = 200;

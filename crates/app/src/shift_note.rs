//! Shift notes (the API and CLI say "handovers") between shifts: the outgoing engineer writes the note, the incoming one
//! acknowledges it, and the engine reminds the incoming engineer once if they have not,
//! a delay after the shift change (`handover_reminder_after`, 1 hour by default).
//!
//! Record `handover` `<rotation>/<shift start, RFC 3339>`: a [`ShiftNote`], due for its
//! reminder until it is acknowledged or reminded about.

use crate::oncall_log::{audit, work};
use crate::outbox::{messages, team_channels};
use crate::{AppError, Baton};
use baton_core::oncall::{reminder_delay, NewShiftNote, RotationId, ShiftNote, WorkError};
use baton_core::{PersonId, Timestamp};
use baton_store::{from_json, to_json, Commit, RecordWrite, StoreError, StoredRecord};
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
        let (shift, incoming) = if current.person.id == *by {
            let next = self.next(rotation, Some(now)).await?;
            ((current.start, current.end), next.person.id)
        } else if let Some(prev) = previous.filter(|p| p.person.id == *by) {
            ((prev.start, prev.end), current.person.id.clone())
        } else {
            return Err(work(WorkError::Forbidden(format!(
                "only the outgoing on-call engineer may write the handover of rotation `{rotation}`: {} ({}), on call \
                 until {}, or whoever held the shift that ended at {}",
                current.person.name, current.person.id, current.end, current.start
            ))));
        };
        if incoming == *by {
            return Err(AppError::Store(StoreError::Conflict(format!(
                "{by} also holds the next shift of rotation `{rotation}`: there is nobody to hand over to"
            ))));
        }
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
            records: vec![RecordWrite {
                kind: SHIFT_NOTE_KIND.into(),
                id,
                expected_version: 0,
                body: to_json(&handover)?,
                due_at: Some(handover.reminder_due(reminder_delay(&def))),
            }],
            audit: vec![audit(by.as_str(), "oncall.handover", rotation, &handover)?],
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
            records: vec![RecordWrite {
                kind: SHIFT_NOTE_KIND.into(),
                id: stored.id,
                expected_version: stored.version,
                body: to_json(&handover)?,
                // Acknowledged: nothing to remind anyone of.
                due_at: None,
            }],
            audit: vec![audit(by.as_str(), "oncall.handover-ack", rotation, &handover)?],
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
    /// is reminded through the team's channels, once; either way it is no longer due.
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
            let details = serde_json::json!({
                "handover": handover.id(),
                "incoming": handover.incoming,
                "channels": channels.len(),
            });
            commit.audit.push(audit("system:engine", "oncall.handover-reminded", &handover.rotation, &details)?);
        }
        commit.records.push(RecordWrite {
            kind: SHIFT_NOTE_KIND.into(),
            id: record.id.clone(),
            expected_version: record.version,
            body: to_json(&handover)?,
            due_at: None,
        });
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(())
    }
}

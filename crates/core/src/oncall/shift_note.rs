//! The shift note (on-call people say "the handover") at the end of a shift: the outgoing engineer writes what is still open and
//! which incidents are ongoing; the incoming engineer acknowledges it — the process's
//! "move the checkbox". Left unacknowledged, the incoming engineer is reminded once, a
//! delay after the shift change.

use super::work::{check_incoming, text, WorkError};
use super::RotationId;
use crate::local_time::local;
use crate::notice::{Notice, NoticeKind};
use crate::org::RotationDef;
use crate::pipeline::Signed;
use crate::{Org, Period, PersonId, Timestamp};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// How long after the shift change an unacknowledged handover is reminded about, when the
/// rotation does not say (`handover_reminder_after`).
pub const DEFAULT_SHIFT_NOTE_REMINDER: Period = Period::hours(1);
pub const MAX_HANDOVER_NOTE: usize = 4000;
pub const MAX_HANDOVER_ITEMS: usize = 50;
pub const MAX_HANDOVER_ITEM: usize = 1000;

/// The reminder delay of a rotation.
pub fn reminder_delay(def: &RotationDef) -> SignedDuration {
    def.handover_reminder_after.unwrap_or(DEFAULT_SHIFT_NOTE_REMINDER).duration()
}

/// A handover as the outgoing engineer writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewShiftNote {
    pub note: String,
    pub open_items: Vec<String>,
    pub ongoing_incidents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftNote {
    pub rotation: RotationId,
    /// The start of the shift handed over; with the rotation, it names the handover.
    pub shift_start: Timestamp,
    /// The shift change: the end of the shift handed over.
    pub shift_end: Timestamp,
    pub outgoing: PersonId,
    pub incoming: PersonId,
    pub note: String,
    #[serde(default)]
    pub open_items: Vec<String>,
    #[serde(default)]
    pub ongoing_incidents: Vec<String>,
    pub written_at: Timestamp,
    /// The checkbox: set by the incoming engineer.
    #[serde(default)]
    pub acknowledged: Option<Signed>,
    /// When the incoming engineer was reminded, if they were.
    #[serde(default)]
    pub reminded_at: Option<Timestamp>,
}

fn items(field: &str, values: Vec<String>) -> Result<Vec<String>, WorkError> {
    if values.len() > MAX_HANDOVER_ITEMS {
        return Err(WorkError::invalid(field, format!("{} items; at most {MAX_HANDOVER_ITEMS}", values.len())));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| text(&format!("{field}[{i}]"), v, MAX_HANDOVER_ITEM, "leave the item out or say what it is"))
        .collect()
}

/// One person's stretch of a rotation, as "who is on call" answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub person: PersonId,
    pub name: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Whose shift note `by` may write, and to whom: their shift under way (to `next`, who
/// holds the shift after it), or their shift that just ended (to whoever holds `current`).
/// Anyone else is refused, naming who may; a shift handed to oneself has nobody to read it.
pub fn note_to_write(
    rotation: &RotationId,
    by: &PersonId,
    current: &Held,
    previous: Option<&Held>,
    next: &PersonId,
) -> Result<((Timestamp, Timestamp), PersonId), WorkError> {
    let (shift, incoming) = if current.person == *by {
        ((current.start, current.end), next.clone())
    } else if let Some(prev) = previous.filter(|p| p.person == *by) {
        ((prev.start, prev.end), current.person.clone())
    } else {
        return Err(WorkError::Forbidden(format!(
            "only the outgoing on-call engineer may write the handover of rotation `{rotation}`: {} ({}), on call \
             until {}, or whoever held the shift that ended at {}",
            current.name, current.person, current.end, current.start
        )));
    };
    if incoming == *by {
        return Err(WorkError::AlreadyDone(format!(
            "{by} also holds the next shift of rotation `{rotation}`: there is nobody to hand over to"
        )));
    }
    Ok((shift, incoming))
}

impl ShiftNote {
    /// The handover of the shift `[shift_start, shift_end)` from `outgoing` to `incoming`.
    pub fn write(
        rotation: RotationId,
        (shift_start, shift_end): (Timestamp, Timestamp),
        outgoing: PersonId,
        incoming: PersonId,
        new: NewShiftNote,
        at: Timestamp,
    ) -> Result<Self, WorkError> {
        Ok(ShiftNote {
            rotation,
            shift_start,
            shift_end,
            outgoing,
            incoming,
            note: text("note", &new.note, MAX_HANDOVER_NOTE, "say how the shift went, even if it was quiet")?,
            open_items: items("open_items", new.open_items)?,
            ongoing_incidents: items("ongoing_incidents", new.ongoing_incidents)?,
            written_at: at,
            acknowledged: None,
            reminded_at: None,
        })
    }

    /// Its id on the rotation: the handed-over shift's start, RFC 3339.
    pub fn id(&self) -> String {
        self.shift_start.to_string()
    }

    pub fn is_open(&self) -> bool {
        self.acknowledged.is_none()
    }

    /// When to remind the incoming engineer: `delay` after the shift change, or after the note
    /// was written if that was later. Nobody is expected to acknowledge before their shift
    /// starts, so a note written early does not bring the reminder forward.
    pub fn reminder_due(&self, delay: SignedDuration) -> Timestamp {
        self.written_at.max(self.shift_end).saturating_add(delay).expect("no calendar units in a SignedDuration")
    }

    /// The incoming engineer moves the checkbox. `Ok(false)`: it was moved already, and
    /// stays as it was.
    pub fn acknowledge(&mut self, org: &Org, by: &PersonId, at: Timestamp) -> Result<bool, WorkError> {
        check_incoming(org, &self.rotation, &self.incoming, by)?;
        if self.acknowledged.is_some() {
            return Ok(false);
        }
        self.acknowledged = Some(Signed { by: by.clone(), at });
        Ok(true)
    }

    /// What reminds the incoming engineer, for the outbox. The shift change is told in the
    /// rotation's time zone, named (the subject keeps the shift's start as RFC 3339).
    pub fn reminder(&self, org: &Org, rotation_name: &str) -> Notice {
        let who = |p: &PersonId| org.people.get(p).map_or_else(|| p.to_string(), |x| x.name.clone());
        let tz = org.rotation_time_zone(&self.rotation);
        let mut text = format!(
            "{} handed {rotation_name} over at {} and {} has not acknowledged it yet.\n\nNote: {}",
            who(&self.outgoing),
            local(self.shift_end, &tz),
            who(&self.incoming),
            self.note
        );
        for (title, list) in [("Open items", &self.open_items), ("Ongoing incidents", &self.ongoing_incidents)] {
            if !list.is_empty() {
                text.push_str(&format!("\n{title}:"));
                for item in list {
                    text.push_str(&format!("\n- {item}"));
                }
            }
        }
        Notice {
            kind: NoticeKind::Reminder,
            subject: format!("handover/{}/{}", self.rotation, self.id()),
            title: format!("Acknowledge the {rotation_name} handover from {}", who(&self.outgoing)),
            text,
            to: vec![self.incoming.clone()],
            severity: None,
            links: vec![],
            alert: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).unwrap()
    }

    #[test]
    fn the_outgoing_engineer_writes_the_note_during_or_just_after_their_shift() {
        let rotation = RotationId::parse("addon-sre").unwrap();
        let held =
            |who: &str, start: &str, end: &str| Held { person: p(who), name: who.into(), start: t(start), end: t(end) };
        let current = held("cian.moreau", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z");
        let previous = held("aoife.delacroix", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z");
        let next = p("beatriz.nakamura");
        let mine = note_to_write(&rotation, &p("cian.moreau"), &current, Some(&previous), &next).unwrap();
        assert_eq!(mine, ((current.start, current.end), next.clone()), "during the shift: to the next person");
        let ended = note_to_write(&rotation, &p("aoife.delacroix"), &current, Some(&previous), &next).unwrap();
        assert_eq!(ended, ((previous.start, previous.end), p("cian.moreau")), "just after: to whoever holds it now");
        let other = note_to_write(&rotation, &next, &current, Some(&previous), &next).unwrap_err();
        assert!(matches!(&other, WorkError::Forbidden(m) if m.contains("cian.moreau")), "{other}");
        let to_self = note_to_write(&rotation, &p("cian.moreau"), &current, None, &p("cian.moreau")).unwrap_err();
        assert!(matches!(to_self, WorkError::AlreadyDone(_)), "{to_self}");
    }

    fn handover(new: NewShiftNote, written: &str) -> Result<ShiftNote, WorkError> {
        ShiftNote::write(
            RotationId::parse("addon-sre").unwrap(),
            (t("2026-03-02T09:00:00Z"), t("2026-03-03T09:00:00Z")),
            p("aoife.delacroix"),
            p("cian.moreau"),
            new,
            t(written),
        )
    }

    #[test]
    fn the_reminder_falls_a_delay_after_the_hand_off_or_the_note_whichever_is_later() {
        let new = NewShiftNote { note: "quiet".into(), ..Default::default() };
        let early = handover(new.clone(), "2026-03-03T08:40:00Z").unwrap();
        assert_eq!(early.reminder_due(SignedDuration::from_mins(30)), t("2026-03-03T09:30:00Z"));
        let late = handover(new, "2026-03-03T10:00:00Z").unwrap();
        assert_eq!(late.reminder_due(SignedDuration::from_mins(30)), t("2026-03-03T10:30:00Z"));
    }

    #[test]
    fn only_the_incoming_engineer_moves_the_checkbox_once() {
        let org = Org::default();
        let mut h =
            handover(NewShiftNote { note: "quiet".into(), ..Default::default() }, "2026-03-03T08:50:00Z").unwrap();
        let refused = h.acknowledge(&org, &p("aoife.delacroix"), t("2026-03-03T09:05:00Z")).unwrap_err();
        assert!(refused.to_string().contains("only the incoming on-call engineer"), "{refused}");
        assert!(refused.to_string().contains("cian.moreau"), "names who may: {refused}");
        assert!(h.is_open());
        assert!(h.acknowledge(&org, &p("cian.moreau"), t("2026-03-03T09:05:00Z")).unwrap());
        assert!(!h.acknowledge(&org, &p("cian.moreau"), t("2026-03-03T09:07:00Z")).unwrap());
        assert_eq!(h.acknowledged.unwrap().at, t("2026-03-03T09:05:00Z"), "the first acknowledgement stands");
    }

    #[test]
    fn a_note_is_required_and_empty_items_are_named() {
        let err = handover(NewShiftNote::default(), "2026-03-03T08:50:00Z").unwrap_err();
        assert!(matches!(err, WorkError::Invalid { ref field, .. } if field == "note"), "{err}");
        let new = NewShiftNote { note: "n".into(), open_items: vec!["a".into(), " ".into()], ..Default::default() };
        let err = handover(new, "2026-03-03T08:50:00Z").unwrap_err();
        assert!(matches!(err, WorkError::Invalid { ref field, .. } if field == "open_items[1]"), "{err}");
    }

    #[test]
    fn the_reminder_is_for_the_incoming_engineer_and_carries_the_note() {
        let new = NewShiftNote {
            note: "kafka broker 3 flaps".into(),
            ongoing_incidents: vec!["INC-42 consumer lag".into()],
            ..Default::default()
        };
        let h = handover(new, "2026-03-03T08:50:00Z").unwrap();
        let n = h.reminder(&Org::default(), "Addon SRE primary");
        assert_eq!((n.kind, n.to), (NoticeKind::Reminder, vec![p("cian.moreau")]));
        assert_eq!(n.subject, "handover/addon-sre/2026-03-02T09:00:00Z");
        assert!(n.text.contains("kafka broker 3 flaps") && n.text.contains("- INC-42 consumer lag"), "{}", n.text);
        assert!(n.text.contains("over at 2026-03-03 09:00 UTC and"), "a rotation not defined: UTC, named: {}", n.text);
    }

    #[test]
    fn the_reminder_tells_the_shift_change_in_the_rotations_time_zone_named() {
        use crate::oncall::{Cadence, NonWorkingDay, Roster, RotationSpec, WorkingCalendar};
        let spec = RotationSpec {
            id: RotationId::parse("addon-sre").unwrap(),
            time_zone: "America/Sao_Paulo".into(),
            handoff: jiff::civil::time(9, 0, 0, 0),
            cadence: Cadence::Daily,
            calendar: WorkingCalendar::default(),
            non_working: NonWorkingDay::Extend,
            start: jiff::civil::date(2026, 3, 2),
            roster: Roster::new(vec![p("aoife.delacroix"), p("cian.moreau")]),
            seed: 0,
            overrides: Vec::new(),
            regions: Vec::new(),
        };
        let def = RotationDef {
            spec,
            name: "Addon SRE primary".into(),
            team: crate::TeamId::parse("addon-sre").unwrap(),
            calendars: vec![],
            duties: vec![],
            handover_reminder_after: None,
        };
        let org = Org { rotations: [(def.id().clone(), def)].into(), ..Org::default() };
        let new = NewShiftNote { note: "quiet".into(), ..Default::default() };
        let n = handover(new, "2026-03-03T08:50:00Z").unwrap().reminder(&org, "Addon SRE primary");
        assert!(n.text.contains("over at 2026-03-03 06:00 America/Sao_Paulo and"), "{}", n.text);
        assert_eq!(n.subject, "handover/addon-sre/2026-03-02T09:00:00Z", "the subject keeps the instant");
    }
}

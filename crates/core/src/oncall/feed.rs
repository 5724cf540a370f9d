//! iCalendar feeds by secret URL: a feed names a rotation, a person, or both, and lists
//! the shifts that match from a week back to three months ahead. The URL's secret is the
//! only credential (calendar apps cannot send a token), so it is 256 random bits, kept
//! only as a hash, and a feed can be revoked by the person who made it.

use crate::pipeline::Signed;
use crate::{Org, PersonId, Timestamp};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::changes::ChangeError;
use super::rotation::RotationId;
use super::schedule::Shift;

/// Days of past shifts a feed keeps, so yesterday's shift does not vanish from a calendar.
pub const FEED_PAST_DAYS: i64 = 7;
/// Days of future shifts a feed lists.
pub const FEED_FUTURE_DAYS: i64 = 90;

/// A feed as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeed {
    pub id: String,
    /// Only this rotation's shifts (every rotation's without it).
    #[serde(default)]
    pub rotation: Option<RotationId>,
    /// Only this person's shifts (everybody's without it).
    #[serde(default)]
    pub person: Option<PersonId>,
    /// SHA-256 of the secret in the URL; the secret itself is shown once and never stored.
    pub secret_hash: String,
    pub created: Signed,
    #[serde(default)]
    pub revoked: Option<Signed>,
}

impl CalendarFeed {
    /// A feed needs a rotation, a person or both: one of all shifts of everyone is not a
    /// calendar anybody subscribes to.
    pub fn new(
        id: String,
        rotation: Option<RotationId>,
        person: Option<PersonId>,
        secret_hash: String,
        by: &PersonId,
        now: Timestamp,
    ) -> Result<Self, ChangeError> {
        if rotation.is_none() && person.is_none() {
            return Err(ChangeError::Invalid {
                field: "rotation",
                message: "name a rotation, a person, or both: the feed lists the shifts that match".into(),
            });
        }
        Ok(CalendarFeed {
            id,
            rotation,
            person,
            secret_hash,
            created: Signed { by: by.clone(), at: now },
            revoked: None,
        })
    }

    /// Whether `shift` of `rotation` belongs in this feed.
    pub fn lists(&self, rotation: &RotationId, shift: &Shift) -> bool {
        self.rotation.as_ref().is_none_or(|r| r == rotation) && self.person.as_ref().is_none_or(|p| p == &shift.person)
    }

    /// The calendar's name, as apps show it.
    pub fn title(&self, org: &Org) -> String {
        let person = self.person.as_ref().map(|p| org.people.get(p).map_or_else(|| p.to_string(), |x| x.name.clone()));
        let rotation =
            self.rotation.as_ref().map(|r| org.rotations.get(r).map_or_else(|| r.to_string(), |d| d.name.clone()));
        match (person, rotation) {
            (Some(p), Some(r)) => format!("On call: {p}, {r}"),
            (Some(p), None) => format!("On call: {p}"),
            (None, Some(r)) => format!("On call: {r}"),
            (None, None) => "On call".into(),
        }
    }

    /// The zone the feed shows its times in: its person's, when the definitions give one;
    /// else its rotation's; else UTC.
    pub fn time_zone(&self, org: &Org) -> TimeZone {
        let person = self.person.as_ref().and_then(|p| org.people.get(p)).and_then(|p| p.time_zone());
        let rotation = || self.rotation.as_ref().and_then(|r| org.rotations.get(r)).map(|d| d.time_zone());
        person.or_else(rotation).unwrap_or(TimeZone::UTC)
    }

    /// Only the person who made it may revoke it; revoking twice is refused.
    pub fn revoke(&mut self, by: &PersonId, now: Timestamp) -> Result<(), ChangeError> {
        if by != &self.created.by {
            return Err(ChangeError::Forbidden(format!(
                "only {}, who created feed {}, may revoke it",
                self.created.by, self.id
            )));
        }
        if let Some(r) = &self.revoked {
            return Err(ChangeError::Conflict(format!("feed {} was revoked by {} at {}", self.id, r.by, r.at)));
        }
        self.revoked = Some(Signed { by: by.clone(), at: now });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::{Layer, Reason};

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).unwrap()
    }

    #[test]
    fn a_feed_lists_its_rotation_or_person_and_only_its_maker_revokes_it() {
        let now: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
        let (marta, jonas) = (p("marta.oyelaran"), p("jonas.achterberg"));
        assert!(CalendarFeed::new("f".into(), None, None, "h".into(), &marta, now).is_err());
        let mut feed = CalendarFeed::new("f".into(), None, Some(marta.clone()), "h".into(), &marta, now).unwrap();
        let shift = |who: &PersonId| Shift {
            person: who.clone(),
            start: now,
            end: now,
            layer: Layer::Primary,
            reason: Reason::Turn { era: 0, cycle: 0, position: 0 },
            region: None,
        };
        let platform = RotationId::parse("platform-sre").unwrap();
        assert!(feed.lists(&platform, &shift(&marta)));
        assert!(!feed.lists(&platform, &shift(&jonas)));
        assert!(matches!(feed.revoke(&jonas, now), Err(ChangeError::Forbidden(_))));
        feed.revoke(&marta, now).unwrap();
        assert!(matches!(feed.revoke(&marta, now), Err(ChangeError::Conflict(_))));
    }
}

//! Overrides: one person covers another's time (or a time range) on a rotation.

use super::{change, override_write, OVERRIDE_KIND};
use crate::decision::{audit, Subject};
use crate::outbox::{messages, team_channels};
use crate::{random_key, AppError, Baton};
use baton_core::local_time::local_span;
use baton_core::notice::{Notice, NoticeKind};
use baton_core::oncall::{check_override, NewOverride, OverrideRecord, RotationId};
use baton_core::{Org, PersonId};
use baton_store::{from_json, Commit};

fn name(org: &Org, person: &PersonId) -> String {
    org.people.get(person).map_or_else(|| person.to_string(), |p| p.name.clone())
}

/// What the people concerned are told.
fn notice(org: &Org, o: &OverrideRecord, cancelled: bool) -> Notice {
    let whom = o.covered.as_ref().map_or_else(|| "whoever is scheduled".to_owned(), |c| name(org, c));
    let (title, verb) = if o.ended_early.is_some() {
        (format!("Override ended early on {}", o.rotation), "stopped covering")
    } else if cancelled {
        (format!("Override cancelled on {}", o.rotation), "will no longer cover")
    } else {
        (format!("Override on {}", o.rotation), "covers")
    };
    let span = local_span(o.start, o.end, &org.rotation_time_zone(&o.rotation));
    Notice {
        kind: NoticeKind::Info,
        subject: format!("override/{}/{}", o.rotation, o.id),
        title,
        text: format!("{} {verb} {whom} from {span}: {}", name(org, &o.covering), o.reason),
        to: std::iter::once(o.covering.clone()).chain(o.covered.clone()).collect(),
        severity: None,
        links: Vec::new(),
        alert: None,
    }
}

impl Baton {
    /// Stores an override of `rotation` made by `actor` (a member of its team, or its
    /// lead), with its audit record and a notice to the people concerned.
    pub async fn create_override(
        &self,
        rotation: &RotationId,
        actor: &PersonId,
        new: NewOverride,
    ) -> Result<OverrideRecord, AppError> {
        let (org, rotations) = self.defined_rotation(rotation).await?;
        let def = &org.rotations[rotation];
        let stored = self.stored_overrides(rotation).await?;
        let effective = stored.layered(&self.rotation_with_leave(&org, &rotations[rotation]).await?)?;
        let now = self.now();
        let record =
            check_override(&org, def, &effective, &stored.active(), random_key()[..12].to_owned(), actor, new, now)
                .map_err(change)?;
        let key = format!("override/{rotation}/{}", record.id);
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![override_write(&record, 0)?, stored.guard_write(rotation)?],
            audit: vec![audit(actor, "oncall.override", Subject::Rotation(rotation), &record)?],
            notifications: messages(&notice(&org, &record, false), &team_channels(&org, &def.team), &key, now)?,
        };
        self.store.commit(&commit, now).await?;
        Ok(record)
    }

    /// Cancels an override that has not started (not half of a swap).
    pub async fn cancel_override(
        &self,
        rotation: &RotationId,
        id: &str,
        actor: &PersonId,
    ) -> Result<OverrideRecord, AppError> {
        let (org, _) = self.defined_rotation(rotation).await?;
        let def = &org.rotations[rotation];
        let stored = self.stored_overrides(rotation).await?;
        let Some((mut record, version)) = stored.records.iter().find(|(o, _)| o.id == id).cloned() else {
            return Err(AppError::NotFound(format!("rotation `{rotation}` has no override `{id}`")));
        };
        let now = self.now();
        record.cancel(&org, def, actor, now).map_err(change)?;
        let key =
            format!("override/{rotation}/{id}/{}", if record.ended_early.is_some() { "ended" } else { "cancelled" });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![override_write(&record, version)?, stored.guard_write(rotation)?],
            audit: vec![audit(actor, "oncall.override.cancel", Subject::Rotation(rotation), &record)?],
            notifications: messages(&notice(&org, &record, true), &team_channels(&org, &def.team), &key, now)?,
        };
        self.store.commit(&commit, now).await?;
        Ok(record)
    }

    /// Every override of `rotation`, cancelled ones included, by start.
    pub async fn overrides(&self, rotation: &RotationId) -> Result<Vec<OverrideRecord>, AppError> {
        self.defined_rotation(rotation).await?;
        let mut out = Vec::new();
        for r in self.store.records(OVERRIDE_KIND, &format!("{rotation}/")).await? {
            out.push(from_json::<OverrideRecord>(&format!("{OVERRIDE_KIND} {}", r.id), &r.body)?);
        }
        out.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        Ok(out)
    }
}

//! Swaps with consent: requested by the holder of the first shift, accepted (and so
//! applied, its two overrides written in the same commit) or declined by the holder of the
//! second, cancelled by the requester, expired by the engine when nobody answered before
//! the first shift began. Every step is audited; the other person is told through the outbox.

use super::{change, override_write};
use crate::decision::{audit, record_write, Subject};
use crate::outbox::{messages, team_channels};
use crate::{random_key, AppError, Baton};
use baton_core::local_time::local_span;
use baton_core::notice::{Notice, NoticeKind};
use baton_core::oncall::{NewSwap, RotationId, Swap, SwapState};
use baton_core::{Org, PersonId, Timestamp};
use baton_store::{from_json, Commit, RecordWrite, StoredRecord};

pub const SWAP_KIND: &str = "oncall-swap";

/// The engine's actor for swaps nobody answered.
const EXPIRY_ACTOR: &str = "system:engine";

pub(super) fn swap_write(swap: &Swap, expected_version: i64) -> Result<RecordWrite, AppError> {
    record_write(SWAP_KIND, format!("{}/{}", swap.rotation, swap.id), expected_version, swap, swap.due_at())
}

fn name(org: &Org, person: &PersonId) -> String {
    org.people.get(person).map_or_else(|| person.to_string(), |p| p.name.clone())
}

/// What the other person is told at each step.
fn notice(org: &Org, swap: &Swap) -> Notice {
    let tz = org.rotation_time_zone(&swap.rotation);
    let own = &swap.requester_shift;
    let mine = format!("{}'s shift from {}", name(org, &swap.requester), local_span(own.start, own.end, &tz));
    let shifts = match &swap.with_shift {
        Some(theirs) => {
            format!("{mine} for {}'s from {}", name(org, &swap.with), local_span(theirs.start, theirs.end, &tz))
        }
        None => format!(
            "{} to cover {mine}{}",
            name(org, &swap.with),
            swap.reason.as_ref().map_or(String::new(), |r| format!(" ({r})"))
        ),
    };
    let what = if swap.is_cover() { "cover request" } else { "swap" };
    let (kind, title, to) = match swap.state {
        SwapState::Requested if swap.is_cover() => (
            NoticeKind::Reminder,
            format!("{} asks you to cover their shift", name(org, &swap.requester)),
            swap.with.clone(),
        ),
        SwapState::Requested => (
            NoticeKind::Reminder,
            format!("{} asks to swap shifts with you", name(org, &swap.requester)),
            swap.with.clone(),
        ),
        SwapState::Applied => {
            (NoticeKind::Info, format!("{} accepted your {what}", name(org, &swap.with)), swap.requester.clone())
        }
        SwapState::Declined => {
            (NoticeKind::Info, format!("{} declined your {what}", name(org, &swap.with)), swap.requester.clone())
        }
        SwapState::Cancelled => (
            NoticeKind::Info,
            format!("{} withdrew the {what} they asked for", name(org, &swap.requester)),
            swap.with.clone(),
        ),
        SwapState::Expired => (NoticeKind::Info, format!("Your {what} expired unanswered"), swap.requester.clone()),
    };
    let mut text = format!("{what} {} on rotation {}: {shifts}.", swap.id, swap.rotation);
    text[..1].make_ascii_uppercase();
    Notice {
        kind,
        subject: format!("swap/{}/{}", swap.rotation, swap.id),
        title,
        text,
        to: vec![to],
        severity: None,
        links: Vec::new(),
        alert: None,
    }
}

fn state_name(s: SwapState) -> &'static str {
    match s {
        SwapState::Requested => "requested",
        SwapState::Applied => "applied",
        SwapState::Declined => "declined",
        SwapState::Cancelled => "cancelled",
        SwapState::Expired => "expired",
    }
}

impl Baton {
    async fn stored_swap(&self, rotation: &RotationId, id: &str) -> Result<(Swap, i64), AppError> {
        let record = self.store.record(SWAP_KIND, &format!("{rotation}/{id}")).await?;
        let record = record.ok_or_else(|| AppError::NotFound(format!("rotation `{rotation}` has no swap `{id}`")))?;
        Ok((from_json(&format!("{SWAP_KIND} {}", record.id), &record.body)?, record.version))
    }

    /// The commit of one step of `swap` (from `version`), audited as `action` by `actor`,
    /// telling the other person: on the team's channels, and by their own rules.
    pub(super) async fn swap_step(
        &self,
        org: &Org,
        swap: &Swap,
        version: i64,
        actor: &str,
        action: &str,
        now: Timestamp,
    ) -> Result<Commit, AppError> {
        let team = &org.rotations[&swap.rotation].team;
        let key = format!("swap/{}/{}/{}", swap.rotation, swap.id, state_name(swap.state));
        let notice = notice(org, swap);
        let mut notifications = messages(&notice, &team_channels(org, team), &key, now)?;
        notifications.extend(self.to_people(org, &notice.to, &notice, &key, now).await?);
        Ok(Commit {
            alerts: Vec::new(),
            records: vec![swap_write(swap, version)?],
            audit: vec![audit(actor, action, Subject::Rotation(&swap.rotation), swap)?],
            notifications,
        })
    }

    /// `actor` asks `new.with` to swap two future shifts.
    pub async fn request_swap(&self, rotation: &RotationId, actor: &PersonId, new: NewSwap) -> Result<Swap, AppError> {
        let (org, rotations) = self.defined_rotation(rotation).await?;
        let stored = self.stored_overrides(rotation).await?;
        let effective = stored.layered(&self.rotation_with_leave(&org, &rotations[rotation]).await?)?;
        let pending = self.swaps(rotation).await?;
        let now = self.now();
        let def = &org.rotations[rotation];
        let id = random_key()[..12].to_owned();
        let swap =
            Swap::request(&org, def, &effective, &stored.active(), &pending, id, actor, new, now).map_err(change)?;
        let commit = self.swap_step(&org, &swap, 0, actor.as_str(), "oncall.swap.request", now).await?;
        self.store.commit(&commit, now).await?;
        Ok(swap)
    }

    /// The person asked accepts: the swap is applied in the same commit (its overrides —
    /// two, or one for a cover request — the rotation's override guard, and both audit
    /// records).
    pub async fn accept_swap(&self, rotation: &RotationId, id: &str, actor: &PersonId) -> Result<Swap, AppError> {
        let (org, rotations) = self.defined_rotation(rotation).await?;
        let (mut swap, version) = self.stored_swap(rotation, id).await?;
        let stored = self.stored_overrides(rotation).await?;
        let effective = stored.layered(&self.rotation_with_leave(&org, &rotations[rotation]).await?)?;
        let now = self.now();
        let overrides = swap.accept(&org, &effective, &stored.active(), actor, now).map_err(change)?;
        let mut commit = self.swap_step(&org, &swap, version, actor.as_str(), "oncall.swap.accept", now).await?;
        for o in &overrides {
            commit.records.push(override_write(o, 0)?);
        }
        commit.records.push(stored.guard_write(rotation)?);
        commit.audit.push(audit(actor, "oncall.swap.apply", Subject::Rotation(rotation), &overrides)?);
        self.store.commit(&commit, now).await?;
        Ok(swap)
    }

    /// The person asked says no.
    pub async fn decline_swap(&self, rotation: &RotationId, id: &str, actor: &PersonId) -> Result<Swap, AppError> {
        let (org, _) = self.defined_rotation(rotation).await?;
        let (mut swap, version) = self.stored_swap(rotation, id).await?;
        let now = self.now();
        swap.decline(&org, actor, now).map_err(change)?;
        self.store
            .commit(&self.swap_step(&org, &swap, version, actor.as_str(), "oncall.swap.decline", now).await?, now)
            .await?;
        Ok(swap)
    }

    /// The requester withdraws the swap before an answer.
    pub async fn cancel_swap(&self, rotation: &RotationId, id: &str, actor: &PersonId) -> Result<Swap, AppError> {
        let (org, _) = self.defined_rotation(rotation).await?;
        let (mut swap, version) = self.stored_swap(rotation, id).await?;
        let now = self.now();
        swap.cancel(&org, actor, now).map_err(change)?;
        self.store
            .commit(&self.swap_step(&org, &swap, version, actor.as_str(), "oncall.swap.cancel", now).await?, now)
            .await?;
        Ok(swap)
    }

    /// Every swap of `rotation`, newest request first.
    pub async fn swaps(&self, rotation: &RotationId) -> Result<Vec<Swap>, AppError> {
        self.defined_rotation(rotation).await?;
        let mut out: Vec<Swap> = self.stored_swaps(rotation).await?.into_iter().map(|(s, _)| s).collect();
        out.sort_by(|a, b| (b.requested_at, &b.id).cmp(&(a.requested_at, &a.id)));
        Ok(out)
    }

    /// The stored swaps of `rotation`, with their versions.
    pub(crate) async fn stored_swaps(&self, rotation: &RotationId) -> Result<Vec<(Swap, i64)>, AppError> {
        let mut out = Vec::new();
        for r in self.store.records(SWAP_KIND, &format!("{rotation}/")).await? {
            out.push((from_json::<Swap>(&format!("{SWAP_KIND} {}", r.id), &r.body)?, r.version));
        }
        Ok(out)
    }

    /// The engine's arm for `oncall-swap`: a swap still unanswered when its first shift
    /// starts expires.
    pub(crate) async fn expire_swap(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let mut swap: Swap = from_json(&format!("{SWAP_KIND} {}", record.id), &record.body)?;
        if !swap.expire(now) {
            // Every write sets `due_at` from the swap itself, so this is not reached; if it
            // were, rewriting the record settles when it is due.
            let write = swap_write(&swap, record.version)?;
            self.store.commit(&Commit { records: vec![write], ..Default::default() }, now).await?;
            return Ok(());
        }
        let org = self.org().await?;
        if !org.rotations.contains_key(&swap.rotation) {
            // The rotation is gone: expire it without telling a team that no longer has it.
            let commit = Commit {
                alerts: Vec::new(),
                records: vec![swap_write(&swap, record.version)?],
                audit: vec![audit(EXPIRY_ACTOR, "oncall.swap.expire", Subject::Rotation(&swap.rotation), &swap)?],
                notifications: Vec::new(),
            };
            self.store.commit(&commit, now).await?;
            return Ok(());
        }
        let commit = self.swap_step(&org, &swap, record.version, EXPIRY_ACTOR, "oncall.swap.expire", now).await?;
        self.store.commit(&commit, now).await?;
        Ok(())
    }
}

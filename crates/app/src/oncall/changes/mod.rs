//! What people change on a running rotation — overrides, and swaps with both people's
//! consent — and what is read through those changes: the fairness ledger and iCalendar
//! feeds. Who may do what, and what is acceptable, is `baton_core::oncall`'s; this moves
//! records in and out of the store.
//!
//! Records (JSON bodies are `core` types):
//! - `oncall-override` `<rotation>/<id>`: an [`OverrideRecord`]; cancelled ones are kept.
//! - `oncall-swap` `<rotation>/<id>`: a [`Swap`]; due when its first shift starts, so the
//!   engine expires it if nobody answered.
//! - `oncall-override-guard` `<rotation>`: its version moves with every change to the
//!   rotation's overrides. A change is written from the version it was checked at, so two
//!   overlapping overrides made at the same moment cannot both be stored.
//! - `oncall-feed` `<id>`: a [`CalendarFeed`](baton_core::oncall::CalendarFeed).
//!
//! Every read of a schedule (who, next, schedule, fairness, feeds) layers the rotation's
//! active overrides on the defined rotation: [`Baton::effective_rotation`].

mod fairness;
mod feeds;
mod leave;
mod overrides;
mod swaps;

pub use fairness::{FairnessReport, FairnessRow, MAX_FAIRNESS_DAYS};
pub use feeds::{feed_window, FeedView, IssuedFeed, FEED_KIND};
pub use leave::{LeaveOutcome, MovedTurn, UncoveredTurn, LEAVE_KIND};
pub use swaps::SWAP_KIND;

use crate::decision::record_write;
use crate::org_cache::Rotations;
use crate::{AppError, Baton};
use baton_core::oncall::{ChangeError, OverrideRecord, Rotation, RotationId};
use baton_core::Org;
use baton_store::{from_json, RecordWrite, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const OVERRIDE_KIND: &str = "oncall-override";
pub const OVERRIDE_GUARD_KIND: &str = "oncall-override-guard";

/// A refusal from `core`, as the app reports it.
pub(crate) fn change(e: ChangeError) -> AppError {
    match e {
        ChangeError::Invalid { field, message } => AppError::Invalid { field: field.into(), message },
        ChangeError::Forbidden(m) => AppError::Forbidden(m),
        ChangeError::Conflict(m) => AppError::Store(StoreError::Conflict(m)),
        ChangeError::NotFound(m) => AppError::NotFound(m),
    }
}

/// A rotation's stored overrides (with each record's version) and its guard's version.
pub(crate) struct StoredOverrides {
    pub records: Vec<(OverrideRecord, i64)>,
    pub guard_version: i64,
}

impl StoredOverrides {
    /// `rotation` with these overrides layered on.
    pub fn layered(&self, rotation: &Rotation) -> Result<Rotation, AppError> {
        let records: Vec<OverrideRecord> = self.records.iter().map(|(o, _)| o.clone()).collect();
        layer(rotation, &records)
    }

    pub fn active(&self) -> Vec<OverrideRecord> {
        self.records.iter().map(|(o, _)| o).filter(|o| o.is_active()).cloned().collect()
    }

    /// The write that moves the guard: part of every commit that changes the overrides.
    pub fn guard_write(&self, rotation: &RotationId) -> Result<RecordWrite, AppError> {
        record_write(
            OVERRIDE_GUARD_KIND,
            rotation.to_string(),
            self.guard_version,
            &serde_json::json!({ "rotation": rotation }),
            None,
        )
    }
}

pub(crate) fn override_write(record: &OverrideRecord, expected_version: i64) -> Result<RecordWrite, AppError> {
    record_write(OVERRIDE_KIND, format!("{}/{}", record.rotation, record.id), expected_version, record, None)
}

/// `rotation` with `overrides` layered on. They were checked against each other when
/// written (under the guard), so a failure means the stored data is not as written.
fn layer(rotation: &Rotation, overrides: &[OverrideRecord]) -> Result<Rotation, AppError> {
    let active = overrides.iter().filter(|o| o.is_active()).map(OverrideRecord::as_override);
    rotation.with_overrides(active).map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::Store(StoreError::Corrupt(format!(
            "the stored overrides of rotation `{}` overlap: {}",
            rotation.id(),
            errors.join("; ")
        )))
    })
}

/// `NotFound` naming the defined rotations unless `id` is one of them.
fn known_rotation(rotations: &Rotations, id: &RotationId) -> Result<(), AppError> {
    if rotations.contains_key(id) {
        return Ok(());
    }
    let ids: Vec<&str> = rotations.keys().map(RotationId::as_str).collect();
    let known = if ids.is_empty() { "none are defined".to_owned() } else { format!("defined: {}", ids.join(", ")) };
    Err(AppError::NotFound(format!("no rotation `{id}` is defined ({known})")))
}

fn decode(id: &str, body: &str) -> Result<OverrideRecord, AppError> {
    Ok(from_json(&format!("{OVERRIDE_KIND} {id}"), body)?)
}

impl Baton {
    /// The stored overrides of `rotation`. The guard is read first: a change committed
    /// between the two reads then makes the caller's own commit conflict, never pass on
    /// stale data.
    pub(crate) async fn stored_overrides(&self, rotation: &RotationId) -> Result<StoredOverrides, AppError> {
        let guard_version = self.store.record(OVERRIDE_GUARD_KIND, rotation.as_str()).await?.map_or(0, |r| r.version);
        let mut records = Vec::new();
        for r in self.store.records(OVERRIDE_KIND, &format!("{rotation}/")).await? {
            records.push((decode(&r.id, &r.body)?, r.version));
        }
        Ok(StoredOverrides { records, guard_version })
    }

    /// The defined rotation `id`, checked, without stored overrides (for its time zone and
    /// calendar); `NotFound` naming the defined ones.
    pub(crate) async fn defined_rotation(&self, id: &RotationId) -> Result<(Arc<Org>, Arc<Rotations>), AppError> {
        let (org, rotations) = self.org.get_with_rotations(&*self.store).await?;
        known_rotation(&rotations, id)?;
        Ok((org, rotations))
    }

    /// Rotation `id` as it runs: the definition with its active stored overrides (cached
    /// until the definitions or the rotation's override guard move; both read in one query,
    /// as this answers who is on call).
    pub(crate) async fn effective_rotation(&self, id: &RotationId) -> Result<(Arc<Org>, Arc<Rotation>), AppError> {
        let (revision, guard_version) = self.store.revisions(OVERRIDE_GUARD_KIND, id.as_str()).await?;
        let (org, rotations) = self.org.at_revision(&*self.store, revision).await?;
        known_rotation(&rotations, id)?;
        let layered = self.layered_rotation(&org, &rotations, id, guard_version).await?;
        Ok((org, layered))
    }

    /// Every rotation as it runs, in id order: one read of the guards, and the overrides
    /// of those whose guard moved since they were last layered.
    pub(crate) async fn effective_rotations(
        &self,
    ) -> Result<(Arc<Org>, BTreeMap<RotationId, Arc<Rotation>>), AppError> {
        let (org, rotations) = self.org.get_with_rotations(&*self.store).await?;
        let guards: BTreeMap<String, i64> =
            self.store.records(OVERRIDE_GUARD_KIND, "").await?.into_iter().map(|r| (r.id, r.version)).collect();
        let mut out = BTreeMap::new();
        for id in rotations.keys() {
            let guard_version = guards.get(id.as_str()).copied().unwrap_or(0);
            out.insert(id.clone(), self.layered_rotation(&org, &rotations, id, guard_version).await?);
        }
        Ok((org, out))
    }

    /// `id` of `rotations` with its team's leave and the overrides stored at
    /// `guard_version`, from the cache or read and layered. The guard is read before the
    /// overrides and the leave (recording leave moves it too), so a change committed in
    /// between leaves an entry no later read will match, never a stale one.
    async fn layered_rotation(
        &self,
        org: &Org,
        rotations: &Arc<Rotations>,
        id: &RotationId,
        guard_version: i64,
    ) -> Result<Arc<Rotation>, AppError> {
        if let Some(hit) = self.layered.get(id, rotations, guard_version) {
            return Ok(hit);
        }
        let with_leave = self.rotation_with_leave(org, &rotations[id]).await?;
        let layered = Arc::new(if guard_version == 0 {
            with_leave
        } else {
            let mut overrides = Vec::new();
            for r in self.store.records(OVERRIDE_KIND, &format!("{id}/")).await? {
                overrides.push(decode(&r.id, &r.body)?);
            }
            layer(&with_leave, &overrides)?
        });
        self.layered.put(id, rotations, guard_version, layered.clone());
        Ok(layered)
    }
}

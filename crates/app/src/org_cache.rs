//! The organisation is read on every request but changes only on `apply`: keep the last
//! one and reload it when the store's definitions revision moves (another replica's apply
//! included).

use crate::AppError;
use baton_core::oncall::{Rotation, RotationId};
use baton_core::Org;
use baton_store::Store;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// The checked [`Rotation`]s of an org, built once per definitions revision with it.
pub(crate) type Rotations = BTreeMap<RotationId, Rotation>;

/// The definitions revision, and the org and rotations built from it.
type Entry = (i64, Arc<Org>, Arc<Rotations>);

#[derive(Default)]
pub(crate) struct OrgCache(RwLock<Option<Entry>>);

impl OrgCache {
    pub async fn get(&self, store: &dyn Store) -> Result<Arc<Org>, AppError> {
        Ok(self.get_with_rotations(store).await?.0)
    }

    /// The org and its rotations, ready to answer schedule questions.
    pub async fn get_with_rotations(&self, store: &dyn Store) -> Result<(Arc<Org>, Arc<Rotations>), AppError> {
        let revision = store.definitions_revision().await?;
        self.at_revision(store, revision).await
    }

    /// The same when the caller has just read the definitions revision (with something
    /// else, in one query: [`Store::revisions`]).
    pub async fn at_revision(&self, store: &dyn Store, revision: i64) -> Result<(Arc<Org>, Arc<Rotations>), AppError> {
        if let Some((rev, org, rotations)) = &*self.0.read().expect("org cache lock") {
            if *rev == revision {
                return Ok((org.clone(), rotations.clone()));
            }
        }
        let defs = store.definitions().await?;
        let org = Arc::new(Org::from_definitions(defs.value));
        let rotations = Arc::new(build_rotations(&org));
        *self.0.write().expect("org cache lock") = Some((defs.version, org.clone(), rotations.clone()));
        Ok((org, rotations))
    }
}

/// Every stored rotation, checked. `config` checked them before they were applied, so a
/// failure here means stored data from another version: it is logged and left out.
fn build_rotations(org: &Org) -> Rotations {
    let mut out = Rotations::new();
    for (id, def) in &org.rotations {
        match Rotation::new(def.spec.clone()) {
            Ok(r) => {
                out.insert(id.clone(), r);
            }
            Err(errors) => {
                let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                tracing::warn!(rotation = %id, ?errors, "a stored rotation does not check; it is left out");
            }
        }
    }
    out
}

/// A rotation with its active stored overrides layered on, as built for the definitions
/// (`defined`, compared by pointer: the org cache builds a new map on every revision) and
/// the rotation's override guard version it was read at.
struct Layered {
    defined: Arc<Rotations>,
    guard_version: i64,
    rotation: Arc<Rotation>,
}

/// Who-is-on-call is the hottest read, and its answer changes only when the definitions
/// or a rotation's overrides do: keep each rotation's layered schedule and rebuild it when
/// either moves. The guard version is read from the store on every use, so a change made
/// through another replica is seen at once.
#[derive(Default)]
pub(crate) struct LayeredCache(RwLock<std::collections::HashMap<RotationId, Layered>>);

impl LayeredCache {
    pub fn get(&self, id: &RotationId, defined: &Arc<Rotations>, guard_version: i64) -> Option<Arc<Rotation>> {
        let map = self.0.read().expect("layered cache lock");
        let hit = map.get(id)?;
        (hit.guard_version == guard_version && Arc::ptr_eq(&hit.defined, defined)).then(|| hit.rotation.clone())
    }

    pub fn put(&self, id: &RotationId, defined: &Arc<Rotations>, guard_version: i64, rotation: Arc<Rotation>) {
        let layered = Layered { defined: defined.clone(), guard_version, rotation };
        self.0.write().expect("layered cache lock").insert(id.clone(), layered);
    }
}

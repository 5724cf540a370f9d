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

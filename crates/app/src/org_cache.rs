//! The organisation is read on every request but changes only on `apply`: keep the last
//! one and reload it when the store's definitions revision moves (another replica's apply
//! included).

use crate::AppError;
use baton_core::Org;
use baton_store::Store;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub(crate) struct OrgCache(RwLock<Option<(i64, Arc<Org>)>>);

impl OrgCache {
    pub async fn get(&self, store: &dyn Store) -> Result<Arc<Org>, AppError> {
        let revision = store.definitions_revision().await?;
        if let Some((rev, org)) = &*self.0.read().expect("org cache lock") {
            if *rev == revision {
                return Ok(org.clone());
            }
        }
        let defs = store.definitions().await?;
        let org = Arc::new(Org::from_definitions(defs.value));
        *self.0.write().expect("org cache lock") = Some((defs.version, org.clone()));
        Ok(org)
    }
}

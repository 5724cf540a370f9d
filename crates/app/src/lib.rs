//! Baton's use cases, shared by the HTTP API and the CLI.
//!
//! Each one reads what it needs from the store, asks `core` to decide, and writes the
//! outcome together with its audit record. Nothing here decides anything itself; it only
//! moves data between the store and core, with the time from a [`Clock`].
#![forbid(unsafe_code)]

mod auth;
mod clock;
mod error;
mod oncall;
mod org_cache;
mod pipeline;
mod session;
mod slo;
mod viability;

pub use auth::{hash_secret, IssuedToken, Principal, ADMIN};
pub use clock::{ManualClock, SystemClock};
pub use error::AppError;
pub use oncall::{HolidayView, OnCallPerson, OnCallView, RotationView, ServiceOnCall, ShiftView, MAX_SCHEDULE_DAYS};
pub use pipeline::{ApplyReport, ServiceView};
pub use session::{SignedIn, SESSION_LENGTH};
pub use slo::{
    BudgetPoint, CorrectionIn, DataStatus, IngestReport, MonthCompliance, RejectedSample, SampleIn, SloCompliance,
    SloCorrection, SloReport, SloViability, MAX_COMPLIANCE_MONTHS, MAX_SAMPLES,
};
pub use viability::{ReviewAttestation, ViabilitySource};

use baton_core::Clock;
use baton_store::Store;
use org_cache::OrgCache;
use std::sync::Arc;

/// The application: a store, a clock, and where SLO verdicts come from.
pub struct Baton {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    viability: Arc<dyn ViabilitySource>,
    org: OrgCache,
}

impl Baton {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, viability: Arc<dyn ViabilitySource>) -> Self {
        Self { store, clock, viability, org: OrgCache::default() }
    }

    /// With the defaults: the system clock, and handover verdicts from the SLO engine.
    pub fn with_defaults(store: Arc<dyn Store>) -> Arc<Self> {
        Self::with_slo_engine(store, Arc::new(SystemClock))
    }

    /// Baton whose handover verdicts come from its own SLO engine (which reads back
    /// through this same Baton, hence the weak reference).
    pub fn with_slo_engine(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new_cyclic(|me| Self::new(store, clock, Arc::new(SloViability { baton: me.clone() })))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> baton_core::Timestamp {
        self.clock.now()
    }

    /// The organisation as last applied, reloaded only when another apply happened.
    pub async fn org(&self) -> Result<Arc<baton_core::Org>, AppError> {
        self.org.get(&*self.store).await
    }
}

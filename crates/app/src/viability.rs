//! Where the handover's SLO verdict comes from.
//!
//! The pipeline's rules take the verdict as a value; this trait is the seam. By default
//! (`Baton::with_slo_engine`) the SLO engine answers it from the SLOs' data
//! (`SloViability`); [`ReviewAttestation`] instead reads the verdict an SRE recorded in
//! their review of the SLOs and SOPs, for tests and for teams that decide by review.

use crate::AppError;
use async_trait::async_trait;
use baton_core::org::ServiceDef;
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::SoakVerdict;
use baton_core::{Timestamp, Viability};

#[async_trait]
pub trait ViabilitySource: Send + Sync {
    /// Whether `service` met its SLOs over `[from, to)`.
    async fn viability(
        &self,
        service: &ServiceDef,
        record: &ServiceRecord,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Viability, AppError>;

    /// What the SLOs say about a soak test over `[from, to)`: the same verdict, read as
    /// met, not met or no data. Sources that read the SLIs name the minutes that failed
    /// (`SloViability` does); this default, for sources that do not, names none.
    async fn soak(
        &self,
        service: &ServiceDef,
        record: &ServiceRecord,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SoakVerdict, AppError> {
        Ok(self.viability(service, record, from, to).await?.into())
    }
}

/// The verdict of the latest SRE review recorded during the transition period.
pub struct ReviewAttestation;

#[async_trait]
impl ViabilitySource for ReviewAttestation {
    async fn viability(
        &self,
        _: &ServiceDef,
        record: &ServiceRecord,
        from: Timestamp,
        _to: Timestamp,
    ) -> Result<Viability, AppError> {
        let review = record.review.as_ref().filter(|r| r.signed.at >= from);
        Ok(match review {
            Some(r) if r.slos_met => {
                Viability::Met { evidence: format!("attested by {} in their review ({})", r.signed.by, r.evidence) }
            }
            Some(r) => Viability::NotMet {
                reason: format!("the review by {} found them not met ({})", r.signed.by, r.evidence),
            },
            None => Viability::Unknown { reason: "no SRE review during the transition has attested them".into() },
        })
    }
}

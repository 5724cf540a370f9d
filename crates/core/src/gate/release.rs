//! What the two gates of gating-for-production mean once passed: `promote-to-prod` lets a
//! service into production on reduced criteria, where it runs under a lower assurance
//! until `customer-release` passes on the full criteria; only then may customers install
//! it, and no more of them, nor faster, than the agreed capacity and velocity.
//!
//! An organisation may define other gates too; these two ids carry the pipeline's
//! meaning. A gate the organisation does not define asks nothing.

use super::capacity::{may_install, InstallLimit};
use super::inputs::CapacityAgreement;
use crate::org::{Org, ServiceDef};
use crate::pipeline::{ServiceRecord, Stage};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The gate a service passes to enter production, on the reduced criteria.
pub const PROMOTE_TO_PROD: &str = "promote-to-prod";
/// The gate a service passes before customers may install it, on the full criteria.
pub const CUSTOMER_RELEASE: &str = "customer-release";

/// The assurance a service runs under, shown wherever the service is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "level", rename_all = "kebab-case")]
pub enum Assurance {
    /// Not in production (not yet, or no longer): nothing is assured.
    NotInProduction,
    /// In production on the reduced criteria: lower service assurance from SRE and
    /// support, and not for customers, until `customer-release` passes.
    Reduced { reason: String },
    /// In production with every criterion met (or no customer gate applies to it).
    Full,
}

impl Assurance {
    pub fn is_reduced(&self) -> bool {
        matches!(self, Assurance::Reduced { .. })
    }
}

fn in_production(stage: Stage) -> bool {
    matches!(stage, Stage::Transition | Stage::SreOwned)
}

/// Whether the `customer-release` gate lets customers at the service: passed, or not
/// defined by the organisation, or not applying to this kind of service.
fn customer_gate_open(org: &Org, service: &ServiceDef, record: &ServiceRecord) -> bool {
    match org.gates.values().find(|g| g.id.as_str() == CUSTOMER_RELEASE) {
        None => true,
        Some(g) if !g.applies_to.includes(service) => true,
        Some(_) => record.passed_gate(CUSTOMER_RELEASE).is_some(),
    }
}

/// The assurance `service` runs under, from its pipeline record.
pub fn assurance(org: &Org, service: &ServiceDef, record: &ServiceRecord) -> Assurance {
    if !in_production(record.stage) {
        return Assurance::NotInProduction;
    }
    if customer_gate_open(org, service, record) {
        return Assurance::Full;
    }
    let how = if record.passed_gate(PROMOTE_TO_PROD).is_some() {
        format!("in production on the reduced criteria of {PROMOTE_TO_PROD}")
    } else {
        "in production".to_owned()
    };
    Assurance::Reduced {
        reason: format!(
            "{how}; {CUSTOMER_RELEASE} not passed: lower service assurance, and not for customers until it passes"
        ),
    }
}

/// One reason an install request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallBlock {
    /// Nobody installs a service that is not in production.
    NotInProduction { stage: Stage },
    /// An external customer, before `customer-release` passed.
    NotReleased,
    /// An external customer of a service that is internal only.
    InternalOnly,
    /// Beyond the agreed capacity or velocity, or none agreed.
    Limit(InstallLimit),
}

impl InstallBlock {
    /// A stable name for the reason, e.g. for an API's list of unmet conditions.
    pub fn code(&self) -> &'static str {
        match self {
            InstallBlock::NotInProduction { .. } => "stage",
            InstallBlock::NotReleased => "release",
            InstallBlock::InternalOnly => "internal-only",
            InstallBlock::Limit(InstallLimit::NoAgreement | InstallLimit::NotAgreed { .. }) => "agreement",
            InstallBlock::Limit(InstallLimit::Capacity { .. }) => "capacity",
            InstallBlock::Limit(InstallLimit::Velocity { .. }) => "velocity",
        }
    }
}

impl fmt::Display for InstallBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallBlock::NotInProduction { stage } => {
                write!(f, "the service is in stage {stage}; installs need it in production (transition or sre-owned)")
            }
            InstallBlock::NotReleased => write!(
                f,
                "the customer is external and gate {CUSTOMER_RELEASE} has not passed; internal consumers may install"
            ),
            InstallBlock::InternalOnly => {
                f.write_str("the service is internal only; external customers do not install it")
            }
            InstallBlock::Limit(l) => l.fmt(f),
        }
    }
}

/// An install request refused, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("install refused: {}", .blocks.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct InstallDenied {
    pub blocks: Vec<InstallBlock>,
}

/// What an install request is judged on besides the service and its record.
#[derive(Debug, Clone, Copy)]
pub struct InstallRequest<'a> {
    /// A customer outside the organisation (as opposed to an internal consumer).
    pub external: bool,
    pub agreement: Option<&'a CapacityAgreement>,
    /// External installs that exist.
    pub installs_so_far: u32,
    /// External installs made in the last seven days.
    pub installs_in_last_week: u32,
}

/// Whether one more install of `service` may happen. Internal consumers may install once
/// the service is in production; an external customer needs `customer-release` passed
/// (when the organisation defines it) and room within the agreed capacity and velocity,
/// which count external installs only.
pub fn may_install_service(
    org: &Org,
    service: &ServiceDef,
    record: &ServiceRecord,
    request: &InstallRequest,
) -> Result<(), InstallDenied> {
    let mut blocks = Vec::new();
    if !in_production(record.stage) {
        blocks.push(InstallBlock::NotInProduction { stage: record.stage });
    }
    if request.external {
        if service.internal_only {
            blocks.push(InstallBlock::InternalOnly);
        } else if !customer_gate_open(org, service, record) {
            blocks.push(InstallBlock::NotReleased);
        }
        if let Err(refused) = may_install(request.agreement, request.installs_so_far, request.installs_in_last_week) {
            blocks.extend(refused.limits.into_iter().map(InstallBlock::Limit));
        }
    }
    if blocks.is_empty() {
        Ok(())
    } else {
        Err(InstallDenied { blocks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{AppliesTo, Gate, Requirement};
    use crate::org::ServiceLinks;
    use crate::pipeline::{GatePass, Signed};
    use crate::{GateId, PersonId, ServiceId, TeamId, Timestamp};

    fn service(internal_only: bool) -> ServiceDef {
        ServiceDef {
            id: ServiceId::parse("streamhub").unwrap(),
            name: "StreamHub".into(),
            description: None,
            owner_team: TeamId::parse("streamhub-dev").unwrap(),
            links: ServiceLinks::default(),
            internal_only,
            transition_window: None,
            personas: Default::default(),
            system: None,
            lifecycle: None,
        }
    }

    fn org() -> Org {
        let mut org = Org::default();
        let gate = Gate {
            id: GateId::parse(CUSTOMER_RELEASE).unwrap(),
            name: "Release to customers".into(),
            description: None,
            applies_to: AppliesTo::CustomerFacing,
            requirement: Requirement::ServiceDefinition,
        };
        org.gates.insert(gate.id.clone(), gate);
        org
    }

    fn record(stage: Stage, released: bool) -> ServiceRecord {
        let mut r = ServiceRecord { stage, ..Default::default() };
        if released {
            let signed = Signed { by: PersonId::parse("noor.castellano").unwrap(), at: Timestamp::UNIX_EPOCH };
            r.gates.insert(GateId::parse(CUSTOMER_RELEASE).unwrap(), GatePass { version: None, signed });
        }
        r
    }

    fn agreed(max: u32, per_week: u32) -> CapacityAgreement {
        CapacityAgreement {
            max_installs: max,
            max_installs_per_week: per_week,
            approved_by: Some(PersonId::parse("beatriz.nakamura").unwrap()),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_service_in_production_without_customer_release_runs_on_reduced_assurance() {
        let a = assurance(&org(), &service(false), &record(Stage::Transition, false));
        assert!(a.is_reduced(), "{a:?}");
        let Assurance::Reduced { reason } = a else { unreachable!() };
        assert!(reason.contains("customer-release not passed"), "{reason}");
        assert_eq!(assurance(&org(), &service(false), &record(Stage::SreOwned, true)), Assurance::Full);
        assert_eq!(assurance(&org(), &service(false), &record(Stage::Onboarding, false)), Assurance::NotInProduction);
    }

    #[test]
    fn entering_production_needs_promote_to_prod_passed_only_where_it_is_defined() {
        use crate::pipeline::{blockers, Context};
        let unknown = crate::Viability::Unknown { reason: "n/a".into() };
        let gate_unmet = |org: &Org, record: &ServiceRecord| {
            let def = service(false);
            let ctx = Context { org, service: &def, now: Timestamp::UNIX_EPOCH, viability: &unknown, soak: None };
            blockers(&ctx, record).into_iter().filter(|u| u.code == "gate").map(|u| u.message).collect::<Vec<_>>()
        };
        let mut org = org();
        let onboarding = record(Stage::Onboarding, false);
        assert!(gate_unmet(&org, &onboarding).is_empty(), "no promote-to-prod gate, no condition");
        let gate = Gate {
            id: GateId::parse(PROMOTE_TO_PROD).unwrap(),
            name: "Promote to production".into(),
            description: None,
            applies_to: AppliesTo::All,
            requirement: Requirement::ServiceDefinition,
        };
        org.gates.insert(gate.id.clone(), gate);
        assert_eq!(gate_unmet(&org, &onboarding), vec!["gate promote-to-prod not passed"]);
        let mut passed = onboarding.clone();
        let signed = Signed { by: PersonId::parse("noor.castellano").unwrap(), at: Timestamp::UNIX_EPOCH };
        passed.gates.insert(GateId::parse(PROMOTE_TO_PROD).unwrap(), GatePass { version: None, signed });
        assert!(gate_unmet(&org, &passed).is_empty());
    }

    #[test]
    fn internal_only_services_and_organisations_without_the_gate_are_not_reduced() {
        assert_eq!(assurance(&org(), &service(true), &record(Stage::SreOwned, false)), Assurance::Full);
        assert_eq!(assurance(&Org::default(), &service(false), &record(Stage::SreOwned, false)), Assurance::Full);
    }

    #[test]
    fn internal_consumers_install_once_in_production_without_capacity() {
        let internal =
            InstallRequest { external: false, agreement: None, installs_so_far: 0, installs_in_last_week: 0 };
        assert_eq!(may_install_service(&org(), &service(false), &record(Stage::Transition, false), &internal), Ok(()));
        let err =
            may_install_service(&org(), &service(false), &record(Stage::Onboarding, false), &internal).unwrap_err();
        assert_eq!(err.blocks, vec![InstallBlock::NotInProduction { stage: Stage::Onboarding }]);
    }

    #[test]
    fn external_customers_need_the_release_and_room_within_capacity_and_velocity() {
        let a = agreed(2, 1);
        let ext = |so_far, week| InstallRequest {
            external: true,
            agreement: Some(&a),
            installs_so_far: so_far,
            installs_in_last_week: week,
        };
        let unreleased = record(Stage::SreOwned, false);
        let err = may_install_service(&org(), &service(false), &unreleased, &ext(0, 0)).unwrap_err();
        assert_eq!(err.blocks, vec![InstallBlock::NotReleased]);
        assert!(err.to_string().contains("customer-release has not passed"), "{err}");
        let released = record(Stage::SreOwned, true);
        assert_eq!(may_install_service(&org(), &service(false), &released, &ext(1, 0)), Ok(()));
        let err = may_install_service(&org(), &service(false), &released, &ext(2, 1)).unwrap_err();
        let codes: Vec<_> = err.blocks.iter().map(InstallBlock::code).collect();
        assert_eq!(codes, vec!["capacity", "velocity"]);
        let err = may_install_service(&org(), &service(true), &released, &ext(0, 0)).unwrap_err();
        assert_eq!(err.blocks, vec![InstallBlock::InternalOnly]);
    }
}

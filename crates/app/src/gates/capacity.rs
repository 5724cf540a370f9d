//! Capacity and velocity: the owner team proposes the numbers, the assigned SRE team
//! agrees them, and installs beyond them are refused (`core::gate::may_install_service`).

use super::acts::{act_error, person, text};
use super::read::counts;
use super::*;
use crate::decision::{audit, record_write, Subject};
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::gate::{may_agree_capacity, may_install_service, may_propose_capacity, InstallRequest};
use baton_core::pipeline::{may_work_on_service, PipelineError, ServiceWork, Unmet};
use baton_store::{from_json, Commit, RecordWrite};

/// Far beyond any real agreement; a typo of a few zeros is refused.
const MAX_NUMBER: u32 = 1_000_000;

fn refused(action: &'static str, code: &'static str, message: String) -> AppError {
    AppError::Pipeline(PipelineError::Refused { action, unmet: vec![Unmet { code, message }] })
}

impl Baton {
    /// Proposes capacity and velocity numbers for `service`, as a member of its owner
    /// team. New numbers need agreeing again.
    pub async fn propose_capacity(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        input: CapacityIn,
    ) -> Result<Capacity, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        let def = crate::service_def(&org, service)?;
        may_propose_capacity(&org, def, actor).map_err(|e| act_error(e, "service"))?;
        for (field, n) in [("max_installs", input.max_installs), ("max_installs_per_week", input.max_installs_per_week)]
        {
            if !(1..=MAX_NUMBER).contains(&n) {
                return Err(AppError::Invalid {
                    field: field.into(),
                    message: format!("must be from 1 to {MAX_NUMBER}"),
                });
            }
        }
        let now = self.now();
        let capacity = Capacity {
            agreement: CapacityAgreement {
                max_installs: input.max_installs,
                max_installs_per_week: input.max_installs_per_week,
                approved_by: None,
                at: now,
            },
            proposed_by: actor.clone(),
            proposed_at: now,
        };
        let version = self.store.record(CAPACITY_KIND, service.as_str()).await?.map_or(0, |r| r.version);
        let details = serde_json::json!({
            "max_installs": input.max_installs, "max_installs_per_week": input.max_installs_per_week,
        });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(CAPACITY_KIND, service.to_string(), version, &capacity, None)?],
            audit: vec![audit(actor, "gate.capacity.propose", Subject::Service(service), &details)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(capacity)
    }

    /// Agrees the proposed numbers, as a member of the service's assigned SRE team.
    pub async fn approve_capacity(&self, actor: &PersonId, service: &ServiceId) -> Result<Capacity, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        crate::service_def(&org, service)?;
        let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        let action = "gate.capacity.approve";
        let Some(team) = record.sre_team() else {
            let message = "no SRE team is assigned yet, so nobody may agree capacity and velocity".to_owned();
            return Err(refused(action, "stage", message));
        };
        may_agree_capacity(&org, service, team, actor).map_err(|e| act_error(e, "service"))?;
        let Some(stored) = self.store.record(CAPACITY_KIND, service.as_str()).await? else {
            let message =
                format!("no capacity and velocity numbers are proposed for {service}: its owner team proposes them");
            return Err(refused(action, "capacity", message));
        };
        let mut capacity: Capacity = from_json("gate capacity", &stored.body)?;
        if capacity.agreement.approved_by.is_some() {
            return Ok(capacity);
        }
        let now = self.now();
        capacity.agreement.approved_by = Some(actor.clone());
        capacity.agreement.at = now;
        let details = serde_json::json!({
            "max_installs": capacity.agreement.max_installs,
            "max_installs_per_week": capacity.agreement.max_installs_per_week,
            "proposed_by": capacity.proposed_by,
        });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(CAPACITY_KIND, service.to_string(), stored.version, &capacity, None)?],
            audit: vec![audit(actor, action, Subject::Service(service), &details)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(capacity)
    }

    /// Records an install of `service`, or refuses it with every reason: not in
    /// production, an external customer before `customer-release`, or beyond the agreed
    /// capacity or velocity.
    pub async fn record_install(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        input: InstallIn,
    ) -> Result<Install, AppError> {
        text("customer", &input.customer)?;
        text("cluster", &input.cluster)?;
        on_conflict!({
            let org = self.org().await?;
            person(&org, actor)?;
            let def = crate::service_def(&org, service)?;
            let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
            may_work_on_service(&org, def, &record, actor, ServiceWork::RecordInstalls)?;
            let now = self.now();
            let capacity = self.store.record(CAPACITY_KIND, service.as_str()).await?;
            let agreement: Option<Capacity> =
                capacity.as_ref().map(|r| from_json("gate capacity", &r.body)).transpose()?;
            let c = counts(&self.installs(service).await?, now);
            let request = InstallRequest {
                external: input.external,
                agreement: agreement.as_ref().map(|a| &a.agreement),
                installs_so_far: c.external,
                installs_in_last_week: c.external_last_week,
            };
            if let Err(denied) = may_install_service(&org, def, &record, &request) {
                let unmet = denied.blocks.iter().map(|b| Unmet { code: b.code(), message: b.to_string() }).collect();
                return Err(AppError::Pipeline(PipelineError::Refused { action: "gate.install", unmet }));
            }
            let install = Install {
                id: crate::auth::random_hex(6),
                service: service.clone(),
                customer: input.customer.clone(),
                cluster: input.cluster.clone(),
                external: input.external,
                by: actor.clone(),
                at: now,
            };
            let mut records = vec![record_write(INSTALL_KIND, format!("{service}/{}", install.id), 0, &install, None)?];
            // Customers' installs are counted, so two at once must not both take the last
            // place: rewriting the agreement under its version makes the second one retry.
            if let (true, Some(stored)) = (install.external, &capacity) {
                records.push(RecordWrite {
                    kind: CAPACITY_KIND.into(),
                    id: service.to_string(),
                    expected_version: stored.version,
                    body: stored.body.clone(),
                    due_at: None,
                });
            }
            let details = serde_json::json!({
                "install": install.id, "customer": install.customer, "cluster": install.cluster,
                "external": install.external, "external_installs_before": c.external,
                "external_installs_last_week_before": c.external_last_week,
            });
            let commit = Commit {
                alerts: Vec::new(),
                records,
                audit: vec![audit(actor, "gate.install", Subject::Service(service), &details)?],
                notifications: Vec::new(),
            };
            self.store.commit(&commit, now).await?;
            Ok(install)
        })
    }
}

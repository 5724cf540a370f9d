//! Reading alerts, acknowledging and resolving them as a person, and the engine's steps
//! for alerts (escalation) and integrations (heartbeats).

use super::intake::{alert_id, Batch};
use super::{ALERT, INTEGRATION};
use crate::{AppError, Baton};
use baton_core::audit::AuditEntry;
use baton_core::paging::{Actor, Alert, AlertError, Integration, Status};
use baton_core::{PersonId, ServiceId, Timestamp};
use baton_store::{from_json, to_json, StoredRecord};
use serde::{Deserialize, Serialize};

/// Which alerts to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AlertQuery {
    /// Only this service's.
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub service: Option<ServiceId>,
    /// Only open (triggered or acknowledged) alerts; the default. `false` lists resolved
    /// ones too, earlier incarnations included.
    pub open: Option<bool>,
    /// At most this many, newest first (default 200, at most 1000).
    pub limit: Option<usize>,
}

/// An alert as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertView {
    /// `<service>/<dedup key>`, or with `#<µs>` for an earlier incarnation.
    pub id: String,
    #[serde(flatten)]
    pub alert: Alert,
}

fn view(record: &StoredRecord) -> Result<AlertView, AppError> {
    Ok(AlertView { id: record.id.clone(), alert: from_json("alert", &record.body)? })
}

impl Baton {
    pub async fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertView>, AppError> {
        let prefix = q.service.as_ref().map(|s| format!("{s}/")).unwrap_or_default();
        let open_only = q.open.unwrap_or(true);
        let mut out = Vec::new();
        for record in self.store.records(ALERT, &prefix).await? {
            let v = view(&record)?;
            if !open_only || v.alert.is_open() {
                out.push(v);
            }
        }
        out.sort_by(|a, b| b.alert.last_triggered_at.cmp(&a.alert.last_triggered_at).then(a.id.cmp(&b.id)));
        out.truncate(q.limit.unwrap_or(200).min(1000));
        Ok(out)
    }

    pub async fn alert(&self, service: &ServiceId, dedup_key: &str) -> Result<AlertView, AppError> {
        let id = alert_id(service, dedup_key);
        let record =
            self.store.record(ALERT, &id).await?.ok_or_else(|| AppError::NotFound(format!("no alert `{id}`")))?;
        view(&record)
    }

    /// Members of the service's owner team, of its SRE team, and of the team whose policy
    /// pages for the alert may acknowledge and resolve it.
    async fn may_respond(&self, actor: &PersonId, alert: &Alert) -> Result<(), AppError> {
        let org = self.org().await?;
        let record = self.store.service_record(&alert.service).await?.map(|v| v.value).unwrap_or_default();
        let mut teams: Vec<_> = org.services.get(&alert.service).map(|s| s.owner_team.clone()).into_iter().collect();
        teams.extend(record.sre_team().cloned());
        teams.extend(org.escalations.get(&alert.policy).map(|p| p.team.clone()));
        if teams.iter().any(|t| org.is_member(actor, t)) {
            return Ok(());
        }
        let names = teams.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        Err(AppError::Forbidden(format!(
            "{actor} may not respond to alerts of `{}`: only members of {names} may",
            alert.service
        )))
    }

    /// Acknowledges (`resolve == false`) or resolves an alert as `actor`: escalation stops,
    /// the policy's channels hear of it, and the audit log records who.
    pub async fn respond_to_alert(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
        resolve: bool,
    ) -> Result<AlertView, AppError> {
        let id = alert_id(service, dedup_key);
        let record =
            self.store.record(ALERT, &id).await?.ok_or_else(|| AppError::NotFound(format!("no alert `{id}`")))?;
        let mut alert: Alert = from_json("alert", &record.body)?;
        self.may_respond(actor, &alert).await?;
        let now = self.now();
        let by = Actor::Person(actor.clone());
        let done = if resolve { alert.resolve(by, now) } else { alert.acknowledge(by, now) };
        match done {
            Ok(()) => {}
            // Already done (perhaps by this very request, retried): not an error to report.
            Err(AlertError::AlreadyAcknowledged(_)) if !resolve => return view(&record),
            Err(AlertError::AlreadyResolved(_)) => return view(&record),
            Err(e) => return Err(AppError::Invalid { field: "alert".into(), message: e.to_string() }),
        }
        let mut batch = Batch::new(self).await?;
        batch.queue_update(&alert)?;
        batch.audit(AuditEntry {
            actor: actor.to_string(),
            action: if resolve { "alert.resolve" } else { "alert.acknowledge" }.into(),
            subject: format!("alert/{id}"),
            reason: None,
            details: to_json(&serde_json::json!({ "opened_at": alert.opened_at, "summary": alert.summary }))?,
        });
        let mut commit = batch.into_commit()?;
        commit.records.push(baton_store::RecordWrite {
            kind: ALERT.into(),
            id: id.clone(),
            expected_version: record.version,
            body: to_json(&alert)?,
            due_at: None,
        });
        self.store.commit(&commit, now).await?;
        self.paging.wake.notify_one();
        Ok(AlertView { id, alert })
    }

    /// The engine's step for a due alert: run its escalation step.
    pub(crate) async fn escalate_due(&self, record: &StoredRecord) -> Result<(), AppError> {
        let mut alert: Alert = from_json("alert", &record.body)?;
        let mut batch = Batch::new(self).await?;
        if alert.status == Status::Triggered {
            batch.escalate(&mut alert).await?;
        }
        let mut commit = batch.into_commit()?;
        commit.records.push(baton_store::RecordWrite {
            kind: ALERT.into(),
            id: record.id.clone(),
            expected_version: record.version,
            body: to_json(&alert)?,
            due_at: alert.escalation.next_at,
        });
        self.store.commit(&commit, self.now()).await?;
        self.paging.wake.notify_one();
        Ok(())
    }

    /// The engine's step for a due integration: its heartbeat is missed, raise its alert.
    pub(crate) async fn check_heartbeat(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let mut integration: Integration = from_json("integration", &record.body)?;
        let mut batch = Batch::new(self).await?;
        if let Some(event) = integration.check_heartbeat(now) {
            let service = integration.service.clone();
            batch.event(&service, event).await?;
        }
        batch.put_integration(record.version, integration);
        let commit = batch.into_commit()?;
        debug_assert!(commit.records.iter().any(|r| r.kind == INTEGRATION));
        self.store.commit(&commit, now).await?;
        self.paging.wake.notify_one();
        Ok(())
    }
}

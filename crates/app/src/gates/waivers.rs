//! Waivers: a requirement set aside for one service and gate until it expires, approved by
//! the service's SRE team or the architects; the owner team is told when one expires.

use super::acts::{act_error, person, text};
use super::*;
use crate::decision::{audit_because, record_write, Subject};
use crate::outbox::{messages, team_channels};
use crate::{AppError, Baton};
use baton_core::gate::{check_waiver, waiving_team};
use baton_core::notice::{Notice, NoticeKind, NoticeLink};
use baton_store::{from_json, to_json, Commit, StoredRecord};

const EXPIRY_ACTOR: &str = "system:engine";

impl Baton {
    /// Waives requirement `input.requirement` of `gate` for `service` until `input.expires_at`.
    pub async fn waive_gate_requirement(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        gate: &GateId,
        input: WaiverIn,
    ) -> Result<GateWaiver, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        crate::service_def(&org, service)?;
        let g = Self::gate_def(&org, gate)?;
        let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        let architects = org.pipeline_policy().architects_team;
        let team = waiving_team(&org, gate, service, record.sre_team(), &architects, actor, input.approver_team)
            .map_err(|e| act_error(e, "approver_team"))?;
        text("reason", &input.reason)?;
        let now = self.now();
        let waiver = Waiver {
            requirement: input.requirement,
            reason: input.reason,
            approved_by: actor.clone(),
            approver_team: team,
            expires_at: input.expires_at,
            at: now,
        };
        check_waiver(&org, g, &waiver).map_err(|e| act_error(e, "approver_team"))?;
        let w = GateWaiver {
            id: crate::auth::random_hex(6),
            gate: gate.clone(),
            service: service.clone(),
            waiver,
            active: true,
            expiry_noticed: false,
        };
        let details = serde_json::json!({
            "gate": gate, "waiver": w.id, "requirement": w.waiver.requirement,
            "approver_team": w.waiver.approver_team, "expires_at": w.waiver.expires_at,
        });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(
                WAIVER_KIND,
                format!("{service}/{gate}/{}", w.id),
                0,
                &w,
                Some(w.waiver.expires_at),
            )?],
            audit: vec![audit_because(actor, "gate.waive", Subject::Service(service), &w.waiver.reason, &details)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(w)
    }

    /// The engine's arm for a due `gate-waiver`: it has expired, so the requirement counts
    /// again. The owner team is told, once, through its channels.
    pub(crate) async fn expire_gate_waiver(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let mut w: GateWaiver = from_json("gate waiver", &record.body)?;
        let mut commit = Commit::default();
        let org = self.org().await?;
        if !w.expiry_noticed && w.waiver.expires_at <= now {
            w.expiry_noticed = true;
            w.active = false;
            if let Some(def) = org.services.get(&w.service) {
                let links = self
                    .public_url()
                    .map(|base| NoticeLink { label: "The gate".into(), url: format!("{base}/services/{}", w.service) })
                    .into_iter()
                    .collect();
                let notice = Notice {
                    kind: NoticeKind::Info,
                    subject: format!("gate/{}/{}", w.service, w.gate),
                    title: format!("Waiver expired: {} on {} for {}", w.waiver.requirement, w.gate, w.service),
                    text: format!(
                        "The waiver by {} ({}) expired; {} counts again on gate {}, which may now fail. It was waived because: {}",
                        w.waiver.approved_by, w.waiver.approver_team, w.waiver.requirement, w.gate, w.waiver.reason
                    ),
                    to: Vec::new(),
                    severity: None,
                    links,
                    alert: None,
                };
                let key = format!("gate-waiver-expired/{}", record.id);
                commit.notifications = messages(&notice, &team_channels(&org, &def.owner_team), &key, now)?;
            }
            let details = serde_json::json!({ "gate": w.gate, "waiver": w.id, "requirement": w.waiver.requirement });
            commit.audit.push(baton_core::audit::AuditEntry {
                actor: EXPIRY_ACTOR.into(),
                action: "gate.waiver.expire".into(),
                subject: format!("service/{}", w.service),
                reason: None,
                details: to_json(&details)?,
            });
        }
        commit.records.push(record_write(
            WAIVER_KIND,
            record.id.clone(),
            record.version,
            &w,
            (!w.expiry_noticed).then_some(w.waiver.expires_at),
        )?);
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(())
    }
}

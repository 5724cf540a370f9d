//! Waivers: a requirement set aside for one service and gate until it expires, approved by
//! the service's SRE team or the architects; the owner team is told when one expires.

use super::acts::{act_error, audit, person, text};
use super::*;
use crate::outbox::{messages, team_channels};
use crate::{AppError, Baton};
use baton_core::gate::check_waiver;
use baton_core::notice::{Notice, NoticeKind, NoticeLink};
use baton_store::{from_json, to_json, Commit, RecordWrite, StoredRecord};

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
        // Production is SRE's to run and the process is the architects': they may set a
        // requirement aside, for a while, with a reason that stays on the gate.
        let mut approvers: Vec<TeamId> = record.sre_team().cloned().into_iter().collect();
        approvers.push(org.pipeline_policy().architects_team);
        let names = || approvers.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(" or ");
        let team = match input.approver_team {
            Some(t) if approvers.contains(&t) => t,
            Some(t) => {
                return Err(AppError::Invalid {
                    field: "approver_team".into(),
                    message: format!(
                        "`{t}` does not approve waivers for {service}; its waivers are approved by {}",
                        names()
                    ),
                })
            }
            None => approvers.iter().find(|t| org.is_member(actor, t)).cloned().ok_or_else(|| {
                AppError::Forbidden(format!(
                    "{actor} may not waive requirements of gate {gate} for {service}: only members of {} may",
                    names()
                ))
            })?,
        };
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
            records: vec![RecordWrite {
                kind: WAIVER_KIND.into(),
                id: format!("{service}/{gate}/{}", w.id),
                expected_version: 0,
                body: to_json(&w)?,
                due_at: Some(w.waiver.expires_at),
            }],
            audit: vec![audit(actor, "gate.waive", service, Some(&w.waiver.reason), details)?],
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
        commit.records.push(RecordWrite {
            kind: WAIVER_KIND.into(),
            id: record.id.clone(),
            expected_version: record.version,
            body: to_json(&w)?,
            due_at: (!w.expiry_noticed).then_some(w.waiver.expires_at),
        });
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(())
    }
}

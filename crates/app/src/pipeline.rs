//! The pipeline use cases: apply definitions, act on a service, read services and the
//! audit log.

use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::audit::{AuditEntry, ChainBreak, Checkpoint, CheckpointBreak, Verifier};
use baton_core::definition::diff;
use baton_core::org::{ChecklistItem, ServiceDef};
use baton_core::pipeline::{blockers, decide, Command, Context, ItemState, ServiceRecord, Stage, Unmet};
use baton_core::slo::SoakVerdict;
use baton_core::{Change, ChangeKind, Org, PersonId, ServiceId, Timestamp, Viability};
use baton_store::{to_json, AuditQuery};
use serde::Serialize;

/// What an apply changed (or, dry, would change).
#[derive(Debug)]
pub struct ApplyReport {
    pub changes: Vec<Change>,
    pub revision: i64,
    /// Things worth a second look that do not stop the apply.
    pub warnings: Vec<String>,
    /// Open alerts whose policy the change removes (or that nothing could take so far):
    /// where each goes now, or that it is stranded.
    pub rerouted: Vec<String>,
}

impl ApplyReport {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistLine {
    #[serde(flatten)]
    pub item: ChecklistItem,
    pub state: Option<ItemState>,
    /// Done, or waived and the waiver not yet expired.
    pub satisfied: bool,
}

/// One service as the board, the service page and `baton service show` present it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceView {
    pub definition: ServiceDef,
    pub stage: Stage,
    /// The phase of the process documents the stage belongs to.
    #[cfg_attr(feature = "openapi", schema(example = "onboarding"))]
    pub phase: &'static str,
    pub version: i64,
    pub record: ServiceRecord,
    /// What stands between the service and its next stage.
    pub blockers: Vec<Unmet>,
    pub checklist: Vec<ChecklistLine>,
    /// The SLO verdict over the transition window, while in transition.
    pub viability: Option<Viability>,
    /// The assurance it runs under: reduced while in production without `customer-release`.
    pub assurance: baton_core::gate::Assurance,
}

impl Baton {
    /// What applying `desired` would change, without changing anything.
    pub async fn plan(&self, desired: &Org) -> Result<ApplyReport, AppError> {
        let current = self.store.definitions().await?;
        let changes = diff(&current.value, &desired.definitions());
        let mut warnings = Vec::new();
        for c in changes.iter().filter(|c| c.kind == ChangeKind::Removed) {
            if let baton_core::Definition::Service(s) = &c.definition {
                if let Some(r) = self.store.service_record(&s.id).await? {
                    if !r.value.stage.is_terminal() {
                        warnings.push(format!(
                            "service `{}` is removed from the definitions while in stage {}; its pipeline record is kept but no longer shown",
                            s.id, r.value.stage
                        ));
                    }
                }
            }
        }
        let rerouted = self.alerts_to_route(desired).await?.into_iter().map(|(_, line)| line).collect();
        Ok(ApplyReport { changes, revision: current.version, warnings, rerouted })
    }

    /// Applies `desired` in one transaction, one audit record per change.
    pub async fn apply(&self, desired: &Org, actor: &str) -> Result<ApplyReport, AppError> {
        let mut report = self.plan(desired).await?;
        if !report.changes.is_empty() {
            report.revision = self.store.apply_definitions(report.revision, &report.changes, actor, self.now()).await?;
        }
        // The SLO watches follow the definitions (new SLOs get one, changed ones are looked
        // at now). A failure here loses nothing: the watch compares with the definition.
        let changed: Vec<baton_core::SloId> = report
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Changed)
            .filter_map(|c| match &c.definition {
                baton_core::Definition::Slo(s) => Some(s.id.clone()),
                _ => None,
            })
            .collect();
        if let Err(e) = self.watch_slos(desired, &changed).await {
            report.warnings.push(format!("the SLO watches were not updated ({e}); the next apply retries"));
        }
        if let Err(e) = self.ensure_slo_alerting().await {
            report.warnings.push(format!("the SLO alerting engine was not set up ({e}); the next apply retries"));
        }
        // Routed at once rather than at their next step: an acknowledged alert has none,
        // and a stranded one waits for exactly this.
        if let Err(e) = self.route_open_alerts().await {
            report.warnings.push(format!("open alerts were not all routed again ({e}); the engine retries"));
        }
        Ok(report)
    }

    async fn viability_for(
        &self,
        def: &ServiceDef,
        record: &ServiceRecord,
        org: &Org,
        now: Timestamp,
    ) -> Result<Option<Viability>, AppError> {
        let Some(production) = record.production.as_ref().filter(|_| record.stage == Stage::Transition) else {
            return Ok(None);
        };
        // A rolling window: the last `transition_window` of production, or all of it so far.
        let window = def.transition_window.unwrap_or(org.pipeline_policy().transition_window);
        let from = now.checked_sub(window.duration()).map_or(production.since, |t| t.max(production.since));
        Ok(Some(self.viability.viability(def, record, from, now).await?))
    }

    /// The service's SLOs judged over a soak test's window, `[started_at, ended_at)`, by the
    /// same source and maths as the transition window's verdict (every SLO met, with data
    /// on every day of it): the soak's result, met, not met (with the SLOs and minutes
    /// that failed) or no data.
    async fn soak_verdict(
        &self,
        def: &ServiceDef,
        record: &ServiceRecord,
        started_at: Timestamp,
        ended_at: Timestamp,
    ) -> Result<SoakVerdict, AppError> {
        self.viability.soak(def, record, started_at, ended_at).await
    }

    /// What the service's SLOs say now about its recorded soak test's window; `None` when
    /// none is recorded. The pipeline reads the verdict stored with the soak when it was
    /// recorded (`ServiceRecord::soak`); this recomputes it, e.g. after late samples.
    pub async fn soak_slos(&self, id: &ServiceId) -> Result<Option<SoakVerdict>, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, id)?;
        let record = self.store.service_record(id).await?.map(|v| v.value).unwrap_or_default();
        match &record.soak {
            Some(soak) => Ok(Some(self.soak_verdict(def, &record, soak.started_at, soak.ended_at).await?)),
            None => Ok(None),
        }
    }

    fn view(
        org: &Org,
        def: &ServiceDef,
        version: i64,
        record: ServiceRecord,
        now: Timestamp,
        viability: Option<Viability>,
    ) -> ServiceView {
        let unknown = Viability::Unknown { reason: "not in transition".into() };
        let ctx = Context { org, service: def, now, viability: viability.as_ref().unwrap_or(&unknown), soak: None };
        let blockers = blockers(&ctx, &record);
        let checklist = org
            .checklist
            .iter()
            .map(|item| {
                let state = record.items.get(&item.id).cloned();
                let satisfied = match &state {
                    Some(ItemState::Done { .. }) => true,
                    Some(ItemState::Waived { expires_at, .. }) => *expires_at > now,
                    None => false,
                };
                ChecklistLine { item: item.clone(), state, satisfied }
            })
            .collect();
        ServiceView {
            definition: def.clone(),
            stage: record.stage,
            phase: record.stage.phase(),
            version,
            assurance: baton_core::gate::assurance(org, def, &record),
            record,
            blockers,
            checklist,
            viability,
        }
    }

    pub async fn service(&self, id: &ServiceId) -> Result<ServiceView, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, id)?;
        let stored = self.store.service_record(id).await?;
        let (version, record) = stored.map_or((0, ServiceRecord::default()), |v| (v.version, v.value));
        let now = self.now();
        let viability = self.viability_for(def, &record, &org, now).await?;
        Ok(Self::view(&org, def, version, record, now, viability))
    }

    /// Every defined service, in id order.
    pub async fn services(&self) -> Result<Vec<ServiceView>, AppError> {
        let org = self.org().await?;
        let mut records: std::collections::BTreeMap<_, _> = self.store.service_records().await?.into_iter().collect();
        let now = self.now();
        let mut out = Vec::with_capacity(org.services.len());
        for (id, def) in &org.services {
            let (version, record) = records.remove(id).map_or((0, ServiceRecord::default()), |v| (v.version, v.value));
            let viability = self.viability_for(def, &record, &org, now).await?;
            out.push(Self::view(&org, def, version, record, now, viability));
        }
        Ok(out)
    }

    /// Carries out `command` on service `id` for `actor`, recording it in the audit log in
    /// the same transaction. A concurrent change is retried from a fresh read, so the
    /// decision is always made on what is stored.
    pub async fn act(&self, id: &ServiceId, actor: &PersonId, command: Command) -> Result<ServiceView, AppError> {
        on_conflict!({
            let org = self.org().await?;
            if !org.people.contains_key(actor) {
                return Err(AppError::Unauthenticated(format!(
                    "`{actor}` is not a person defined in the organisation"
                )));
            }
            let def = crate::service_def(&org, id)?;
            let stored = self.store.service_record(id).await?;
            let (version, record) = stored.map_or((0, ServiceRecord::default()), |v| (v.version, v.value));
            let now = self.now();
            let viability = self.viability_for(def, &record, &org, now).await?;
            let unknown = Viability::Unknown { reason: "the service is not in its transition period".into() };
            // A soak test's result is what the SLOs say over its window: judged here, read
            // by the rules. Only for a window that has ended (else the rules refuse it, and
            // a window reaching into the future is not worth reading).
            let soak = match &command {
                Command::RecordSoak(s) if s.started_at < s.ended_at && s.ended_at <= now && s.result.is_none() => {
                    Some(self.soak_verdict(def, &record, s.started_at, s.ended_at).await?)
                }
                _ => None,
            };
            let ctx = Context {
                org: &org,
                service: def,
                now,
                viability: viability.as_ref().unwrap_or(&unknown),
                soak: soak.as_ref(),
            };
            let outcome = decide(&ctx, &record, actor, &command)?;
            // The handover's evidence is part of what was agreed: keep it with the command.
            // So is the SLOs' verdict over the soak window, when the soak is recorded (an
            // override is recorded as `service.override-soak`, its reason the record's, the
            // verdict it set aside beside it) and when production is entered on it.
            let details = match (&command, &soak) {
                (Command::HandOver(_), _) => {
                    to_json(&serde_json::json!({ "command": &command, "viability": &viability }))?
                }
                (Command::RecordSoak(s), Some(v)) => to_json(&serde_json::json!({
                    "command": &command,
                    "soak_slos": v,
                    "result": outcome.record.soak.as_ref().map(|t| t.result),
                    "overridden": s.overridden.is_some(),
                }))?,
                (Command::EnterProduction(_), _) => match &record.soak {
                    Some(t) => {
                        let soak_slos = self.soak_verdict(def, &record, t.started_at, t.ended_at).await?;
                        to_json(&serde_json::json!({ "command": &command, "soak_slos": soak_slos }))?
                    }
                    None => to_json(&command)?,
                },
                _ => to_json(&command)?,
            };
            let audit = AuditEntry {
                actor: actor.to_string(),
                action: command.action().to_owned(),
                subject: format!("service/{id}"),
                reason: command.reason().map(str::to_owned),
                details,
            };
            let new_version = self.store.save_service_record(id, version, &outcome.record, audit, now).await?;
            if let Some((from, to)) = outcome.moved {
                tracing::info!(service = %id, %actor, %from, %to, "service moved");
            }
            let viability = self.viability_for(def, &outcome.record, &org, now).await?;
            Ok(Self::view(&org, def, new_version, outcome.record, now, viability))
        })
    }

    /// Audit records about `subject`, newest first, as anyone may read them (`public`).
    pub async fn history(&self, subject: &str, limit: i64) -> Result<Vec<baton_core::audit::AuditRecord>, AppError> {
        let q = AuditQuery { subject: Some(subject.to_owned()), limit, newest_first: true, ..Default::default() };
        Ok(self.store.audit(&q).await?.into_iter().map(baton_core::audit::AuditRecord::public).collect())
    }

    /// Walks the whole audit log. `Ok(Ok(n))`: n records verified; `Ok(Err(b))`: the chain
    /// is broken at `b.first_bad()`.
    pub async fn verify_audit(&self) -> Result<Result<u64, ChainBreak>, AppError> {
        // Read the head first: records appended during the walk are then simply beyond it.
        let head = self.store.audit_head().await?;
        let mut verifier = Verifier::default();
        let mut after = 0;
        let last = head.as_ref().map_or(0, |h| h.seq);
        while after < last {
            let page = self.store.audit(&AuditQuery { after_seq: after, limit: 1000, ..Default::default() }).await?;
            let Some(end) = page.last().map(|r| r.seq) else { break };
            for r in page.iter().take_while(|r| r.seq <= last) {
                if let Err(b) = verifier.push(r) {
                    return Ok(Err(b));
                }
            }
            after = end;
        }
        Ok(verifier.finish(head.as_ref()))
    }

    /// The audit log's head signed with `key` (see `core::audit::Checkpoint`); `None` while
    /// the log is empty.
    pub async fn audit_checkpoint(&self, key: &[u8]) -> Result<Option<Checkpoint>, AppError> {
        Ok(self.store.audit_head().await?.map(|head| Checkpoint::sign(&head, key)))
    }

    /// Checks each checkpoint against the stored log; answers how many held, or the first
    /// that does not.
    pub async fn check_checkpoints(
        &self,
        key: &[u8],
        checkpoints: &[Checkpoint],
    ) -> Result<Result<usize, CheckpointBreak>, AppError> {
        let last = self.store.audit_head().await?.map_or(0, |h| h.seq);
        for cp in checkpoints {
            let q = AuditQuery { after_seq: cp.seq - 1, limit: 1, ..Default::default() };
            let record = self.store.audit(&q).await?.into_iter().find(|r| r.seq == cp.seq);
            if let Err(b) = cp.check(key, record.as_ref().map(|r| r.hash.as_str()), last) {
                return Ok(Err(b));
            }
        }
        Ok(Ok(checkpoints.len()))
    }
}

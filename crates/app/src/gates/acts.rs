//! Votes, their withdrawal, and passing a gate.

use super::*;
use crate::decision::{audit, audit_because, record_write, Subject};
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::gate::{check_vote, may_pass_gate, may_withdraw_vote, voting_team, GateActError, Status};
use baton_core::pipeline::{PipelineError, Signed, Unmet};
use baton_core::Org;
use baton_store::{from_json, Commit};

const MAX_TEXT: usize = 4000;

/// The caller must be a person of the organisation (a token may outlive their removal).
pub(crate) fn person(org: &Org, actor: &PersonId) -> Result<(), AppError> {
    if org.people.contains_key(actor) {
        Ok(())
    } else {
        Err(AppError::Unauthenticated(format!("`{actor}` is not a person defined in the organisation")))
    }
}

/// Free text a person writes: something, and not a novel.
pub(crate) fn text(field: &str, value: &str) -> Result<(), AppError> {
    let message = if value.trim().is_empty() {
        "must not be empty".to_owned()
    } else if value.chars().count() > MAX_TEXT {
        format!("must be at most {MAX_TEXT} characters")
    } else {
        return Ok(());
    };
    Err(AppError::Invalid { field: field.into(), message })
}

/// A vote or waiver `core` refuses, as the API answers it: not a member is 403 (saying who
/// may), anything else is the request's fault (422, naming the field).
pub(crate) fn act_error(e: GateActError, field: &str) -> AppError {
    match &e {
        GateActError::NotAMember { team, act, .. } => {
            AppError::Forbidden(format!("{e}: only members of `{team}` may {act} for it"))
        }
        GateActError::Empty { field } => AppError::Invalid { field: (*field).into(), message: e.to_string() },
        GateActError::ExpiryNotAfterStart => AppError::Invalid { field: "expires_at".into(), message: e.to_string() },
        GateActError::NoSuchRequirement { .. } => {
            AppError::Invalid { field: "requirement".into(), message: e.to_string() }
        }
        GateActError::NoApprovalFrom { .. } => AppError::Invalid { field: field.into(), message: e.to_string() },
        GateActError::Forbidden(m) => AppError::Forbidden(m.clone()),
        GateActError::WhichTeam { .. } => AppError::Invalid { field: "team".into(), message: e.to_string() },
        GateActError::NotAnApprover { .. } => {
            AppError::Invalid { field: "approver_team".into(), message: e.to_string() }
        }
    }
}

impl Baton {
    /// Records `actor`'s +1 or −1 on `gate` for `service`, given for a team the gate asks
    /// approval from and the actor belongs to, on the service's current version.
    pub async fn vote(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        gate: &GateId,
        input: VoteIn,
    ) -> Result<GateVote, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        let def = crate::service_def(&org, service)?;
        let g = Self::gate_def(&org, gate)?;
        let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        let team = voting_team(&org, g, def, record.sre_team(), actor, input.team).map_err(|e| act_error(e, "team"))?;
        text("comment", &input.comment)?;
        let now = self.now();
        let approval = Approval {
            person: actor.clone(),
            team,
            vote: input.vote,
            comment: input.comment,
            evidence: input.evidence,
            version: record.current_version().map(str::to_owned),
            at: now,
            withdrawn_at: None,
        };
        check_vote(&org, g, def, record.sre_team(), &approval).map_err(|e| act_error(e, "team"))?;
        let vote = GateVote { id: crate::auth::random_hex(6), gate: gate.clone(), service: service.clone(), approval };
        let sign = if vote.approval.vote == Vote::Plus { "+1" } else { "-1" };
        let details = serde_json::json!({
            "gate": gate, "vote": vote.id, "team": vote.approval.team, "sign": sign,
            "evidence": vote.approval.evidence, "version": vote.approval.version,
        });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(VOTE_KIND, format!("{service}/{gate}/{}", vote.id), 0, &vote, None)?],
            audit: vec![audit_because(
                actor,
                "gate.vote",
                Subject::Service(service),
                &vote.approval.comment,
                &details,
            )?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(vote)
    }

    /// Takes back `actor`'s vote `vote`: a −1 stops blocking, a +1 stops counting.
    pub async fn withdraw_vote(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        gate: &GateId,
        vote: &str,
    ) -> Result<GateVote, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        Self::gate_def(&org, gate)?;
        let id = format!("{service}/{gate}/{vote}");
        let stored = self
            .store
            .record(VOTE_KIND, &id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no vote `{vote}` on gate {gate} for {service}")))?;
        let mut v: GateVote = from_json("gate vote", &stored.body)?;
        may_withdraw_vote(&v.approval, vote, actor).map_err(|e| act_error(e, "vote"))?;
        if v.approval.withdrawn_at.is_some() {
            return Ok(v);
        }
        let now = self.now();
        v.approval.withdrawn_at = Some(now);
        let details = serde_json::json!({ "gate": gate, "vote": vote, "team": v.approval.team });
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(VOTE_KIND, id, stored.version, &v, None)?],
            audit: vec![audit(actor, "gate.vote.withdraw", Subject::Service(service), &details)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(v)
    }

    /// Passes `gate` for `service`, as a member of its owner team: recorded only while the
    /// gate's verdict passes (else refused with every unmet requirement), with the verdict
    /// in the audit record as the evidence it was passed on.
    pub async fn pass_gate(&self, actor: &PersonId, service: &ServiceId, gate: &GateId) -> Result<GateView, AppError> {
        on_conflict!({
            let org = self.org().await?;
            person(&org, actor)?;
            let def = crate::service_def(&org, service)?;
            let g = Self::gate_def(&org, gate)?;
            may_pass_gate(&org, gate, def, actor).map_err(|e| act_error(e, "gate"))?;
            let facts = self.gate_facts(service, &[g]).await?;
            let refused = |unmet| AppError::Pipeline(PipelineError::Refused { action: "gate.pass", unmet });
            if facts.record.stage.is_terminal() {
                let message = format!("the service is {}", facts.record.stage);
                return Err(refused(vec![Unmet { code: "stage", message }]));
            }
            let mut view = self.judge_gate(&facts, g).await?;
            if !view.verdict.passes {
                let mut unmet: Vec<Unmet> = view
                    .verdict
                    .not_applicable
                    .iter()
                    .map(|m| Unmet { code: "not-applicable", message: m.clone() })
                    .collect();
                unmet.extend(view.verdict.requirements.iter().filter(|r| r.status == Status::Unmet).map(|r| {
                    let who = if r.who_can_act.is_empty() {
                        String::new()
                    } else {
                        format!(" (who can act: {})", r.who_can_act.join(", "))
                    };
                    Unmet { code: "requirement", message: format!("{} ({}): {}{who}", r.id, r.label, r.reason) }
                }));
                return Err(refused(unmet));
            }
            let now = facts.now;
            let pass = GatePass {
                version: facts.record.current_version().map(str::to_owned),
                signed: Signed { by: actor.clone(), at: now },
            };
            let mut next = facts.record.clone();
            next.gates.insert(gate.clone(), pass.clone());
            let details = serde_json::json!({ "gate": gate, "version": pass.version, "verdict": view.verdict });
            let entry = audit(actor, "gate.pass", Subject::Service(service), &details)?;
            self.store.save_service_record(service, facts.record_version, &next, entry, now).await?;
            tracing::info!(%service, %gate, %actor, "gate passed");
            view.passed = Some(pass);
            Ok(view)
        })
    }
}

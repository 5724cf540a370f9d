//! Judging gates: everything `core::gate::evaluate` needs, read from the store and the
//! organisation, for one service at the clock's instant.

use super::*;
use crate::{AppError, Baton};
use baton_core::gate::{
    approval_teams, assurance, evaluate, CheckResult, Gate, GateInputs, Requirement, RotationSize, SupportFacts,
};
use baton_core::org::ServiceDef;
use baton_core::paging::{first_policy, Purpose};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::DataDays;
use baton_core::{Org, SloId, Viability};
use baton_store::{from_json, StoredRecord};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every gate of one service is judged on besides its votes and waivers.
pub(crate) struct Facts {
    pub(crate) org: Arc<Org>,
    pub(crate) def: ServiceDef,
    pub(crate) record: ServiceRecord,
    /// The pipeline record's version, for writing a pass back.
    pub(crate) record_version: i64,
    pub(crate) checks: Vec<CheckResult>,
    pub(crate) capacity: Option<(i64, Capacity)>,
    pub(crate) support: SupportFacts,
    pub(crate) viability: Option<Viability>,
    pub(crate) sli_days: BTreeMap<SloId, DataDays>,
    pub(crate) now: Timestamp,
}

pub(crate) fn no_gate(org: &Org, gate: &GateId) -> AppError {
    let known: Vec<&str> = org.gates.keys().map(GateId::as_str).collect();
    let known =
        if known.is_empty() { "none is defined".to_owned() } else { format!("the gates are {}", known.join(", ")) };
    AppError::NotFound(format!("no gate `{gate}` is defined; {known}"))
}

/// The members of a rotation at `now`: its latest membership change in force, else its list.
fn members_at(def: &baton_core::org::RotationDef, now: Timestamp) -> u32 {
    let roster = &def.spec.roster;
    let members = roster.changes.iter().rfind(|c| c.effective <= now).map_or(&roster.members, |c| &c.members);
    members.len() as u32
}

/// Who would answer for the service: its SRE team's rotations, and the 24x7 policy its
/// critical alerts route to once SRE holds the pager.
fn support(org: &Org, record: &ServiceRecord, now: Timestamp) -> SupportFacts {
    let Some(team) = record.sre_team() else { return SupportFacts::default() };
    SupportFacts {
        sre_team: Some(team.clone()),
        rotations: org
            .rotations
            .values()
            .filter(|r| &r.team == team)
            .map(|r| RotationSize { rotation: r.id().to_string(), members: members_at(r, now) })
            .collect(),
        escalation_policy: first_policy(org, team, Purpose::Page).map(|p| p.id.to_string()),
    }
}

fn parse<T: serde::de::DeserializeOwned>(r: &StoredRecord) -> Result<T, AppError> {
    Ok(from_json(&format!("{} {}", r.kind, r.id), &r.body)?)
}

impl Baton {
    pub(crate) fn gate_def<'a>(org: &'a Org, gate: &GateId) -> Result<&'a Gate, AppError> {
        org.gates.get(gate).ok_or_else(|| no_gate(org, gate))
    }

    /// Reads what `gates` are judged on for service `id`. The SLO verdict and the SLI days
    /// are computed only when one of the gates asks for them.
    pub(crate) async fn gate_facts(&self, id: &ServiceId, gates: &[&Gate]) -> Result<Facts, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, id).cloned()?;
        let (record_version, record) =
            self.store.service_record(id).await?.map_or((0, ServiceRecord::default()), |v| (v.version, v.value));
        let now = self.now();
        let mut checks = Vec::new();
        for r in self.store.records(CHECK_KIND, &format!("{id}/")).await? {
            checks.extend(parse::<Vec<CheckResult>>(&r)?);
        }
        let capacity = match self.store.record(CAPACITY_KIND, id.as_str()).await? {
            Some(r) => Some((r.version, parse::<Capacity>(&r)?)),
            None => None,
        };
        let asks = |f: fn(&Requirement) -> bool| gates.iter().any(|g| g.leaves().into_iter().any(f));
        let viability = if asks(|r| matches!(r, Requirement::SloViability)) {
            // The trailing transition window, or as much of it as the service has been in
            // production: the same question the handover asks, at any stage after it.
            let window = def.transition_window.unwrap_or(org.pipeline_policy().transition_window);
            let mut from = now.checked_sub(window.duration()).unwrap_or(now);
            if let Some(p) = &record.production {
                from = from.max(p.since);
            }
            Some(self.viability.viability(&def, &record, from, now).await?)
        } else {
            None
        };
        let mut sli_days = BTreeMap::new();
        // The longest span any `slis_demonstrated` asks for: each counts its own days out
        // of these, back from now, whatever the SLO's window (a calendar month's elapsed
        // days would make a 28-day requirement hold only from the 28th to the month's end).
        let longest = gates
            .iter()
            .flat_map(|g| g.leaves())
            .filter_map(|r| match r {
                Requirement::SlisDemonstrated { min_days } => Some(*min_days),
                _ => None,
            })
            .max();
        if let Some(days) = longest {
            // Aspirational SLOs are reported but never block a gate.
            for slo in org.slos.values().filter(|s| &s.service == id && !s.is_aspirational()) {
                // An SLI that cannot be read shows no data: never days it cannot prove.
                let days = self.data_days(slo, now, days).await?.unwrap_or_default();
                sli_days.insert(slo.id.clone(), days);
            }
        }
        let support = support(&org, &record, now);
        Ok(Facts { org, def, record, record_version, checks, capacity, support, viability, sli_days, now })
    }

    /// Every vote on `gate` for the service, oldest first.
    pub async fn gate_votes(&self, service: &ServiceId, gate: &GateId) -> Result<Vec<GateVote>, AppError> {
        let mut votes: Vec<GateVote> = Vec::new();
        for r in self.store.records(VOTE_KIND, &format!("{service}/{gate}/")).await? {
            votes.push(parse(&r)?);
        }
        votes.sort_by(|a, b| a.approval.at.cmp(&b.approval.at).then_with(|| a.id.cmp(&b.id)));
        Ok(votes)
    }

    async fn gate_waivers(
        &self,
        service: &ServiceId,
        gate: &GateId,
        now: Timestamp,
    ) -> Result<Vec<GateWaiver>, AppError> {
        let mut waivers: Vec<GateWaiver> = Vec::new();
        for r in self.store.records(WAIVER_KIND, &format!("{service}/{gate}/")).await? {
            let mut w: GateWaiver = parse(&r)?;
            w.active = w.waiver.active_at(now);
            waivers.push(w);
        }
        waivers.sort_by(|a, b| a.waiver.at.cmp(&b.waiver.at).then_with(|| a.id.cmp(&b.id)));
        Ok(waivers)
    }

    /// Judges one gate on `facts` and the gate's own votes and waivers.
    pub(crate) async fn judge_gate(&self, facts: &Facts, gate: &Gate) -> Result<GateView, AppError> {
        let id = &facts.def.id;
        let votes = self.gate_votes(id, &gate.id).await?;
        let waivers = self.gate_waivers(id, &gate.id, facts.now).await?;
        let approvals: Vec<Approval> = votes.iter().map(|v| v.approval.clone()).collect();
        let waived: Vec<Waiver> = waivers.iter().map(|w| w.waiver.clone()).collect();
        let inputs = GateInputs {
            org: &facts.org,
            service: &facts.def,
            stage: facts.record.stage,
            version: facts.record.current_version(),
            approvals: &approvals,
            checks: &facts.checks,
            waivers: &waived,
            slo_viability: facts.viability.as_ref(),
            soak: facts.record.soak.as_ref(),
            sli_days: &facts.sli_days,
            support: &facts.support,
            capacity: facts.capacity.as_ref().map(|(_, c)| &c.agreement),
            now: facts.now,
        };
        Ok(GateView {
            gate: gate.id.clone(),
            name: gate.name.clone(),
            description: gate.description.clone(),
            verdict: evaluate(gate, &inputs),
            passed: facts.record.gates.get(&gate.id).cloned(),
            approval_teams: approval_teams(gate, &facts.def, facts.record.sre_team()),
            votes,
            waivers,
        })
    }

    /// Every install of the service, oldest first.
    pub async fn installs(&self, service: &ServiceId) -> Result<Vec<Install>, AppError> {
        let mut out: Vec<Install> = Vec::new();
        for r in self.store.records(INSTALL_KIND, &format!("{service}/")).await? {
            out.push(parse(&r)?);
        }
        out.sort_by_key(|i| i.at);
        Ok(out)
    }

    /// Every gate of the organisation for service `id`, judged now.
    pub async fn service_gates(&self, id: &ServiceId) -> Result<ServiceGates, AppError> {
        let org = self.org().await?;
        let mut gates: Vec<&Gate> = org.gates.values().collect();
        // In the order a service meets them: production first, then customers, then the rest.
        let rank = |g: &&Gate| match g.id.as_str() {
            baton_core::gate::PROMOTE_TO_PROD => 0,
            baton_core::gate::CUSTOMER_RELEASE => 1,
            _ => 2,
        };
        gates.sort_by_key(rank);
        let facts = self.gate_facts(id, &gates).await?;
        let mut views = Vec::with_capacity(gates.len());
        for gate in gates {
            views.push(self.judge_gate(&facts, gate).await?);
        }
        let installs = self.installs(id).await?;
        Ok(ServiceGates {
            service: id.clone(),
            assurance: assurance(&facts.org, &facts.def, &facts.record),
            version: facts.record.current_version().map(str::to_owned),
            capacity: facts.capacity.map(|(_, c)| c),
            installs: counts(&installs, facts.now),
            gates: views,
        })
    }

    /// One gate for service `id`, judged now.
    pub async fn gate(&self, id: &ServiceId, gate: &GateId) -> Result<GateView, AppError> {
        let org = self.org().await?;
        let gate = Self::gate_def(&org, gate)?;
        let facts = self.gate_facts(id, &[gate]).await?;
        self.judge_gate(&facts, gate).await
    }

    /// The verdict of every gate for service `id`, now.
    pub async fn gate_verdicts(&self, id: &ServiceId) -> Result<Vec<GateVerdict>, AppError> {
        Ok(self.service_gates(id).await?.gates.into_iter().map(|g| g.verdict).collect())
    }

    /// The verdict of one gate for service `id`, now.
    pub async fn gate_verdict(&self, id: &ServiceId, gate: &GateId) -> Result<GateVerdict, AppError> {
        Ok(self.gate(id, gate).await?.verdict)
    }
}

/// Capacity counts customers' installs; velocity those of the last seven days.
pub(crate) fn counts(installs: &[Install], now: Timestamp) -> InstallCounts {
    let week_ago = now.checked_sub(jiff::SignedDuration::from_hours(24 * 7)).unwrap_or(now);
    let mut c = InstallCounts::default();
    for i in installs {
        if i.external {
            c.external += 1;
            if i.at > week_ago {
                c.external_last_week += 1;
            }
        } else {
            c.internal += 1;
        }
    }
    c
}

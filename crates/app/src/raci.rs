//! SLO governance use cases: a service's RACI chart resolved to people, its SLO roadmap
//! (proposed and agreed by whom the chart names), and the SLO watch, the engine's record
//! per SLO that turns budget-state and objective changes into notices routed by the chart.
//!
//! **Detecting changes.** Reports are computed on read, so nothing notices on its own when
//! an SLO's budget becomes at risk. Each SLO has a watch record (`slo-watch`, id the SLO's)
//! holding the objective and budget state last seen, due every [`WATCH_EVERY`]; the engine
//! evaluates the SLO, and when the state got worse or the objective differs, writes the new
//! watch, its audit record and the notices in one commit, keyed by the watch version that
//! saw the change, so each change is told once even when two replicas race. `apply` creates
//! the watches of new SLOs and makes those of changed SLOs due at once.

use crate::contact::personal_messages;
use crate::decision::record_write;
use crate::{AppError, Baton};
use baton_core::audit::AuditEntry;
use baton_core::contact::Urgency;
use baton_core::notice::NoticeLink;
use baton_core::org::ServiceDef;
use baton_core::raci::{
    budget_event, chart, delivery_key, notice, objective_event, personal_notice, resolve, route, watch_events,
    NewRoadmapItem, ResolvedRaci, RoadmapError, RoadmapItem, SloEvent, SloEventKind, SloWatch,
};
use baton_core::slo::{BudgetState, SloDef};
use baton_core::{Org, PersonId, ServiceId, SloId, TeamId, Timestamp};
use baton_store::{from_json, to_json, Commit, NewNotification, RecordWrite, StoreError, StoredRecord};

/// Record kind of a roadmap item; id `<service>/<number>`.
pub const ROADMAP_KIND: &str = "slo-roadmap";
/// Record kind of an SLO's watch; id the SLO's.
pub const SLO_WATCH_KIND: &str = "slo-watch";
/// How often the engine looks at each SLO. Budgets move over hours; a few minutes late is
/// no later for planning, and it keeps the work to one report per SLO per interval.
pub const WATCH_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

impl From<RoadmapError> for AppError {
    fn from(e: RoadmapError) -> Self {
        match e {
            RoadmapError::NotAllowed { .. } => AppError::Forbidden(e.to_string()),
            RoadmapError::Invalid { field, message } => AppError::Invalid { field: field.into(), message },
        }
    }
}

impl Baton {
    pub(crate) async fn resolved(&self, org: &Org, service: &ServiceDef) -> Result<ResolvedRaci, AppError> {
        let record = self.store.service_record(&service.id).await?.map(|v| v.value).unwrap_or_default();
        Ok(resolve(org, service, record.sre_team()))
    }

    /// The RACI chart of `service`, each persona resolved to people and teams.
    pub async fn raci(&self, service: &ServiceId) -> Result<ResolvedRaci, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, service)?;
        self.resolved(&org, def).await
    }

    /// `service`'s roadmap, oldest item first.
    pub async fn roadmap(&self, service: &ServiceId) -> Result<Vec<RoadmapItem>, AppError> {
        let org = self.org().await?;
        crate::service_def(&org, service)?;
        let mut items: Vec<RoadmapItem> = self
            .store
            .records(ROADMAP_KIND, &format!("{service}/"))
            .await?
            .iter()
            .map(|r| from_json(&format!("{ROADMAP_KIND} {}", r.id), &r.body))
            .collect::<Result<_, _>>()?;
        items.sort_by_key(|i| i.number);
        Ok(items)
    }

    /// Proposes a roadmap item for `service` as `actor`, whom the chart must make
    /// Responsible or Accountable for `propose-roadmap`; those who agree are told.
    pub async fn propose_roadmap(
        &self,
        service: &ServiceId,
        actor: &PersonId,
        item: NewRoadmapItem,
    ) -> Result<RoadmapItem, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, service)?;
        let raci = self.resolved(&org, def).await?;
        // Numbers are taken in order; a race for one loses on the version check and retries.
        for _ in 0..3 {
            let number = self.roadmap(service).await?.last().map_or(1, |i| i.number + 1);
            let now = self.now();
            let proposed = baton_core::raci::propose(&org, def, &raci, number, actor, item.clone(), now)?;
            let event = proposed.proposed_event();
            let commit = Commit {
                alerts: Vec::new(),
                records: vec![record_write(ROADMAP_KIND, proposed.key(), 0, &proposed, None)?],
                audit: vec![AuditEntry {
                    actor: actor.to_string(),
                    action: "slo.roadmap.propose".into(),
                    subject: event.subject.clone(),
                    reason: Some(proposed.change.clone()),
                    details: to_json(&proposed)?,
                }],
                notifications: self.raci_notices(&org, def, &raci, &event, &[], now).await?,
            };
            match self.store.commit(&commit, now).await {
                Ok(_) => {
                    self.outbox_wake().notify_one();
                    return Ok(proposed);
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Store(StoreError::Conflict("roadmap items were proposed at the same time; retry".into())))
    }

    /// Agrees item `number` of `service`'s roadmap as `actor`, whom the chart must make
    /// Responsible or Accountable for `agree-roadmap`; those who execute it are told.
    /// Agreeing an item already agreed returns it unchanged.
    pub async fn agree_roadmap(
        &self,
        service: &ServiceId,
        number: u32,
        actor: &PersonId,
    ) -> Result<RoadmapItem, AppError> {
        let org = self.org().await?;
        let def = crate::service_def(&org, service)?;
        let raci = self.resolved(&org, def).await?;
        let id = format!("{service}/{number}");
        let stored = self
            .store
            .record(ROADMAP_KIND, &id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no roadmap item {number} for service `{service}`")))?;
        let item: RoadmapItem = from_json(&format!("{ROADMAP_KIND} {id}"), &stored.body)?;
        let now = self.now();
        let Some(agreed) = baton_core::raci::agree(&raci, &item, actor, now)? else { return Ok(item) };
        let event = agreed.agreed_event().expect("just agreed");
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(ROADMAP_KIND, id, stored.version, &agreed, None)?],
            audit: vec![AuditEntry {
                actor: actor.to_string(),
                action: "slo.roadmap.agree".into(),
                subject: event.subject.clone(),
                reason: None,
                details: to_json(&agreed)?,
            }],
            notifications: self.raci_notices(&org, def, &raci, &event, &[], now).await?,
        };
        self.store.commit(&commit, now).await?;
        self.outbox_wake().notify_one();
        Ok(agreed)
    }

    /// The outbox messages that tell `event` to the people the chart names for it (and
    /// `also_inform`): each person named by their own rules when they have a method for
    /// it, teams on their channels (a team without one member by member); none when no
    /// step routes the event.
    pub(crate) async fn raci_notices(
        &self,
        org: &Org,
        service: &ServiceDef,
        raci: &ResolvedRaci,
        event: &SloEvent,
        also_inform: &[TeamId],
        now: Timestamp,
    ) -> Result<Vec<NewNotification>, AppError> {
        let chart = chart(org);
        let Some(step) = chart.step_for(event.kind) else { return Ok(vec![]) };
        let reachable = |t: &TeamId| !crate::outbox::team_channels(org, t).is_empty();
        let everyone: Vec<PersonId> = org.people.keys().cloned().collect();
        let reaches = self.reaches(org, &everyone).await?;
        let person_reachable = |p: &PersonId| reaches.get(p).is_some_and(|r| r.reachable(Urgency::Info));
        let routing = route(org, raci, &service.owner_team, step, also_inform, &reachable, &person_reachable);
        if !routing.unreachable.is_empty() {
            let who: Vec<String> = routing.unreachable.iter().map(|a| a.to_string()).collect();
            tracing::warn!(event = %event.key, unreachable = %who.join(", "), "SLO event: no channel or method of theirs reaches them");
        }
        let link = self
            .public_url()
            .map(|base| NoticeLink { label: "Open in Baton".into(), url: format!("{base}/services/{}", service.id) });
        let mut out = Vec::new();
        for delivery in &routing.deliveries {
            let mut n = notice(event, step, delivery);
            n.links.extend(link.clone());
            let channels = crate::outbox::team_channels(org, &delivery.team);
            out.extend(crate::outbox::messages(&n, &channels, &delivery_key(event, delivery), now)?);
        }
        for delivery in &routing.people {
            let mut n = personal_notice(event, step, delivery);
            n.links.extend(link.clone());
            let reach = &reaches[&delivery.person];
            let key = format!("{}/person/{}", event.key, delivery.person);
            out.extend(personal_messages(org, &delivery.person, reach, &n, Urgency::Info, &key, now)?);
        }
        Ok(out)
    }

    /// Makes sure every SLO of `org` has a watch, and that the watches of `changed` SLOs
    /// are due now. Called after an apply; idempotent.
    pub(crate) async fn watch_slos(&self, org: &Org, changed: &[SloId]) -> Result<(), AppError> {
        let now = self.now();
        let existing = self.store.records(SLO_WATCH_KIND, "").await?;
        let mut records = Vec::new();
        for slo in org.slos.values() {
            match existing.iter().find(|r| r.id == slo.id.as_str()) {
                None => records.push(record_write(
                    SLO_WATCH_KIND,
                    slo.id.to_string(),
                    0,
                    &SloWatch { objective: slo.objective, state: None, told_left: None, changed: None },
                    Some(now),
                )?),
                Some(r) if changed.contains(&slo.id) => records.push(RecordWrite {
                    kind: SLO_WATCH_KIND.into(),
                    id: r.id.clone(),
                    expected_version: r.version,
                    body: r.body.clone(),
                    due_at: Some(now),
                }),
                Some(_) => {}
            }
        }
        if records.is_empty() {
            return Ok(());
        }
        self.store.commit(&Commit { records, ..Commit::default() }, now).await?;
        Ok(())
    }

    /// The engine's look at one SLO: compare with what its watch last saw, and tell the
    /// chart's people about what changed.
    pub(crate) async fn watch_slo(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let before: SloWatch = from_json(&format!("{SLO_WATCH_KIND} {}", record.id), &record.body)?;
        let org = self.org().await?;
        let write = |body: String, due_at: Option<Timestamp>| RecordWrite {
            kind: SLO_WATCH_KIND.into(),
            id: record.id.clone(),
            expected_version: record.version,
            body,
            due_at,
        };
        let slo = SloId::parse(&record.id).ok().and_then(|id| org.slos.get(&id).cloned());
        let Some((slo, service)) = slo.and_then(|s| org.services.get(&s.service).cloned().map(|d| (s, d))) else {
            // The SLO was removed: stop looking (its watch is kept, like every history).
            let commit = Commit { records: vec![write(record.body.clone(), None)], ..Commit::default() };
            self.store.commit(&commit, now).await?;
            return Ok(());
        };
        let report = self.report(slo.clone(), org.budget_policy.as_ref(), now).await?;
        // A source that cannot be read says nothing new about the budget.
        let state = match report.data {
            // No data read is a state of its own (the policy's `no-data`), as before.
            crate::DataStatus::Ok { .. } | crate::DataStatus::NoData { .. } => Some(report.policy.state),
            crate::DataStatus::Unavailable { .. } => None,
        };
        let left = report.budget.value().map(|b| (b.remaining * 100.0).floor() as i64);
        let (after, events) = watch_events(&before, slo.objective, state, left);
        let after = after.stamped(&before, now);
        // Every WATCH_EVERY, or as often as the SLO alerting engine when that is set faster
        // (drills and tests: BATON_SLO_ALERTING_EVERY_MS).
        let every = self
            .slo_alerting_every()
            .and_then(|e| jiff::SignedDuration::try_from(e).ok())
            .map_or(WATCH_EVERY, |e| e.min(WATCH_EVERY));
        let next = now.checked_add(every).ok();
        let mut commit = Commit { records: vec![write(to_json(&after)?, next)], ..Commit::default() };
        // Telling people is the decision worth an audit record; a state that changed
        // without news (recovering, no data yet) only updates the watch.
        if !events.is_empty() {
            let raci = self.resolved(&org, &service).await?;
            let mut told = Vec::new();
            for kind in &events {
                let event = match kind {
                    SloEventKind::ObjectiveChanged => objective_event(&slo, before.objective, record.version),
                    _ => budget_event(
                        &slo,
                        after.state.unwrap_or(BudgetState::NoData),
                        report.budget,
                        before.told_left.filter(|_| before.state == after.state),
                        record.version,
                    ),
                };
                // The teams the error-budget policy names for the state are told too.
                let also: &[TeamId] = if *kind == SloEventKind::ObjectiveChanged { &[] } else { &report.policy.notify };
                commit.notifications.extend(self.raci_notices(&org, &service, &raci, &event, also, now).await?);
                told.push(event.title);
            }
            commit.audit.push(AuditEntry {
                actor: "baton".into(),
                action: "slo.watch".into(),
                subject: format!("slo/{}", slo.id),
                reason: Some(format!("{}: {}", watch_summary(&slo, &after), told.join("; "))),
                details: to_json(&after)?,
            });
        }
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(())
    }
}

fn watch_summary(slo: &SloDef, watch: &SloWatch) -> String {
    let state = watch.state.map_or_else(|| "not yet evaluated".to_owned(), |s| s.to_string());
    format!("SLO {}: objective {}, error budget {state}", slo.id, watch.objective.percent())
}

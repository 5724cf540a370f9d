//! Alert intake with group commit.
//!
//! "Accepted" means committed with `synchronous = FULL`, and one commit costs about one
//! `fsync` however much it holds. So requests do not commit one by one: each hands its
//! events to one writer task per process and waits; the writer takes every request that
//! is waiting, decides them all against the store (in arrival order, so a resolve that
//! arrives after its trigger stays after it), commits them in one transaction, and only
//! then answers each. Under load a commit carries hundreds of requests; idle, a request
//! waits for nothing but its own commit.
//!
//! The writer is pipelined: while one batch commits (mostly waiting on `fsync`), the next
//! is decided against the store plus what the committing batch wrote (its [`Overlay`]),
//! and it commits only after the first has. Every write still carries the version it was
//! decided from, so if the first batch does not commit as decided, the second's writes
//! conflict and it is decided again from the store: the overlay can make a decision
//! wasted, never wrong.
//!
//! A request whose triggers have nowhere to go (no escalation policy) is refused on its
//! own; the others in the batch are not affected. If the commit fails on a version
//! conflict (someone acknowledged an alert of the batch meanwhile, or another replica
//! took an event for the same key), the whole batch is decided again from the store.

use super::notices::{page_notice, target_notice, update_notice};
use super::INTEGRATION;
use crate::auth::hash_secret;
use crate::contact::{method_channel, zone_of};
use crate::decision::record_write;
use crate::outbox::messages;
use crate::{AppError, Baton};
use baton_core::contact::{Reach, Urgency};
use baton_core::id::MethodId;
use baton_core::notice::NoticeLink;
use baton_core::oncall::RunbookTodo;
use baton_core::paging::{
    receive, route, route_or_fallback, AckLink, Action, Alert, EscalationPolicy, FollowUp, Incoming, Integration,
    Outcome, Page, Status, Target,
};
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{RaisedBy, BURN_ALERT};
use baton_core::{Org, PersonId, ServiceId, SloId, Timestamp};
use baton_store::{from_json, to_json, AlertWrite, Commit, StoreError, StoredAlert};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Weak};
use tokio::sync::{mpsc, oneshot};

/// The largest intake body accepted (Alertmanager sends whole groups; PagerDuty's own
/// limit is 512 KiB).
pub const MAX_INTAKE_BYTES: usize = 512 * 1024;

/// Requests one commit takes at most.
const MAX_BATCH: usize = 1024;
/// Attempts at deciding and committing a batch that keeps losing version races.
const ATTEMPTS: usize = 5;

/// What happened to one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeReply {
    pub dedup_key: String,
    /// `opened`, `deduplicated`, `rerouted`, `acknowledged`, `resolved` or `ignored`.
    pub outcome: String,
    /// The alert's id (`<service>/<dedup key>`).
    pub alert: String,
}

struct Job {
    integration: String,
    events: Vec<Incoming>,
    reply: oneshot::Sender<Result<Vec<IntakeReply>, AppError>>,
}

pub(crate) struct IntakeQueue(mpsc::Sender<Job>);

pub(crate) fn alert_id(service: &ServiceId, dedup_key: &str) -> String {
    format!("{service}/{dedup_key}")
}

/// How `alert`, stored under `id` from `expected_version`, is written.
pub(crate) fn alert_write(id: String, expected_version: i64, alert: &Alert) -> Result<AlertWrite, AppError> {
    Ok(AlertWrite {
        id,
        expected_version,
        service: alert.service.to_string(),
        open: alert.is_open(),
        sort_at: alert.last_triggered_at,
        body: to_json(alert)?,
        due_at: alert.due_at(),
    })
}

fn alert_slot(r: &StoredAlert) -> Result<Slot<Alert>, AppError> {
    Ok(Slot { version: r.version, value: Some(from_json("alert", &r.body)?), dirty: false })
}

impl Baton {
    /// Records `events` that arrived through the integration whose key is `key`, durably,
    /// and answers what happened to each. `NotFound` for an unknown key (nothing stored).
    pub async fn accept_alerts(
        self: &Arc<Self>,
        key: &str,
        events: Vec<Incoming>,
    ) -> Result<Vec<IntakeReply>, AppError> {
        let integration = self.integration_for_key(key).await?;
        self.accept_alerts_for(&integration, events).await
    }

    /// The same for an integration the caller has already found by its key
    /// ([`Baton::integration_for_key`]), saving the second lookup. The writer reads the
    /// integration again in its batch and refuses it if revoked meanwhile.
    pub async fn accept_alerts_for(
        self: &Arc<Self>,
        integration: &Integration,
        events: Vec<Incoming>,
    ) -> Result<Vec<IntakeReply>, AppError> {
        let queue = self.paging.intake.get_or_init(|| start_writer(Arc::downgrade(self)));
        let (reply, answer) = oneshot::channel();
        queue
            .0
            .send(Job { integration: integration.id.clone(), events, reply })
            .await
            .map_err(|_| AppError::Unavailable("the intake writer has stopped".into()))?;
        let replies = answer.await.map_err(|_| AppError::Unavailable("the intake writer has stopped".into()))??;
        self.paging.wake.notify_one();
        Ok(replies)
    }

    /// The format an integration key speaks, so the caller parses the body accordingly.
    /// Answered from memory once the key has been seen (see [`KeyCache`]): only its id,
    /// service and format are to be relied on, which never change.
    pub async fn integration_for_key(&self, key: &str) -> Result<Integration, AppError> {
        let hash = hash_secret(key);
        if let Some(integration) = self.paging.keys.get(&hash) {
            return Ok(integration);
        }
        let (_, integration) = self.integration_by_key(key).await?;
        self.paging.keys.insert(hash, integration.clone());
        Ok(integration)
    }

    /// Forgets a key here (on revocation); other replicas' writers refuse it from the store.
    pub(crate) fn forget_key(&self, key_hash: &str) {
        self.paging.keys.remove(key_hash);
    }
}

/// Integrations by the hash of their key, so that intake does not read two records for
/// every request (under load those reads, on the pool the intake writer needs too, were
/// most of its wait). Safe to keep: the writer reads the integration itself in its
/// batch and refuses a revoked one, on every replica, so revoking still stops a key at
/// once. It holds keys that were valid once, so at most one entry per integration.
#[derive(Default)]
pub(crate) struct KeyCache(std::sync::RwLock<HashMap<String, Integration>>);

impl KeyCache {
    fn get(&self, hash: &str) -> Option<Integration> {
        self.0.read().expect("key cache lock").get(hash).cloned()
    }

    fn insert(&self, hash: String, integration: Integration) {
        self.0.write().expect("key cache lock").insert(hash, integration);
    }

    fn remove(&self, hash: &str) {
        self.0.write().expect("key cache lock").remove(hash);
    }
}

fn start_writer(baton: Weak<Baton>) -> IntakeQueue {
    let (tx, mut rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
    tokio::spawn(async move {
        // The batch committing now, and what it wrote.
        let mut committing: Option<tokio::task::JoinHandle<()>> = None;
        let mut overlay = Overlay::default();
        while let Some(first) = rx.recv().await {
            let Some(baton) = baton.upgrade() else { break };
            let mut filling = Filling::new(&baton).await;
            let mut jobs = waiting(first, &mut rx);
            filling.take(&jobs, &overlay).await;
            // Take what arrives while the previous batch commits, so the next commit carries
            // all of it: cut at once, a batch held whatever had arrived by then and the
            // commits alternated between hundreds of requests and a handful.
            if let Some(mut previous) = committing.take() {
                loop {
                    if jobs.len() >= MAX_BATCH {
                        let _ = previous.await;
                        break;
                    }
                    tokio::select! {
                        biased;
                        _ = &mut previous => break,
                        job = rx.recv() => match job {
                            Some(job) => {
                                let more = waiting(job, &mut rx);
                                filling.take(&more, &overlay).await;
                                jobs.extend(more);
                            }
                            None => {
                                let _ = previous.await;
                                break;
                            }
                        },
                    }
                }
            }
            let (decided, next) = filling.seal(jobs.len());
            overlay = next;
            committing = Some(tokio::spawn(async move {
                let answers = baton.commit_jobs(&jobs, decided).await;
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(answer);
                }
            }));
        }
        if let Some(last) = committing {
            let _ = last.await;
        }
    });
    IntakeQueue(tx)
}

/// `first` and every job queued behind it (up to [`MAX_BATCH`]).
fn waiting(first: Job, rx: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
    jobs
}

type Answers = Vec<Result<Vec<IntakeReply>, AppError>>;

/// A batch decided: what to commit and what to answer.
struct Decided {
    commit: Commit,
    answers: Answers,
}

/// The alerts and integrations a batch writes, at the versions they will have once it
/// commits: what the next batch decides on while this one commits.
#[derive(Default)]
pub(crate) struct Overlay {
    alerts: BTreeMap<String, (i64, Alert)>,
    integrations: BTreeMap<String, (i64, Integration)>,
}

impl Baton {
    /// Commits `decided` (the jobs decided once), deciding again from the store alone when
    /// a version conflict says it was decided on something that changed.
    async fn commit_jobs(&self, jobs: &[Job], decided: Result<Decided, AppError>) -> Answers {
        let mut decided = decided;
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let started = std::time::Instant::now();
            let d = match decided {
                Ok(d) => d,
                Err(e) => return fail_all(jobs, &e),
            };
            match self.commit_and_queue(&d.commit).await {
                Ok(()) => {
                    // What to look at first when intake is slow: how full a commit is, and
                    // how long committing takes (deciding overlaps the previous commit).
                    tracing::debug!(
                        requests = jobs.len(),
                        records = d.commit.records.len(),
                        notifications = d.commit.notifications.len(),
                        commit_us = started.elapsed().as_micros() as u64,
                        "intake group commit"
                    );
                    return d.answers;
                }
                Err(StoreError::Conflict(e)) => last = Some(e),
                Err(e) => return fail_all(jobs, &AppError::from(e)),
            }
            decided = self.decide_jobs(jobs).await;
        }
        let e = AppError::Store(StoreError::Conflict(last.unwrap_or_default()));
        fail_all(jobs, &e)
    }

    /// Commits `commit`; its pages go straight to this process's sender if it has one.
    async fn commit_and_queue(&self, commit: &Commit) -> Result<(), StoreError> {
        let now = self.now();
        match self.paging.sender_queue.get().filter(|_| !commit.notifications.is_empty()) {
            Some(queue) => {
                let claim = queue.claim(now);
                let (_, queued) = self.store.commit_claiming(commit, now, &claim).await?;
                queue.push(&claim, queued);
            }
            None => {
                self.store.commit(commit, now).await?;
            }
        }
        Ok(())
    }

    /// Decides `jobs` against the store alone (again, after a version conflict).
    async fn decide_jobs(&self, jobs: &[Job]) -> Result<Decided, AppError> {
        let mut filling = Filling::new(self).await;
        filling.take(jobs, &Overlay::default()).await;
        filling.seal(jobs.len()).0
    }
}

/// A batch being decided, taking requests as they arrive (against the store plus the
/// [`Overlay`] of the batch committing meanwhile).
struct Filling<'a> {
    decided: Result<(Batch<'a>, Answers), AppError>,
    /// Time spent deciding, and since the batch opened (it takes requests meanwhile).
    deciding: std::time::Duration,
    opened: std::time::Instant,
}

impl<'a> Filling<'a> {
    async fn new(baton: &'a Baton) -> Filling<'a> {
        let opened = std::time::Instant::now();
        let decided = Batch::new(baton).await.map(|b| (b, Vec::new()));
        Filling { decided, deciding: opened.elapsed(), opened }
    }

    /// Decides `jobs` into the batch. A store error fails the whole batch (every request
    /// is answered that it was not recorded).
    async fn take(&mut self, jobs: &[Job], overlay: &Overlay) {
        let started = std::time::Instant::now();
        if let Ok((batch, answers)) = &mut self.decided {
            let decided = async {
                batch.prefetch(jobs, overlay).await?;
                for job in jobs {
                    answers.push(batch.job(job).await?);
                }
                Ok::<_, AppError>(())
            };
            if let Err(e) = decided.await {
                self.decided = Err(e);
            }
        }
        self.deciding += started.elapsed();
    }

    /// What to commit and answer for the `requests` taken, and the overlay of what they write.
    fn seal(self, requests: usize) -> (Result<Decided, AppError>, Overlay) {
        let sealed = self.decided.and_then(|(batch, answers)| {
            let (commit, overlay) = batch.into_commit_and_overlay()?;
            Ok((Decided { commit, answers }, overlay))
        });
        tracing::debug!(
            requests,
            decide_us = self.deciding.as_micros() as u64,
            open_us = self.opened.elapsed().as_micros() as u64,
            "intake decided"
        );
        match sealed {
            Ok((decided, overlay)) => (Ok(decided), overlay),
            Err(e) => (Err(e), Overlay::default()),
        }
    }
}

fn fail_all(jobs: &[Job], e: &AppError) -> Answers {
    jobs.iter().map(|_| Err(AppError::Unavailable(format!("not recorded: {e}")))).collect()
}

/// One record as the batch has it: the version read and the value to write.
#[derive(Clone)]
struct Slot<T> {
    version: i64,
    value: Option<T>,
    dirty: bool,
}

/// A request's starting point in a batch (see [`Batch::mark`]).
struct Mark {
    alerts: Vec<(Option<Slot<Alert>>, String)>,
    integration: (String, Option<Slot<Integration>>),
    /// Records, alerts, audit entries and notifications in the commit.
    lengths: (usize, usize, usize, usize),
}

/// Decisions of one group commit, made against the store plus what the batch itself
/// already decided.
pub(crate) struct Batch<'a> {
    baton: &'a Baton,
    org: Arc<Org>,
    now: Timestamp,
    alerts: BTreeMap<String, Slot<Alert>>,
    integrations: BTreeMap<String, Slot<Integration>>,
    services: HashMap<ServiceId, ServiceRecord>,
    /// Who each escalation target means at `now`: the same for every alert of the batch,
    /// and a rotation's answer is a store read.
    people: HashMap<Target, Vec<PersonId>>,
    /// How each person paged in the batch is reached (their methods and rules).
    reaches: HashMap<PersonId, Reach>,
    commit: Commit,
}

impl<'a> Batch<'a> {
    pub(crate) async fn new(baton: &'a Baton) -> Result<Batch<'a>, AppError> {
        Ok(Batch {
            baton,
            org: baton.org().await?,
            now: baton.now(),
            alerts: BTreeMap::new(),
            integrations: BTreeMap::new(),
            services: HashMap::new(),
            people: HashMap::new(),
            reaches: HashMap::new(),
            commit: Commit::default(),
        })
    }

    /// Reads every integration and alert the jobs touch in two queries, so deciding a
    /// batch of hundreds of events costs no round trip per event (read one by one, the
    /// writer spent most of its time waiting for them). What the batch holds already (it
    /// takes requests as they arrive) is kept: it may have changed it.
    async fn prefetch(&mut self, jobs: &[Job], overlay: &Overlay) -> Result<(), AppError> {
        let integrations: BTreeSet<String> =
            jobs.iter().map(|j| j.integration.clone()).filter(|id| !self.integrations.contains_key(id)).collect();
        let integrations: Vec<String> = integrations.into_iter().collect();
        if !integrations.is_empty() {
            for r in self.baton.store.records_by_id(INTEGRATION, &integrations).await? {
                let slot = Slot { version: r.version, value: Some(from_json("integration", &r.body)?), dirty: false };
                self.integrations.insert(r.id, slot);
            }
        }
        let mut alerts = BTreeSet::new();
        for id in integrations {
            let slot = match overlay.integrations.get(&id) {
                Some((version, i)) => Slot { version: *version, value: Some(i.clone()), dirty: false },
                None => self.integrations.remove(&id).unwrap_or(Slot { version: 0, value: None, dirty: false }),
            };
            if let Some(i) = slot.value.as_ref().filter(|i| i.heartbeat.is_some()) {
                alerts.insert(alert_id(&i.service, &i.heartbeat_key()));
            }
            self.integrations.insert(id, slot);
        }
        for job in jobs {
            if let Some(i) = &self.integrations[&job.integration].value {
                alerts.extend(job.events.iter().map(|e| alert_id(&i.service, &e.dedup_key)));
            }
        }
        alerts.retain(|id| !self.alerts.contains_key(id));
        let ids: Vec<String> = alerts.iter().cloned().collect();
        let mut stored = BTreeMap::new();
        if !ids.is_empty() {
            for r in self.baton.store.alerts_by_id(&ids).await? {
                stored.insert(r.id.clone(), alert_slot(&r)?);
            }
        }
        for id in ids {
            let slot = match overlay.alerts.get(&id) {
                Some((version, a)) => Slot { version: *version, value: Some(a.clone()), dirty: false },
                None => stored.remove(&id).unwrap_or(Slot { version: 0, value: None, dirty: false }),
            };
            self.alerts.insert(id, slot);
        }
        Ok(())
    }

    async fn service_record(&mut self, service: &ServiceId) -> Result<ServiceRecord, AppError> {
        if let Some(r) = self.services.get(service) {
            return Ok(r.clone());
        }
        let record = self.baton.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        self.services.insert(service.clone(), record.clone());
        Ok(record)
    }

    async fn alert_slot(&mut self, id: &str) -> Result<&mut Slot<Alert>, AppError> {
        if !self.alerts.contains_key(id) {
            let slot = match self.baton.store.alert(id).await? {
                Some(r) => alert_slot(&r)?,
                None => Slot { version: 0, value: None, dirty: false },
            };
            self.alerts.insert(id.to_owned(), slot);
        }
        Ok(self.alerts.get_mut(id).expect("inserted"))
    }

    /// Decides one request. A decision it cannot make (anything but the store failing)
    /// refuses that request alone: what it had changed in the batch is undone, so the
    /// other requests of the batch commit as if it had never come.
    async fn job(&mut self, job: &Job) -> Result<Result<Vec<IntakeReply>, AppError>, AppError> {
        let Some(integration) = self.integration(&job.integration).await? else {
            return Ok(Err(AppError::NotFound("no integration has this key".into())));
        };
        let mark = self.mark(&integration, job);
        match self.job_events(&integration, job).await {
            Ok(replies) => Ok(replies),
            Err(e @ AppError::Store(_)) => Err(e),
            Err(e) => {
                tracing::warn!(integration = %integration.id, error = %e, "intake: a request was refused on its own");
                self.undo(mark);
                Ok(Err(e))
            }
        }
    }

    /// What [`Batch::undo`] needs to take a request back: the slots it may touch as they
    /// were, and how long the commit was.
    fn mark(&self, integration: &Integration, job: &Job) -> Mark {
        let mut ids: Vec<String> = job.events.iter().map(|e| alert_id(&integration.service, &e.dedup_key)).collect();
        if integration.heartbeat.is_some() {
            ids.push(alert_id(&integration.service, &integration.heartbeat_key()));
        }
        Mark {
            alerts: ids.into_iter().map(|id| (self.alerts.get(&id).cloned(), id)).collect(),
            integration: (job.integration.clone(), self.integrations.get(&job.integration).cloned()),
            lengths: (
                self.commit.records.len(),
                self.commit.alerts.len(),
                self.commit.audit.len(),
                self.commit.notifications.len(),
            ),
        }
    }

    fn undo(&mut self, mark: Mark) {
        for (slot, id) in mark.alerts {
            match slot {
                Some(slot) => self.alerts.insert(id, slot),
                None => self.alerts.remove(&id),
            };
        }
        let (id, slot) = mark.integration;
        match slot {
            Some(slot) => self.integrations.insert(id, slot),
            None => self.integrations.remove(&id),
        };
        let (records, alerts, audit, notifications) = mark.lengths;
        self.commit.records.truncate(records);
        self.commit.alerts.truncate(alerts);
        self.commit.audit.truncate(audit);
        self.commit.notifications.truncate(notifications);
    }

    async fn job_events(
        &mut self,
        integration: &Integration,
        job: &Job,
    ) -> Result<Result<Vec<IntakeReply>, AppError>, AppError> {
        let service = integration.service.clone();
        // Refuse the request on its own if a trigger of it has no policy to go to.
        let record = self.service_record(&service).await?;
        for e in job.events.iter().filter(|e| e.action == Action::Trigger) {
            if let Err(no) = route(&self.org, &service, &record, e.severity) {
                return Ok(Err(AppError::Invalid { field: "severity".into(), message: no.to_string() }));
            }
        }
        let mut replies = Vec::with_capacity(job.events.len());
        for event in &job.events {
            if self.engine_raises(event) {
                // Prometheus runs the generated rules for an SLO the engine already pages
                // for: the engine's alert, under the same key, is the one (see README).
                tracing::info!(key = %event.dedup_key, "intake: a burn-rate alert from the generated rules is ignored: Baton's SLO engine raises this SLO's alerts");
                let alert = alert_id(&service, &event.dedup_key);
                replies.push(IntakeReply {
                    dedup_key: event.dedup_key.clone(),
                    outcome: Outcome::Ignored.as_str().into(),
                    alert,
                });
                continue;
            }
            replies.push(self.event(&service, event.clone()).await?);
        }
        let heard = self.heard_from(&job.integration).await?;
        if let Some(event) = heard {
            self.event(&service, event).await?;
        }
        Ok(Ok(replies))
    }

    /// Whether `event` is a burn-rate alert of the generated rules (`BatonErrorBudgetBurn`)
    /// for an SLO whose alerts Baton's engine raises (`baton.dev/alerts` not `rules`).
    fn engine_raises(&self, event: &Incoming) -> bool {
        let from_rules = event.details.pointer("/labels/alertname").and_then(|v| v.as_str()) == Some(BURN_ALERT);
        let slo = event.dedup_key.strip_prefix("slo/").and_then(|k| k.split_once('/')).map(|(slo, _)| slo);
        from_rules
            && slo
                .and_then(|s| SloId::parse(s).ok())
                .and_then(|id| self.org.slos.get(&id))
                .is_some_and(|slo| slo.alerting.raised_by == RaisedBy::Engine)
    }

    async fn integration(&mut self, id: &str) -> Result<Option<Integration>, AppError> {
        if !self.integrations.contains_key(id) {
            let slot = match self.baton.store.record(INTEGRATION, id).await? {
                Some(r) => Slot { version: r.version, value: Some(from_json("integration", &r.body)?), dirty: false },
                None => Slot { version: 0, value: None, dirty: false },
            };
            self.integrations.insert(id.to_owned(), slot);
        }
        Ok(self.integrations[id].value.clone().filter(|i| i.revoked_at.is_none()))
    }

    /// Notes that the integration was heard from; answers the event that resolves its
    /// missed-heartbeat alert, if one is open.
    async fn heard_from(&mut self, id: &str) -> Result<Option<Incoming>, AppError> {
        let now = self.now;
        let slot = self.integrations.get_mut(id).expect("read by job()");
        let Some(integration) = slot.value.as_mut() else { return Ok(None) };
        if integration.heartbeat.is_none() {
            return Ok(None);
        }
        let event = integration.heard_from(now);
        slot.dirty = true;
        Ok(event)
    }

    /// Applies one event to the alert under its key, escalating at once if a step is due.
    pub(crate) async fn event(&mut self, service: &ServiceId, event: Incoming) -> Result<IntakeReply, AppError> {
        let id = alert_id(service, &event.dedup_key);
        let record = self.service_record(service).await?;
        let (org, now) = (self.org.clone(), self.now);
        let existing = self.alert_slot(&id).await?.value.clone();
        let dedup_key = event.dedup_key.clone();
        let received = receive(existing, service, event, |e| route(&org, service, &record, e.severity), now)
            .map_err(|no| AppError::Invalid { field: "severity".into(), message: no.to_string() })?;
        if let Some(old) = received.archived {
            let archived = format!("{id}#{}", old.opened_at.as_microsecond());
            self.commit.alerts.push(alert_write(archived, 0, &old)?);
        }
        if let Some(mut alert) = received.current {
            if matches!(received.outcome, Outcome::Acknowledged | Outcome::Resolved) {
                self.queue_update(&alert)?;
            }
            if received.outcome == Outcome::Opened && alert.runbook_missing {
                self.runbook_to_write(&alert)?;
            }
            self.escalate(&mut alert).await?;
            let slot = self.alert_slot(&id).await?;
            slot.value = Some(alert);
            slot.dirty = true;
        }
        Ok(IntakeReply { dedup_key, outcome: received.outcome.as_str().into(), alert: id })
    }

    /// Runs the alert's escalation step if it is due, queueing its pages: on the policy's
    /// channels, and to each person paged by their own rules (what is due now queued now,
    /// the rest kept on the alert as its follow-ups). An alert whose policy is no longer
    /// defined (removed or renamed) is routed again first, by today's rules or their
    /// fallback, or stranded, flagged, when nothing can take it. Follow-ups that are due
    /// are queued first.
    pub(crate) async fn escalate(&mut self, alert: &mut Alert) -> Result<(), AppError> {
        if alert.needs_route(&self.org) {
            self.route_again(alert).await?;
        }
        self.follow_up(alert).await?;
        let due = alert.status == Status::Triggered && alert.escalation.next_at.is_some_and(|at| at <= self.now);
        if !due {
            return Ok(());
        }
        let policy = self.org.escalations.get(&alert.policy).cloned().expect("routed to a defined policy");
        let people = self.resolve_targets(&policy).await;
        let everyone: Vec<PersonId> = people.values().flatten().cloned().collect();
        self.load_reaches(&everyone).await?;
        let urgency = Urgency::from(policy.purpose);
        let (has_channels, reaches) = (!policy.channels.is_empty(), &self.reaches);
        let escalation = alert
            .escalate(
                &policy,
                self.now,
                |t| people.get(t).cloned().unwrap_or_default(),
                |p| has_channels || reaches.get(p).is_some_and(|r| r.reachable(urgency)),
            )
            .map_err(|e| AppError::Invalid { field: "policy".into(), message: e.to_string() })?;
        for empty in &escalation.empty_steps {
            tracing::warn!(alert = %alert_id(&alert.service, &alert.dedup_key), "{}", empty.message);
        }
        for page in &escalation.pages {
            self.send_page(alert, page, &policy).await?;
        }
        Ok(())
    }

    /// Queues `page` on `policy`'s channels and to its person by their own rules (what is
    /// due now queued now, the rest kept on the alert as its follow-ups). Their reach must
    /// have been loaded.
    async fn send_page(&mut self, alert: &mut Alert, page: &Page, policy: &EscalationPolicy) -> Result<(), AppError> {
        let notice = page_notice(&self.org, alert, page, self.baton.public_url());
        let messages = messages(&notice, &policy.channels, &page.idempotency_key, self.now)?;
        self.commit.notifications.extend(messages);
        let Some(reach) = self.reaches.get(&page.person).cloned() else { return Ok(()) };
        let zone = zone_of(&self.org, &page.person);
        for planned in reach.plan(Urgency::from(policy.purpose), self.now, &zone) {
            if planned.at <= self.now {
                self.page_personally(alert, page, &reach, &planned.method).await?;
            } else {
                alert.follow_ups.push(FollowUp {
                    person: page.person.clone(),
                    method: planned.method,
                    at: planned.at,
                    step: page.step,
                    round: page.round,
                    page_key: page.idempotency_key.clone(),
                });
            }
        }
        Ok(())
    }

    /// Hands `alert` to `to` by `by` (`Alert::reassign`) and pages them in this batch:
    /// refused, changing nothing, when nothing can reach them (the policy has no channels
    /// and they no usable method of their own) or the alert's policy is gone.
    pub(crate) async fn reassign(&mut self, alert: &mut Alert, to: &PersonId, by: &PersonId) -> Result<(), AppError> {
        let invalid = |message: String| AppError::Invalid { field: "to".into(), message };
        if !self.org.people.contains_key(to) {
            return Err(invalid(format!("no person `{to}` is defined")));
        }
        let Some(policy) = self.org.escalations.get(&alert.policy).cloned() else {
            return Err(AppError::Unavailable(format!(
                "the alert's policy `{}` is no longer defined: it is being routed again; try once it has been",
                alert.policy
            )));
        };
        self.load_reaches(std::slice::from_ref(to)).await?;
        let reachable = self.reaches.get(to).is_some_and(|r| r.reachable(Urgency::from(policy.purpose)));
        if policy.channels.is_empty() && !reachable {
            return Err(invalid(format!(
                "{to} cannot be reached: policy `{}` has no channels and they have no verified contact method for it",
                policy.id
            )));
        }
        let page = alert
            .reassign(&policy, to.clone(), by.clone(), self.now)
            .map_err(|e| AppError::Invalid { field: "to".into(), message: e.to_string() })?;
        self.send_page(alert, &page, &policy).await
    }

    /// Queues the alert's follow-ups that are due: each by its method, if that is still
    /// verified and on; one that no longer is, is said in the alert's history.
    async fn follow_up(&mut self, alert: &mut Alert) -> Result<(), AppError> {
        let due = alert.take_due_follow_ups(self.now);
        if due.is_empty() {
            return Ok(());
        }
        let people: Vec<PersonId> = due.iter().map(|f| f.person.clone()).collect();
        self.load_reaches(&people).await?;
        for f in due {
            let page =
                Page { person: f.person.clone(), step: f.step, round: f.round, idempotency_key: f.page_key.clone() };
            let reach = self.reaches.get(&f.person).cloned();
            match reach.filter(|r| method_channel(&self.org, &f.person, r, &f.method).is_some()) {
                Some(reach) => self.page_personally(alert, &page, &reach, &f.method).await?,
                None => alert.follow_up_skipped(&f, "the method is off, unverified or gone", self.now),
            }
        }
        Ok(())
    }

    /// Queues `page` to its person by `method` (usable: checked by the caller), with a
    /// one-click acknowledge link when Baton knows its own address.
    async fn page_personally(
        &mut self,
        alert: &Alert,
        page: &Page,
        reach: &Reach,
        method: &MethodId,
    ) -> Result<(), AppError> {
        let Some(channel) = method_channel(&self.org, &page.person, reach, method) else { return Ok(()) };
        let base = self.baton.public_url();
        let mut notice = page_notice(&self.org, alert, page, base);
        if let Some(base) = base {
            let key = self.baton.link_key().await?;
            let id = alert_id(&alert.service, &alert.dedup_key);
            let token = AckLink::for_page(id, alert, page.person.clone(), self.now).sign(&key);
            notice.links.insert(0, NoticeLink { label: "Acknowledge".into(), url: format!("{base}/a/{token}") });
        }
        let key = format!("{}~{method}", page.idempotency_key);
        self.commit.notifications.extend(messages(&notice, &[channel], &key, self.now)?);
        Ok(())
    }

    /// Reads how each of `people` not read yet in this batch is reached.
    async fn load_reaches(&mut self, people: &[PersonId]) -> Result<(), AppError> {
        let mut missing: Vec<PersonId> = people.iter().filter(|p| !self.reaches.contains_key(*p)).cloned().collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let read = self.baton.reaches(&self.org, &missing).await?;
            self.reaches.extend(read);
        }
        Ok(())
    }

    /// Routes an open alert whose policy is gone, saying why in its history.
    async fn route_again(&mut self, alert: &mut Alert) -> Result<(), AppError> {
        let record = self.service_record(&alert.service).await?;
        let was = alert.policy.clone();
        match route_or_fallback(&self.org, &alert.service, &record, alert.severity) {
            Ok(mut route) => {
                if alert.stranded.is_none() {
                    route.reason = format!("policy {was} is no longer defined; {}", route.reason);
                }
                alert.reroute(route, self.now);
            }
            Err(no) => alert.strand(no.to_string(), self.now),
        }
        tracing::info!(alert = %alert_id(&alert.service, &alert.dedup_key), from = %was, to = %alert.policy,
            stranded = alert.stranded.is_some(), "an alert's policy is gone: routed again");
        Ok(())
    }

    /// Who each target of `policy` means now.
    async fn resolve_targets(&mut self, policy: &EscalationPolicy) -> HashMap<Target, Vec<PersonId>> {
        let mut out = HashMap::new();
        for target in policy.steps.iter().flat_map(|s| &s.targets) {
            if out.contains_key(target) {
                continue;
            }
            if let Some(people) = self.people.get(target) {
                out.insert(target.clone(), people.clone());
                continue;
            }
            let people = match target {
                Target::Person(p) => vec![p.clone()],
                Target::Team(t) => self.org.teams.get(t).map(|t| t.members.clone()).unwrap_or_default(),
                Target::Rotation(r) => match self.baton.who(r, Some(self.now)).await {
                    Ok(view) => vec![view.person.id],
                    Err(_) => Vec::new(),
                },
            };
            self.people.insert(target.clone(), people.clone());
            out.insert(target.clone(), people);
        }
        out
    }

    /// Tells an SLO's notification targets that its alert `id` opened or resolved (the
    /// targets `slo` lists for the alert's severity and `action`), under the alert
    /// incarnation's key prefix, so the alert's deliveries list them and a re-run of the
    /// same minute queues nothing twice.
    pub(crate) async fn tell_slo_targets(
        &mut self,
        slo: &baton_core::slo::SloDef,
        id: &str,
        action: baton_core::paging::Action,
    ) -> Result<(), AppError> {
        let Some(alert) = self.alert_slot(id).await?.value.clone() else { return Ok(()) };
        let base = self.baton.public_url();
        for target in slo.alerting.targets_for(alert.severity, action) {
            let (notice, suffix) = match action {
                baton_core::paging::Action::Trigger => (target_notice(&alert, base), "open"),
                _ => (update_notice(&alert, base), "resolve"),
            };
            let key = format!("{}target-{}-{suffix}", alert.key_prefix(), target.name);
            let messages = messages(&notice, std::slice::from_ref(&target.channel), &key, self.now)?;
            self.commit.notifications.extend(messages);
        }
        Ok(())
    }

    /// Tells the alert's policy channels that a paged alert is acknowledged or resolved.
    pub(crate) fn queue_update(&mut self, alert: &Alert) -> Result<(), AppError> {
        let paged = alert.history.iter().any(|e| e.kind == baton_core::paging::EventKind::Paged);
        let Some(policy) = self.org.escalations.get(&alert.policy) else { return Ok(()) };
        if !paged {
            return Ok(());
        }
        let notice = update_notice(alert, self.baton.public_url());
        // Under the incarnation's key prefix, so the alert's deliveries list finds it too.
        let key = format!("{}{}", alert.key_prefix(), if alert.status == Status::Resolved { "resolve" } else { "ack" });
        let messages = messages(&notice, &policy.channels, &key, self.now)?;
        self.commit.notifications.extend(messages);
        Ok(())
    }

    /// An alert came without a runbook: leave a "runbook to write" on the rotation its
    /// policy pages first (none when the policy pages no rotation).
    fn runbook_to_write(&mut self, alert: &Alert) -> Result<(), AppError> {
        let Some(policy) = self.org.escalations.get(&alert.policy) else { return Ok(()) };
        let Some(rotation) = policy.steps.iter().flat_map(|s| &s.targets).find_map(|t| match t {
            Target::Rotation(r) => Some(r.clone()),
            _ => None,
        }) else {
            return Ok(());
        };
        // Unique per incarnation, and path-safe whatever the dedup key holds.
        let digest = Sha256::digest(format!("{}\0{}", alert.dedup_key, alert.opened_at.as_microsecond()));
        let id = format!("alert-{}-{}", alert.service, hex::encode(&digest[..6]));
        let what =
            format!("{}: {} (alert {})", alert.service, alert.summary, alert_id(&alert.service, &alert.dedup_key));
        let todo = RunbookTodo::open(rotation, &id, &what, Vec::new(), "system:paging", self.now)
            .map_err(|e| AppError::Invalid { field: "runbook_url".into(), message: e.to_string() })?;
        self.commit.extend(crate::runbook_todo(&todo, "system:paging")?);
        Ok(())
    }

    pub(crate) fn audit(&mut self, entry: baton_core::audit::AuditEntry) {
        self.commit.audit.push(entry);
    }

    /// Sets an integration as the engine changed it (a missed heartbeat).
    pub(crate) fn put_integration(&mut self, version: i64, integration: Integration) {
        let id = integration.id.clone();
        self.integrations.insert(id, Slot { version, value: Some(integration), dirty: true });
    }

    pub(crate) fn into_commit(self) -> Result<Commit, AppError> {
        Ok(self.into_commit_and_overlay()?.0)
    }

    /// The commit, and the overlay of what it writes (see [`Overlay`]).
    fn into_commit_and_overlay(mut self) -> Result<(Commit, Overlay), AppError> {
        let mut overlay = Overlay::default();
        for (id, slot) in self.alerts.into_iter().filter(|(_, s)| s.dirty) {
            let alert = slot.value.expect("a dirty alert slot holds the alert");
            self.commit.alerts.push(alert_write(id.clone(), slot.version, &alert)?);
            overlay.alerts.insert(id, (slot.version + 1, alert));
        }
        for (id, slot) in self.integrations.into_iter().filter(|(_, s)| s.dirty) {
            let integration = slot.value.expect("a dirty integration slot holds it");
            self.commit.records.push(record_write(
                INTEGRATION,
                id.clone(),
                slot.version,
                &integration,
                integration.due_at(),
            )?);
            overlay.integrations.insert(id, (slot.version + 1, integration));
        }
        Ok((self.commit, overlay))
    }
}

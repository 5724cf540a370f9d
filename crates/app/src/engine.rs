//! The engine's one step: look at every alert and record that is due (an escalation to
//! run, a handover to remind about, an expiry) and let its kind's use case decide what
//! happens. Each handler reads, decides in `core`, and writes the outcome with a
//! version-checked `Commit`, so two replicas stepping at once cannot both act on one
//! record: the loser's commit fails with `Conflict` and is counted, not retried.
//!
//! A handler that fails leaves its record due again after a backoff
//! (`core::due::due_retry_delay`), with the failure counted and its reason kept on the
//! record (shown on the alert's page and in the API), one log line per attempt. So a
//! record that keeps failing is tried a few times a minute at most and never stands in
//! front of healthy work; alerts are read apart from other records, so no number of
//! failing reminders or expiries can delay an escalation.

use crate::{AppError, Baton};
use baton_core::due::due_retry_delay;
use baton_core::Timestamp;
use baton_store::{Deferral, StoreError, StoredAlert, StoredRecord};

/// What one step did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StepReport {
    /// Due records handled.
    pub handled: usize,
    /// Due records another replica handled first.
    pub lost_races: usize,
    /// Records that could not be handled, with why (each is due again after a backoff).
    pub failed: Vec<String>,
}

/// How many due alerts, and how many other due records, one read takes.
pub const STEP_LIMIT: i64 = 500;

/// How long one step keeps reading more due work when a read came back full.
const STEP_BUDGET: std::time::Duration = std::time::Duration::from_millis(800);

/// Something due, as the engine read it: what a failure defers.
struct Due<'a> {
    kind: &'a str,
    id: &'a str,
    version: i64,
    /// Consecutive failures before this attempt.
    failures: i64,
}

impl<'a> From<&'a StoredAlert> for Due<'a> {
    fn from(a: &'a StoredAlert) -> Self {
        Due { kind: crate::paging::ALERT, id: &a.id, version: a.version, failures: a.due_failures }
    }
}

impl<'a> From<&'a StoredRecord> for Due<'a> {
    fn from(r: &'a StoredRecord) -> Self {
        Due { kind: &r.kind, id: &r.id, version: r.version, failures: r.due_failures }
    }
}

impl Baton {
    /// Handles every alert and record due now: alerts first, as pages wait on them.
    pub async fn engine_step(&self) -> Result<StepReport, AppError> {
        let started = std::time::Instant::now();
        let mut report = StepReport::default();
        loop {
            let now = self.now();
            let alerts = self.store.due_alerts(now, STEP_LIMIT).await?;
            let mut failed = Vec::new();
            for alert in &alerts {
                let outcome = self.escalate_due(alert).await;
                failed.extend(count(&mut report, outcome, alert.into(), now));
            }
            self.defer(&mut report, failed).await;
            if (alerts.len() as i64) < STEP_LIMIT || started.elapsed() > STEP_BUDGET {
                break;
            }
        }
        loop {
            let now = self.now();
            let records = self.store.due_records(now, STEP_LIMIT).await?;
            let mut failed = Vec::new();
            for record in &records {
                let outcome = self.handle_due(record, now).await;
                failed.extend(count(&mut report, outcome, record.into(), now));
            }
            self.defer(&mut report, failed).await;
            if (records.len() as i64) < STEP_LIMIT || started.elapsed() > STEP_BUDGET {
                break;
            }
        }
        Ok(report)
    }

    /// Defers what failed, all in one store call (hundreds failing at once must not take
    /// a commit each, or the step outlasts the healthy work falling due meanwhile).
    async fn defer(&self, report: &mut StepReport, failed: Vec<Deferral>) {
        if failed.is_empty() {
            return;
        }
        report.failed.extend(
            failed
                .iter()
                .map(|d| format!("{} {}: {}", d.kind.as_deref().unwrap_or(crate::paging::ALERT), d.id, d.error)),
        );
        if let Err(e) = self.store.defer_due(&failed).await {
            tracing::warn!(error = %e, failed = failed.len(), "engine: could not defer failing records");
        }
    }

    /// One arm per kind of record that can fall due; each feature adds its own. A kind
    /// this build does not know (written by a newer replica, or by hand) fails, and is
    /// deferred and reported like any failure.
    async fn handle_due(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        match record.kind.as_str() {
            crate::paging::INTEGRATION => self.check_heartbeat(record, now).await,
            crate::oncall::shift_note::SHIFT_NOTE_KIND => self.remind_shift_note(record, now).await,
            crate::oncall::changes::SWAP_KIND => self.expire_swap(record, now).await,
            crate::gates::WAIVER_KIND => self.expire_gate_waiver(record, now).await,
            crate::raci::SLO_WATCH_KIND => self.watch_slo(record, now).await,
            crate::paging::SLO_ALERTING_KIND => self.evaluate_slo_alerts(record, now).await,
            other => Err(AppError::NotFound(format!("no handler for due records of kind `{other}`"))),
        }
    }
}

/// Counts how handling one due item ended; a failure (logged once, counted in
/// `baton_engine_failures_total`) is answered as the deferral to write, with its backoff.
fn count(report: &mut StepReport, outcome: Result<(), AppError>, due: Due<'_>, now: Timestamp) -> Option<Deferral> {
    let e = match outcome {
        Ok(()) => {
            report.handled += 1;
            return None;
        }
        Err(AppError::Store(StoreError::Conflict(_))) => {
            report.lost_races += 1;
            return None;
        }
        Err(e) => e,
    };
    let error = e.to_string();
    let failures = due.failures + 1;
    let next_at = now.saturating_add(due_retry_delay(failures)).unwrap_or(now);
    metrics::counter!("baton_engine_failures_total", "kind" => due.kind.to_owned()).increment(1);
    tracing::warn!(kind = due.kind, id = due.id, failures, next_try = %next_at, error = %error,
        "engine: could not handle a due record; trying again later");
    let kind = (due.kind != crate::paging::ALERT).then(|| due.kind.to_owned());
    Some(Deferral { kind, id: due.id.to_owned(), version: due.version, next_at, error })
}

/// The outbox gauges are refreshed every this many engine steps.
const OUTBOX_GAUGE_EVERY: u64 = 15;

/// How often the engine looks for due records. Escalation delays are minutes, so a
/// second's lateness is noise; GoAlert's engine cycle is 5 s.
pub const ENGINE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

impl Baton {
    /// Steps the engine every [`ENGINE_INTERVAL`] until `shutdown` completes. Several
    /// replicas may run this at once: each record is decided under a version check.
    pub async fn run_engine(self: std::sync::Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        if let Err(e) = self.ensure_slo_alerting().await {
            tracing::warn!(error = %e, "the SLO alerting engine could not be set up; the next apply retries");
        }
        let mut ticks: u64 = 0;
        let mut tick = tokio::time::interval(ENGINE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            let started = std::time::Instant::now();
            let step = self.engine_step().await;
            metrics::histogram!("baton_engine_step_seconds").record(started.elapsed().as_secs_f64());
            ticks += 1;
            if ticks % OUTBOX_GAUGE_EVERY == 1 {
                self.record_outbox_depth().await;
            }
            match step {
                Ok(r) => {
                    if r.handled + r.lost_races > 0 {
                        tracing::debug!(handled = r.handled, lost_races = r.lost_races, "engine step");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "engine step failed"),
            }
        }
    }
}

impl Baton {
    /// Sets the outbox gauges: `baton_outbox_pending` (a growing number means the sender
    /// cannot keep up or a receiver is down), `baton_outbox_dead` (dead letters waiting
    /// for a person to re-send them) and `baton_outbox_oldest_pending_seconds`.
    async fn record_outbox_depth(&self) {
        match self.store.outbox_stats().await {
            Ok(stats) => {
                metrics::gauge!("baton_outbox_pending").set(stats.pending as f64);
                metrics::gauge!("baton_outbox_dead").set(stats.dead as f64);
                let age = stats.oldest_pending.map_or(0.0, |at| at.duration_until(self.now()).as_secs_f64().max(0.0));
                metrics::gauge!("baton_outbox_oldest_pending_seconds").set(age);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the outbox's figures"),
        }
    }
}

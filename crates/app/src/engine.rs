//! The engine's one step: look at every record that is due (an escalation to run, a
//! handover to remind about, an expiry) and let its kind's use case decide what happens.
//! Each handler reads the record, decides in `core`, and writes the outcome with a
//! version-checked `Commit`, so two replicas stepping at once cannot both act on one
//! record: the loser's commit fails with `Conflict` and is counted, not retried.

use crate::{AppError, Baton};
use baton_store::{StoreError, StoredRecord};

/// What one step did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StepReport {
    /// Due records handled.
    pub handled: usize,
    /// Due records another replica handled first.
    pub lost_races: usize,
    /// Records that could not be handled, with why (they stay due and are retried).
    pub failed: Vec<String>,
}

/// How many due records one step takes on at most.
pub const STEP_LIMIT: i64 = 500;

impl Baton {
    /// Handles every record due now (up to [`STEP_LIMIT`]).
    pub async fn engine_step(&self) -> Result<StepReport, AppError> {
        let now = self.now();
        let mut report = StepReport::default();
        for record in self.store.due_records(now, STEP_LIMIT).await? {
            match self.handle_due(&record, now).await {
                Ok(()) => report.handled += 1,
                Err(AppError::Store(StoreError::Conflict(_))) => report.lost_races += 1,
                Err(e) => report.failed.push(format!("{} {}: {e}", record.kind, record.id)),
            }
        }
        Ok(report)
    }

    /// One arm per kind of record that can fall due; each feature adds its own.
    async fn handle_due(&self, record: &StoredRecord, now: baton_core::Timestamp) -> Result<(), AppError> {
        match record.kind.as_str() {
            crate::paging::ALERT => self.escalate_due(record).await,
            crate::paging::INTEGRATION => self.check_heartbeat(record, now).await,
            crate::handover::HANDOVER_KIND => self.remind_handover(record, now).await,
            crate::oncall_changes::SWAP_KIND => self.expire_swap(record, now).await,
            crate::gates::WAIVER_KIND => self.expire_gate_waiver(record, now).await,
            crate::raci::SLO_WATCH_KIND => self.watch_slo(record, now).await,
            other => Err(AppError::NotFound(format!("no handler for due records of kind `{other}`"))),
        }
    }
}

/// The outbox depth gauge is refreshed every this many engine steps.
const OUTBOX_GAUGE_EVERY: u64 = 15;
/// The gauge counts pending messages up to this many (a full page means "at least").
const OUTBOX_GAUGE_CAP: i64 = 10_000;

/// How often the engine looks for due records. Escalation delays are minutes, so a
/// second's lateness is noise; GoAlert's engine cycle is 5 s.
pub const ENGINE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

impl Baton {
    /// Steps the engine every [`ENGINE_INTERVAL`] until `shutdown` completes. Several
    /// replicas may run this at once: each record is decided under a version check.
    pub async fn run_engine(self: std::sync::Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
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
                    for failure in &r.failed {
                        tracing::warn!(failure = %failure, "engine: a due record could not be handled; it stays due");
                    }
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
    /// Sets `baton_outbox_pending`: messages waiting for delivery (capped at
    /// [`OUTBOX_GAUGE_CAP`]); a growing number means the sender cannot keep up or a
    /// receiver is down.
    async fn record_outbox_depth(&self) {
        let q = baton_store::NotificationQuery {
            status: Some(baton_store::DeliveryStatus::Pending),
            limit: OUTBOX_GAUGE_CAP,
            ..Default::default()
        };
        if let Ok(pending) = self.store.notifications(&q).await {
            metrics::gauge!("baton_outbox_pending").set(pending.len() as f64);
        }
    }
}

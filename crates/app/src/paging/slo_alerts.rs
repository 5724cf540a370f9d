//! The SLO alerting engine: once a minute, every SLO's alert tiers are judged and turned
//! into alert events on the SLO's service (`core::slo::slo_alert_events`), which then
//! live the life of any alert: routed by the service's stage, escalated, acknowledged,
//! resolved when the tier stops firing. Built-in SLIs are judged from running sums
//! (`slo_sums`); an SLO whose alerts change or repeat, and every SLO read from
//! Prometheus, is judged by the very report the API and the dashboard show, whose figures
//! the alert quotes.
//!
//! One record, `slo-alerting/all`, is due every minute. The replica that handles it first
//! moves it to the next minute (a version-checked write) before evaluating, so each minute
//! is evaluated by one replica; if that one dies half-way, the next minute evaluates again
//! from the data, which is all the state there is. One SLO whose report fails (its
//! Prometheus is down, say) is skipped with a warning: it neither triggers nor resolves,
//! and the others are judged as usual.

use super::intake::Batch;
use crate::slo::Detail;
use crate::{AppError, Baton};
use baton_core::paging::{Action, Outcome};
use baton_core::slo::{
    only_repeats, repeat_due, slo_alert_events, Correction, Exhaustion, Indicator, RaisedBy, SloDef, SloFigures,
};
use baton_core::{Org, Period, SloId, Timestamp};
use baton_store::{Commit, RecordWrite, StoreError, StoredCorrection, StoredRecord};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The engine record kind of the SLO alerting engine.
pub const SLO_ALERTING_KIND: &str = "slo-alerting";
const RECORD_ID: &str = "all";
/// Reports computed at once (each mostly waits on its store or Prometheus reads).
const AT_ONCE: usize = 8;

/// The start of the next minute: the SLIs are per minute, so judging more often sees
/// nothing new (unless a setting asks for it, see `Baton::set_slo_alerting_every`).
fn next_minute(now: Timestamp) -> Timestamp {
    let minute = now.as_second().div_euclid(60) * 60 + 60;
    Timestamp::from_second(minute).unwrap_or(now)
}

impl Baton {
    /// Makes sure the engine's record exists (a store made before it, or never applied).
    pub(crate) async fn ensure_slo_alerting(&self) -> Result<(), AppError> {
        if self.store.record(SLO_ALERTING_KIND, RECORD_ID).await?.is_some() {
            return Ok(());
        }
        let now = self.now();
        let write = RecordWrite {
            kind: SLO_ALERTING_KIND.into(),
            id: RECORD_ID.into(),
            expected_version: 0,
            body: "{}".into(),
            due_at: Some(now),
        };
        match self.store.commit(&Commit { records: vec![write], ..Commit::default() }, now).await {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The engine's minute: judge every SLO and bring its alerts in line.
    pub(crate) async fn evaluate_slo_alerts(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        self.claim_slo_minute(record, now).await?;
        let started = std::time::Instant::now();
        let open = self.open_slo_alerts().await?;
        let org = self.org().await?;
        let mut corrections: HashMap<SloId, Vec<StoredCorrection>> = HashMap::new();
        for c in self.cancelled_as_of(self.store.all_corrections().await?, now).await? {
            corrections.entry(c.slo.clone()).or_default().push(c);
        }
        let judged = self.slos_to_report(&org, &open, &corrections, now).await;
        let mut reports = Vec::with_capacity(judged.len());
        for chunk in judged.chunks(AT_ONCE) {
            let mut pending = Vec::with_capacity(chunk.len());
            for slo in chunk {
                let stored = corrections.remove(&slo.id).unwrap_or_default();
                let policy = org.budget_policy.as_ref();
                pending.push(self.timed_report((*slo).clone(), policy, now, stored, Detail::Alerting));
            }
            reports.extend(chunk.iter().copied().zip(futures_util::future::join_all(pending).await));
        }
        let mut batch = Batch::new(self).await?;
        let (mut triggered, mut resolved) = (0usize, 0usize);
        for (slo, report) in reports {
            let report = match report {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(slo = %slo.id, error = %e, "SLO alerting: no report; its alerts are left as they are");
                    continue;
                }
            };
            let figures = SloFigures {
                budget_left: report.budget.value().map(|b| b.remaining),
                exhaustion: report.exhaustion,
                page: self.public_url().and_then(|base| {
                    baton_core::Link::parse(&format!("{base}/services/{}#slo-{}", slo.service, slo.id)).ok()
                }),
            };
            let open = open.get(slo.id.as_str()).unwrap_or(&NONE_OPEN);
            let events = slo_alert_events(slo, &report.tiers, &figures, open);
            // Repeats refresh an open alert's figures once in a few minutes (see core).
            if only_repeats(&events, open) && !repeat_due(slo.id.as_str(), now) {
                continue;
            }
            for event in events {
                let action = event.action;
                match raise(&mut batch, slo, event).await {
                    Ok(()) if action == Action::Trigger => triggered += 1,
                    Ok(()) => resolved += 1,
                    Err(AppError::Store(e)) => return Err(e.into()),
                    Err(e) => tracing::warn!(slo = %slo.id, error = %e, "SLO alerting: an alert could not be raised"),
                }
            }
        }
        let commit = batch.into_commit()?;
        if !commit.is_empty() {
            self.store.commit(&commit, now).await?;
            self.paging.wake.notify_one();
        }
        metrics::histogram!("baton_slo_alerting_seconds").record(started.elapsed().as_secs_f64());
        tracing::debug!(slos = org.slos.len(), triggered, resolved, "SLO alerting evaluated");
        Ok(())
    }

    /// Takes this minute: moves the engine record to the next one (a version-checked
    /// write), so no other replica evaluates it too.
    async fn claim_slo_minute(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let every = self.slo_alerting_every().and_then(|every| jiff::SignedDuration::try_from(every).ok());
        let claim = RecordWrite {
            kind: SLO_ALERTING_KIND.into(),
            id: RECORD_ID.into(),
            expected_version: record.version,
            body: record.body.clone(),
            due_at: Some(every.and_then(|d| now.checked_add(d).ok()).unwrap_or_else(|| next_minute(now))),
        };
        self.store.commit(&Commit { records: vec![claim], ..Commit::default() }, now).await?;
        Ok(())
    }

    /// The SLOs that get a full report this minute. Built-in SLIs are judged from the
    /// running sums, and only an SLO whose alerts would change (or repeat) gets the report
    /// its alert texts quote; SLIs read from Prometheus get the report every minute; SLOs
    /// left to the rules, or unread, get nothing.
    async fn slos_to_report<'o>(
        &self,
        org: &'o Org,
        open: &BTreeMap<String, BTreeSet<String>>,
        corrections: &HashMap<SloId, Vec<StoredCorrection>>,
        now: Timestamp,
    ) -> Vec<&'o SloDef> {
        // An SLI Baton does not read has no data to page on, ever: said on its report, and
        // by `validate` where it is written, never paged as "no data" every few minutes.
        let engine_raised =
            org.slos.values().filter(|s| s.alerting.raised_by == RaisedBy::Engine && s.indicator.unread().is_none());
        let (live, mut judged): (Vec<&SloDef>, Vec<&SloDef>) =
            engine_raised.partition(|s| s.indicator == Indicator::BuiltIn);
        let live_corrections: HashMap<SloId, Vec<Correction>> = live
            .iter()
            .filter_map(|s| {
                corrections.get(&s.id).map(|c| (s.id.clone(), c.iter().map(|c| c.correction.clone()).collect()))
            })
            .collect();
        let quiet =
            SloFigures { budget_left: None, exhaustion: Exhaustion::NotBurning { over: Period::hours(1) }, page: None };
        for (slo, verdicts) in live.iter().zip(self.live_tiers(&live, &live_corrections, now).await) {
            match verdicts.1 {
                Ok(v) => {
                    let open = open.get(slo.id.as_str()).unwrap_or(&NONE_OPEN);
                    let events = slo_alert_events(slo, &v, &quiet, open);
                    if !events.is_empty() && (repeat_due(slo.id.as_str(), now) || !only_repeats(&events, open)) {
                        judged.push(slo);
                    }
                }
                Err(e) => {
                    tracing::warn!(slo = %slo.id, error = %e, "SLO alerting: no running sums; its alerts are left as they are")
                }
            }
        }
        judged
    }

    /// The dedup keys of the open SLO alerts, by SLO id: read from the alerts' ids
    /// (`<service>/<dedup key>`; service and SLO ids hold no `/`), no body parsed.
    async fn open_slo_alerts(&self) -> Result<BTreeMap<String, BTreeSet<String>>, AppError> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for stored in self.open_alerts().await? {
            let Some((_service, key)) = stored.id.split_once('/') else { continue };
            if let Some((slo, _severity)) = key.strip_prefix("slo/").and_then(|k| k.split_once('/')) {
                out.entry(slo.to_owned()).or_default().insert(key.to_owned());
            }
        }
        Ok(out)
    }
}

/// Raises one SLO alert event. Targets hear of the alert's opening and resolution, not of
/// the minutes it keeps firing.
async fn raise(batch: &mut Batch<'_>, slo: &SloDef, event: baton_core::paging::Incoming) -> Result<(), AppError> {
    let action = event.action;
    let reply = batch.event(&slo.service, event).await?;
    if [Outcome::Opened, Outcome::Resolved].iter().any(|o| o.as_str() == reply.outcome) {
        batch.tell_slo_targets(slo, &reply.alert, action).await?;
    }
    Ok(())
}

/// No open alerts.
static NONE_OPEN: BTreeSet<String> = BTreeSet::new();

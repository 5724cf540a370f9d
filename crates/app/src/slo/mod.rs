//! The SLO use cases: reading an SLO's SLI (from Baton's own sample store or from
//! Prometheus), reporting it, taking samples in, and the viability verdict the pipeline's
//! handover reads. The maths are `baton_core::slo`'s; this module only fetches and feeds.

pub(crate) mod backtest;

use crate::{AppError, Baton, ViabilitySource};
use async_trait::async_trait;
use baton_core::audit::AuditEntry;
use baton_core::org::ServiceDef;
use baton_core::pipeline::ServiceRecord;
use baton_core::pipeline::ServiceWork;
use baton_core::slo::{
    active_correction, alert_tiers, evaluate_policy, evaluate_tier, failed_spans, service_viability, soak_verdict,
    split_points, start_of_minute, tally, time_to_exhaustion, trailing_days, AlertTier, Bucket, BudgetingMethod,
    Cancellation, Correction, CorrectionError, CorrectionSpec, Coverage, DataDays, ErrorBudget, ErrorBudgetPolicy,
    Exhaustion, Indicator, Measured, Objective, ObjectivePart, PolicyVerdict, Recurrence, SegmentedSli, Series,
    Severity, SloDef, SloStanding, SloWindow, SoakStanding, SoakVerdict, Tally, TierVerdict, Window, WindowBurn,
};
use baton_core::{Period, PersonId, ServiceId, SloId, Timestamp, Viability};
use baton_sources::{PrometheusClient, PrometheusRatio, PrometheusThreshold};
use baton_store::{from_json, Commit, RecordWrite, StoredCorrection};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// The burn rate behind "when will the budget run out": recent enough to react, long
/// enough not to swing with every spike.
const EXHAUSTION_OVER: Period = Period::hours(6);

/// SLO reports computed at once by [`Baton::slo_reports`].
const REPORTS_AT_ONCE: usize = 8;

/// Whether the SLI could be read, and whether it had anything to say. A source that
/// fails is reported, never read as 100%; nor is one that answers with no data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum DataStatus {
    /// The SLI was read and some minute of the window had data.
    Ok {
        buckets: usize,
    },
    /// The SLI was read, but no minute of the window had data (none stored, only minutes
    /// without events, or all corrected): every figure is `no-data`, never "ok" or 100%.
    NoData {
        buckets: usize,
    },
    Unavailable {
        reason: String,
    },
}

impl DataStatus {
    /// What a successful read of `buckets` rows amounts to, given what they held.
    fn read(buckets: usize, coverage: &Coverage) -> Self {
        if coverage.has_data() {
            DataStatus::Ok { buckets }
        } else {
            DataStatus::NoData { buckets }
        }
    }
}

/// An SLO judged over a window: see [`Baton::judge`].
struct Judged {
    objective: Objective,
    tally: Tally,
    buckets: usize,
}

/// One point of the burn-down: the budget left at `at`, counted from the window's start.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetPoint {
    pub at: Timestamp,
    pub remaining: Measured<f64>,
    /// The SLI over the day ending at `at` alone (its good share of events, or of minutes
    /// for timeslices): the SLI-over-time chart's point.
    pub sli: Measured<f64>,
}

fn public_slo<S: serde::Serializer>(slo: &SloDef, s: S) -> Result<S::Ok, S::Error> {
    slo.redacted().serialize(s)
}

/// Everything a person needs to judge an SLO at one instant, with the evidence.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloReport {
    /// The definition, its notification targets' addresses redacted (reports are public).
    #[serde(serialize_with = "public_slo")]
    pub slo: SloDef,
    pub at: Timestamp,
    /// The part of the SLO window evaluated (for a calendar window, the part elapsed).
    pub window: Window,
    pub data: DataStatus,
    /// How much of `window` had data: "x of y minutes had data". Attainment and budget
    /// count only the minutes with data (see the README, "How sparse data counts").
    pub coverage: Coverage,
    pub attainment: Measured<f64>,
    pub met: Measured<bool>,
    pub budget: Measured<ErrorBudget>,
    pub tally: Tally,
    pub tiers: Vec<TierVerdict>,
    pub exhaustion: Exhaustion,
    /// The budget left at each day of the window, each point judged on the traffic from
    /// the window's start to it (so the allowed budget grows with traffic and the line
    /// need not fall monotonically).
    pub burn_down: Vec<BudgetPoint>,
    /// The corrections with an occurrence in the window: their minutes are left out of
    /// every figure above, and alert tiers are muted while one is in force.
    pub corrections: Vec<SloCorrection>,
    /// The error-budget policy's state for this SLO and what it asks for.
    pub policy: PolicyVerdict,
    /// The window cut at each change of objective inside it, each part judged against the
    /// objective then in force; `budget` and `met` above are those parts' sums (one part
    /// when the objective did not change in the window).
    pub objectives: Vec<ObjectivePart>,
}

/// A declared correction as reported: what it covers, why, and who declared it when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloCorrection {
    pub id: i64,
    pub slo: SloId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub recurrence: Recurrence,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub until: Option<Timestamp>,
    pub reason: String,
    pub author: PersonId,
    pub created_at: Timestamp,
    /// Set once cancelled: the correction holds for the minutes before `cancelled.at` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub cancelled: Option<Cancellation>,
}

/// The record kind of a correction's cancellation, id the correction's id: corrections are
/// never changed in the store, so a cancellation is a versioned, audited record of its own
/// (version 0 expected: a correction is cancelled once), laid over the correction on read.
pub const CORRECTION_CANCEL_KIND: &str = "correction-cancel";

impl From<&StoredCorrection> for SloCorrection {
    fn from(c: &StoredCorrection) -> Self {
        let spec = c.correction.spec();
        Self {
            id: c.id,
            slo: c.slo.clone(),
            start: spec.start,
            end: spec.end,
            recurrence: spec.recurrence,
            until: spec.until,
            reason: spec.reason.clone(),
            author: spec.author.clone(),
            created_at: c.created_at,
            cancelled: c.correction.cancellation().cloned(),
        }
    }
}

/// A correction as declared through the API or CLI; the author is whoever declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIn {
    pub start: Timestamp,
    pub end: Timestamp,
    #[serde(default)]
    pub recurrence: Recurrence,
    #[serde(default)]
    pub until: Option<Timestamp>,
    #[serde(default)]
    pub reason: String,
}

/// One calendar month (UTC) of one SLO: its attainment, and whether it met the objective.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCompliance {
    /// `YYYY-MM`.
    pub month: String,
    pub start: Timestamp,
    /// The month's end, or now for the month in progress.
    pub end: Timestamp,
    /// False for the month in progress.
    pub complete: bool,
    pub data: DataStatus,
    pub attainment: Measured<f64>,
    pub met: Measured<bool>,
    pub corrected_minutes: u64,
}

/// An SLO's monthly compliance, oldest month first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloCompliance {
    pub slo: SloId,
    pub service: ServiceId,
    pub objective: Objective,
    pub months: Vec<MonthCompliance>,
}

/// The most months a compliance history may cover.
pub const MAX_COMPLIANCE_MONTHS: u32 = 120;

/// One SLI sample as posted: good and total events at an instant, summed into its minute.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SampleIn {
    #[cfg_attr(feature = "openapi", schema(example = "2026-03-02T09:00:00Z"))]
    pub at: Timestamp,
    /// Signed on purpose: a negative count is refused for its own item, not the batch.
    #[cfg_attr(feature = "openapi", schema(example = 998))]
    pub good: i64,
    #[cfg_attr(feature = "openapi", schema(example = 1000))]
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedSample {
    pub index: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestReport {
    /// Samples kept, and the minute buckets they were stored as.
    pub accepted: usize,
    pub buckets: usize,
    pub rejected: Vec<RejectedSample>,
}

/// The most samples one request may carry.
pub const MAX_SAMPLES: usize = 50_000;

fn prometheus(url: &baton_core::Link) -> Result<PrometheusClient, String> {
    PrometheusClient::with_timeout(url.as_str(), Duration::from_secs(10)).map_err(|e| e.to_string())
}

impl Baton {
    /// The SLO, once `actor` is known to be allowed to do `work` on it.
    async fn slo_for_work(&self, id: &SloId, actor: &PersonId, work: ServiceWork) -> Result<SloDef, AppError> {
        let org = self.org().await?;
        let slo = Self::slo_def(&org, id)?;
        let service = org
            .services
            .get(&slo.service)
            .ok_or_else(|| AppError::NotFound(format!("no service `{}`", slo.service)))?;
        let record = self.store.service_record(&slo.service).await?.map(|v| v.value).unwrap_or_default();
        baton_core::pipeline::may_work_on_service(&org, service, &record, actor, work)?;
        Ok(slo)
    }

    pub(crate) fn slo_def(org: &baton_core::Org, id: &SloId) -> Result<SloDef, AppError> {
        org.slos.get(id).cloned().ok_or_else(|| AppError::NotFound(format!("no SLO `{id}` is defined")))
    }

    /// `slo` over `window` after `corrections`: its tally and the objective it is judged
    /// against (each part under its own, see `objective_over`), with the buckets read.
    /// From the store's sums when they give exactly what the minutes would (a built-in
    /// `Occurrences` SLI with no correction in the window), otherwise from the minutes:
    /// 28 days of minutes are 40,320 rows, their sums a few hundred. `Err` with the reason
    /// when the SLI cannot be read.
    async fn judge(
        &self,
        slo: &SloDef,
        window: Window,
        corrections: &[Correction],
    ) -> Result<Result<Judged, String>, AppError> {
        let samples = |e: &dyn std::fmt::Display| AppError::Invalid { field: "samples".into(), message: e.to_string() };
        let summable = slo.indicator == Indicator::BuiltIn
            && slo.method == BudgetingMethod::Occurrences
            && !corrections.iter().any(|c| c.overlaps(window));
        if summable {
            let parts: Vec<Window> = slo.objective_parts(window).into_iter().map(|(w, _)| w).collect();
            let boundaries = split_points(&[&[window][..], &parts].concat());
            let sums = match self.store.sli_sums(&slo.id, &boundaries).await {
                Ok(sums) => sums,
                Err(e) => return Ok(Err(e.to_string())),
            };
            let sli = SegmentedSli::new(boundaries, sums).map_err(|e| samples(&e))?;
            let mut tallies = Vec::with_capacity(parts.len());
            for part in &parts {
                tallies.push((*part, sli.tally(*part).map_err(|e| samples(&e))?));
            }
            let of = |w: Window| tallies.iter().find(|(p, _)| *p == w).map(|(_, t)| *t).expect("every part tallied");
            let (objective, _) = slo.objective_over(window, of);
            let tally = sli.tally(window).map_err(|e| samples(&e))?;
            return Ok(Ok(Judged { objective, tally, buckets: sli.whole().buckets as usize }));
        }
        let buckets = match self.read_sli(slo, window).await {
            Ok(b) => b,
            Err(reason) => return Ok(Err(reason)),
        };
        let series = Series::new(&buckets).map_err(|e| samples(&e))?;
        let (objective, _) = slo.objective_over(window, |w| tally(slo.method, series, w, corrections));
        Ok(Ok(Judged { objective, tally: tally(slo.method, series, window, corrections), buckets: buckets.len() }))
    }

    /// `slo` tallied over each of `windows` after `corrections`, in order: from the
    /// store's sums when they give exactly what the minutes would (as [`Baton::judge`]),
    /// otherwise from the minutes of their whole span. `Err` with the reason when the SLI
    /// cannot be read.
    async fn tallies(
        &self,
        slo: &SloDef,
        windows: &[Window],
        corrections: &[Correction],
    ) -> Result<Result<Vec<Tally>, String>, AppError> {
        let samples = |e: &dyn std::fmt::Display| AppError::Invalid { field: "samples".into(), message: e.to_string() };
        let (Some(from), Some(to)) = (windows.iter().map(|w| w.start()).min(), windows.iter().map(|w| w.end()).max())
        else {
            return Ok(Ok(vec![]));
        };
        let span = Window::new(from, to).map_err(|e| samples(&e))?;
        let summable = slo.indicator == Indicator::BuiltIn
            && slo.method == BudgetingMethod::Occurrences
            && !corrections.iter().any(|c| c.overlaps(span));
        if summable {
            let boundaries = split_points(windows);
            let sums = match self.store.sli_sums(&slo.id, &boundaries).await {
                Ok(sums) => sums,
                Err(e) => return Ok(Err(e.to_string())),
            };
            let sli = SegmentedSli::new(boundaries, sums).map_err(|e| samples(&e))?;
            let tallies: Vec<Tally> =
                windows.iter().map(|w| sli.tally(*w).map_err(|e| samples(&e))).collect::<Result<_, _>>()?;
            return Ok(Ok(tallies));
        }
        let buckets = match self.read_sli(slo, span).await {
            Ok(b) => b,
            Err(reason) => return Ok(Err(reason)),
        };
        let series = Series::new(&buckets).map_err(|e| samples(&e))?;
        Ok(Ok(windows.iter().map(|w| tally(slo.method, series, *w, corrections)).collect()))
    }

    /// Which of the `days` days before `now` had data for `slo` (corrected minutes are
    /// not data, as in every tally): what a gate's `slis_demonstrated` counts, over its
    /// own span and never over the SLO's window. `Err` with the reason when the SLI
    /// cannot be read.
    pub(crate) async fn data_days(
        &self,
        slo: &SloDef,
        now: Timestamp,
        days: u32,
    ) -> Result<Result<DataDays, String>, AppError> {
        let end = start_of_minute(now);
        let corrections: Vec<Correction> =
            self.corrections_as_of(&slo.id, now).await?.into_iter().map(|c| c.correction).collect();
        let windows = trailing_days(end, days);
        Ok(self.tallies(slo, &windows, &corrections).await?.map(|tallies| data_days_of(end, days, &tallies)))
    }

    /// The SLI's minute buckets over `window`, from wherever the SLO reads it.
    pub(crate) async fn read_sli(&self, slo: &SloDef, window: Window) -> Result<Vec<Bucket>, String> {
        match &slo.indicator {
            Indicator::BuiltIn => self.store.buckets(&slo.id, window).await.map_err(|e| e.to_string()),
            Indicator::Composite { parts } => {
                // Each part is read as an SLO of its own would be; one part that cannot be
                // read makes the composite unreadable, never judged on the others alone.
                let mut read = Vec::with_capacity(parts.len());
                for part in parts {
                    let buckets = Box::pin(self.read_indicator(&part.indicator, window))
                        .await
                        .map_err(|e| format!("objective `{}`: {e}", part.name))?;
                    read.push((part.weight, buckets));
                }
                baton_core::slo::combine(&read).map_err(|e| e.to_string())
            }
            other => self.read_indicator(other, window).await,
        }
    }

    /// The minutes of an indicator read from outside Baton's store.
    async fn read_indicator(&self, indicator: &Indicator, window: Window) -> Result<Vec<Bucket>, String> {
        match indicator {
            Indicator::BuiltIn => Err("samples posted to Baton belong to an SLO of their own".to_owned()),
            Indicator::Unread { reason } => Err(reason.clone()),
            Indicator::Composite { .. } => Err("a composite SLO cannot be part of another".to_owned()),
            Indicator::PrometheusRatio { source, good, total, .. } => {
                let client = prometheus(&source.url)?;
                let raw = PrometheusRatio::new(good.clone(), total.clone())
                    .read_buckets(&client, window)
                    .await
                    .map_err(|e| format!("Prometheus `{}`: {e}", source.name))?;
                raw.into_iter()
                    .map(|b| Bucket::new(b.minute(), indicator.good_count(b.good(), b.total()), b.total()))
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())
            }
            Indicator::PrometheusThreshold { source, query, op, value } => {
                let client = prometheus(&source.url)?;
                PrometheusThreshold::new(query.clone(), *op, *value)
                    .read_buckets(&client, window)
                    .await
                    .map_err(|e| format!("Prometheus `{}`: {e}", source.name))
            }
        }
    }

    /// The report of one SLO at `at` (now when `None`).
    pub async fn slo_report(&self, id: &SloId, at: Option<Timestamp>) -> Result<SloReport, AppError> {
        let org = self.org().await?;
        let slo = Self::slo_def(&org, id)?;
        self.report(slo, org.budget_policy.as_ref(), at.unwrap_or_else(|| self.now())).await
    }

    /// Reports of every SLO, or of one service's, in id order.
    pub async fn slo_reports(
        &self,
        service: Option<&ServiceId>,
        at: Option<Timestamp>,
    ) -> Result<Vec<SloReport>, AppError> {
        let org = self.org().await?;
        if let Some(s) = service {
            crate::service_def(&org, s)?;
        }
        let at = at.unwrap_or_else(|| self.now());
        let mut corrections: HashMap<SloId, Vec<StoredCorrection>> = HashMap::new();
        for c in self.cancelled_as_of(self.store.all_corrections().await?, at).await? {
            corrections.entry(c.slo.clone()).or_default().push(c);
        }
        // A few at a time: each waits on its store reads, which run on the store's own
        // threads, so the reports of many SLOs keep both the store and this task busy.
        let mut reports = Vec::new();
        for slo in org.slos.values().filter(|d| service.is_none_or(|s| &d.service == s)) {
            let stored = corrections.remove(&slo.id).unwrap_or_default();
            reports.push(self.timed_report(slo.clone(), org.budget_policy.as_ref(), at, stored, Detail::Full));
        }
        futures_util::stream::iter(reports).buffered(REPORTS_AT_ONCE).try_collect().await
    }

    pub(crate) async fn report(
        &self,
        slo: SloDef,
        policy: Option<&ErrorBudgetPolicy>,
        at: Timestamp,
    ) -> Result<SloReport, AppError> {
        let stored = self.corrections_as_of(&slo.id, at).await?;
        self.report_with(slo, policy, at, stored, Detail::Full).await
    }

    /// [`Baton::report_with`], timed for `baton_slo_evaluation_seconds`.
    pub(crate) async fn timed_report(
        &self,
        slo: SloDef,
        policy: Option<&ErrorBudgetPolicy>,
        at: Timestamp,
        stored: Vec<StoredCorrection>,
        detail: Detail,
    ) -> Result<SloReport, AppError> {
        let started = std::time::Instant::now();
        let report = self.report_with(slo, policy, at, stored, detail).await;
        metrics::histogram!("baton_slo_evaluation_seconds").record(started.elapsed().as_secs_f64());
        report
    }

    /// The report of `slo` at `at`, given its `stored` corrections.
    async fn report_with(
        &self,
        slo: SloDef,
        policy: Option<&ErrorBudgetPolicy>,
        at: Timestamp,
        stored: Vec<StoredCorrection>,
        detail: Detail,
    ) -> Result<SloReport, AppError> {
        let invalid = |e: &dyn std::fmt::Display| AppError::Invalid { field: "at".into(), message: e.to_string() };
        let window = slo.window.elapsed(at).map_err(|e| invalid(&e))?;
        let tiers = alert_tiers(&slo.tiers, slo.window.nominal_length()).unwrap_or_default();
        let end = start_of_minute(at);
        // Alert windows may reach back before a calendar window's start.
        let longest = tiers.iter().map(|t| t.long_window).chain([EXHAUSTION_OVER]).max().expect("not empty");
        let from = window.start().min(end.checked_sub(longest.duration()).unwrap_or(window.start()));
        let fetched = Window::new(from, end.max(from)).map_err(|e| invalid(&e))?;
        // Counted events, no minute left out: the store's hourly sums give exactly the
        // tallies the minutes would (see ARCHITECTURE.md, Decisions), without reading them.
        // With one objective over the span, every window judged is one of report_windows.
        let summable = slo.indicator == Indicator::BuiltIn
            && slo.method == BudgetingMethod::Occurrences
            && !stored.iter().any(|c| c.correction.overlaps(fetched))
            && slo.objective_parts(fetched).len() <= 1;
        if summable {
            let mut windows = report_windows(window, &tiers, end, detail);
            // Each part of the window under one objective is tallied too.
            windows.extend(slo.objective_parts(window).into_iter().map(|(w, _)| w));
            let boundaries = split_points(&windows);
            let sums = match self.store.sli_sums(&slo.id, &boundaries).await {
                Ok(sums) => sums,
                Err(e) => {
                    let data = DataStatus::Unavailable { reason: e.to_string() };
                    let none = Series::new(&[]).expect("empty");
                    return Ok(evaluate(slo, at, window, &tiers, &Sli::Minutes(none), data, &stored, policy, detail));
                }
            };
            let sli = SegmentedSli::new(boundaries, sums)
                .map_err(|e| AppError::Invalid { field: "samples".into(), message: e.to_string() })?;
            let data = DataStatus::Ok { buckets: sli.whole().buckets as usize };
            return Ok(evaluate(slo, at, window, &tiers, &Sli::Sums(&sli), data, &stored, policy, detail));
        }
        let (buckets, data) = match self.read_sli(&slo, fetched).await {
            Ok(b) => {
                let n = b.len();
                (b, DataStatus::Ok { buckets: n })
            }
            Err(reason) => (vec![], DataStatus::Unavailable { reason }),
        };
        let series =
            Series::new(&buckets).map_err(|e| AppError::Invalid { field: "samples".into(), message: e.to_string() })?;
        Ok(evaluate(slo, at, window, &tiers, &Sli::Minutes(series), data, &stored, policy, detail))
    }

    /// Declares a correction of an SLO, by `actor` (a member of the service's owner team or
    /// of its SRE team), stored with its audit record.
    pub async fn add_correction(
        &self,
        id: &SloId,
        actor: &PersonId,
        input: CorrectionIn,
    ) -> Result<SloCorrection, AppError> {
        self.slo_for_work(id, actor, ServiceWork::DeclareCorrections).await?;
        let spec = CorrectionSpec {
            start: input.start,
            end: input.end,
            recurrence: input.recurrence,
            until: input.until,
            reason: input.reason.trim().to_owned(),
            author: actor.clone(),
        };
        let correction = Correction::new(spec).map_err(|e| {
            let field = match e {
                CorrectionError::EndNotAfterStart { .. } => "end",
                CorrectionError::LongerThanRecurrence { .. } => "recurrence",
                CorrectionError::NoReason | CorrectionError::NoCancelReason => "reason",
                CorrectionError::UntilNotAfterStart { .. } | CorrectionError::UntilOnOneOff => "until",
                CorrectionError::AlreadyCancelled { .. } | CorrectionError::Over { .. } => "correction",
            };
            AppError::Invalid { field: field.into(), message: e.to_string() }
        })?;
        let audit = AuditEntry {
            actor: actor.to_string(),
            action: "slo.correct".into(),
            subject: format!("slo/{id}"),
            reason: Some(correction.reason().to_owned()),
            details: baton_store::to_json(&correction)?,
        };
        let stored = self.store.add_correction(id, &correction, audit, self.now()).await?;
        Ok(SloCorrection::from(&stored))
    }

    /// Cancels correction `correction` of SLO `id`, by `actor` (who may declare one), from
    /// now on: written through [`Store::commit`](baton_store::Store::commit) as a
    /// [`CORRECTION_CANCEL_KIND`] record with its audit record. See [`Cancellation`] for
    /// what a cancelled correction still corrects (the minutes before now).
    pub async fn cancel_correction(
        &self,
        id: &SloId,
        correction: i64,
        actor: &PersonId,
        reason: &str,
    ) -> Result<SloCorrection, AppError> {
        self.slo_for_work(id, actor, ServiceWork::DeclareCorrections).await?;
        let now = self.now();
        let stored = self.corrections_as_of(id, now).await?.into_iter().find(|c| c.id == correction);
        let Some(stored) = stored else {
            return Err(AppError::NotFound(format!("SLO `{id}` has no correction {correction}")));
        };
        let cancellation = Cancellation { at: now, by: actor.clone(), reason: reason.trim().to_owned() };
        let cancelled = stored.correction.clone().cancel(cancellation.clone()).map_err(|e| match e {
            CorrectionError::AlreadyCancelled { .. } => {
                AppError::Store(baton_store::StoreError::Conflict(e.to_string()))
            }
            CorrectionError::NoCancelReason => AppError::Invalid { field: "reason".into(), message: e.to_string() },
            _ => AppError::Invalid { field: "correction".into(), message: e.to_string() },
        })?;
        let commit = Commit {
            records: vec![RecordWrite {
                kind: CORRECTION_CANCEL_KIND.to_owned(),
                id: correction.to_string(),
                // A second cancel, even a racing one, finds the record and conflicts.
                expected_version: 0,
                body: baton_store::to_json(&cancellation)?,
                due_at: None,
            }],
            audit: vec![AuditEntry {
                actor: actor.to_string(),
                action: "slo.correction.cancel".into(),
                subject: format!("slo/{id}"),
                reason: Some(cancellation.reason.clone()),
                details: baton_store::to_json(
                    &serde_json::json!({ "correction": correction, "cancellation": cancellation }),
                )?,
            }],
            ..Commit::default()
        };
        self.store.commit(&commit, now).await?;
        Ok(SloCorrection::from(&StoredCorrection { correction: cancelled, ..stored }))
    }

    /// `slo`'s corrections, each cut at its cancellation if it was cancelled at or before
    /// `at` (a report of an earlier instant sees it as it was then).
    pub(crate) async fn corrections_as_of(
        &self,
        slo: &SloId,
        at: Timestamp,
    ) -> Result<Vec<StoredCorrection>, AppError> {
        let stored = self.store.corrections(slo).await?;
        self.cancelled_as_of(stored, at).await
    }

    /// `stored` with the cancellations made at or before `at` laid over them.
    pub(crate) async fn cancelled_as_of(
        &self,
        stored: Vec<StoredCorrection>,
        at: Timestamp,
    ) -> Result<Vec<StoredCorrection>, AppError> {
        // Every cancellation in one read: there are few, and ids carry no SLO to filter by.
        let mut cancellations = HashMap::new();
        for r in self.store.records(CORRECTION_CANCEL_KIND, "").await? {
            let c: Cancellation = from_json(&format!("{CORRECTION_CANCEL_KIND} {}", r.id), &r.body)?;
            cancellations.insert(r.id, c);
        }
        Ok(stored
            .into_iter()
            .map(|mut c| {
                if let Some(cancel) = cancellations.remove(&c.id.to_string()).filter(|x| x.at <= at) {
                    c.correction = c.correction.with_cancellation(cancel);
                }
                c
            })
            .collect())
    }

    /// Every correction declared for an SLO and not cancelled, oldest first.
    pub async fn slo_corrections(&self, id: &SloId) -> Result<Vec<SloCorrection>, AppError> {
        let org = self.org().await?;
        Self::slo_def(&org, id)?;
        let now = self.now();
        let stored = self.corrections_as_of(id, now).await?;
        Ok(stored.iter().filter(|c| c.correction.cancellation().is_none()).map(SloCorrection::from).collect())
    }

    /// Per calendar month (UTC), the `months` months ending with the current one (still in
    /// progress, so `complete: false`): each SLO's attainment after corrections, and
    /// whether it met its objective. Every SLO, one service's, or one SLO.
    pub async fn slo_compliance(
        &self,
        service: Option<&ServiceId>,
        slo: Option<&SloId>,
        months: u32,
    ) -> Result<Vec<SloCompliance>, AppError> {
        if !(1..=MAX_COMPLIANCE_MONTHS).contains(&months) {
            return Err(AppError::Invalid {
                field: "months".into(),
                message: format!("months must be from 1 to {MAX_COMPLIANCE_MONTHS}, not {months}"),
            });
        }
        let org = self.org().await?;
        if let Some(s) = service {
            crate::service_def(&org, s)?;
        }
        let slos: Vec<SloDef> = match slo {
            Some(id) => vec![Self::slo_def(&org, id)?],
            None => org.slos.values().filter(|d| service.is_none_or(|s| &d.service == s)).cloned().collect(),
        };
        let now = self.now();
        let bounds = month_windows(now, months);
        let mut out = Vec::new();
        for slo in slos {
            let stored = self.corrections_as_of(&slo.id, now).await?;
            let corrections: Vec<Correction> = stored.into_iter().map(|c| c.correction).collect();
            let mut history = Vec::new();
            for (month, window, complete) in &bounds {
                let judged = self.judge(&slo, *window, &corrections).await?;
                let (data, t, objective) = match judged {
                    Ok(j) => {
                        let coverage = Coverage::new(*window, j.tally.minutes_with_data, j.tally.corrected_minutes);
                        (DataStatus::read(j.buckets, &coverage), j.tally, j.objective)
                    }
                    Err(reason) => {
                        let none = Series::new(&[]).expect("empty");
                        (
                            DataStatus::Unavailable { reason },
                            tally(slo.method, none, *window, &corrections),
                            slo.objective,
                        )
                    }
                };
                history.push(MonthCompliance {
                    month: month.clone(),
                    start: window.start(),
                    end: window.end(),
                    complete: *complete,
                    data,
                    attainment: t.attainment(),
                    met: t.meets(objective),
                    corrected_minutes: t.corrected_minutes,
                });
            }
            out.push(SloCompliance { slo: slo.id, service: slo.service, objective: slo.objective, months: history });
        }
        Ok(out)
    }

    /// Stores samples for a built-in SLO. Bad items are refused one by one (the reply
    /// says which and why); the rest are summed into minute buckets and committed before
    /// this returns. A minute is replaced by the latest batch that carries it, so a
    /// retried batch does not double-count.
    pub async fn ingest_samples(
        &self,
        id: &SloId,
        actor: &PersonId,
        samples: &[SampleIn],
    ) -> Result<IngestReport, AppError> {
        let slo = self.slo_for_work(id, actor, ServiceWork::SendSamples).await?;
        if slo.indicator != Indicator::BuiltIn {
            return Err(AppError::Invalid {
                field: "slo".into(),
                message: format!("SLO `{id}` reads its SLI from Prometheus; samples are only taken for built-in SLIs"),
            });
        }
        if samples.len() > MAX_SAMPLES {
            return Err(AppError::Invalid {
                field: "samples".into(),
                message: format!("at most {MAX_SAMPLES} samples per request"),
            });
        }
        // A sample may be for the current minute, not a later one.
        let latest = start_of_minute(self.now()).checked_add(jiff::SignedDuration::from_mins(1)).ok();
        let mut minutes: std::collections::BTreeMap<Timestamp, (u64, u64)> = Default::default();
        let mut rejected = Vec::new();
        for (index, s) in samples.iter().enumerate() {
            let reason = if s.good < 0 || s.total < 0 {
                Some("counts must not be negative".to_owned())
            } else if s.good > s.total {
                Some(format!("good ({}) is more than total ({})", s.good, s.total))
            } else if latest.is_some_and(|l| s.at >= l) {
                Some("the sample is in the future".to_owned())
            } else {
                None
            };
            match reason {
                Some(reason) => rejected.push(RejectedSample { index, reason }),
                None => {
                    // Each count is at most i64::MAX, so the sums fit in a u64 to be checked.
                    let minute = start_of_minute(s.at);
                    let e = minutes.entry(minute).or_default();
                    let total = e.1 + s.total as u64;
                    if total > i64::MAX as u64 {
                        let reason = format!(
                            "with this sample the minute {minute} would count more events than a minute can store ({})",
                            i64::MAX
                        );
                        rejected.push(RejectedSample { index, reason });
                    } else {
                        *e = (e.0 + s.good as u64, total);
                    }
                }
            }
        }
        let buckets: Vec<Bucket> = minutes
            .into_iter()
            .map(|(m, (g, t))| Bucket::new(m, g, t))
            .collect::<Result<_, _>>()
            .map_err(|e| AppError::Invalid { field: "samples".into(), message: e.to_string() })?;
        self.store.put_buckets(id, &buckets).await?;
        if let Some(oldest) = buckets.first() {
            self.paging.live_slos.stored(id, oldest.minute());
        }
        Ok(IngestReport { accepted: samples.len() - rejected.len(), buckets: buckets.len(), rejected })
    }
}

/// How much of a report to compute: all of it, or what an alert quotes (no burn-down,
/// whose daily cuts are most of a report's reads: the SLO alerting engine's reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    Full,
    Alerting,
}

/// Where a report's tallies come from: the SLI's minutes, or sums over segments cut at
/// every window the report reads ([`report_windows`]), which tally exactly the same for
/// `Occurrences` with no correction in the span.
enum Sli<'a> {
    Minutes(Series<'a>),
    Sums(&'a SegmentedSli),
}

impl Sli<'_> {
    fn tally(&self, method: BudgetingMethod, window: Window, corrections: &[Correction]) -> Tally {
        match self {
            Sli::Minutes(series) => tally(method, *series, window, corrections),
            Sli::Sums(sums) => sums.tally(window).expect("the sums are cut at every window of report_windows"),
        }
    }
}

/// Every window [`evaluate`] tallies, for cutting the SLI's sums at their bounds: the SLO
/// window, each tier's long and short windows, the recent burn, the burn-down's days.
fn report_windows(window: Window, tiers: &[AlertTier], end: Timestamp, detail: Detail) -> Vec<Window> {
    let mut windows = vec![window];
    for tier in tiers {
        windows.extend(tier.windows(end).ok().into_iter().flat_map(|(long, short)| [long, short]));
    }
    windows.extend(Window::ending_at(end, EXHAUSTION_OVER).ok());
    if detail == Detail::Full {
        for t in burn_down_ends(window) {
            windows.extend(Window::new(window.start(), t).ok());
            let day_start = t.checked_sub(DAY).ok().map(|d| d.max(window.start()));
            windows.extend(day_start.and_then(|d| Window::new(d, t).ok()));
        }
    }
    windows
}

/// The report, from the SLI already read. Pure: the same SLI gives the same report.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    slo: SloDef,
    at: Timestamp,
    window: Window,
    tiers: &[AlertTier],
    sli: &Sli<'_>,
    data: DataStatus,
    stored: &[StoredCorrection],
    policy: Option<&ErrorBudgetPolicy>,
    detail: Detail,
) -> SloReport {
    let end = start_of_minute(at);
    let corrections: Vec<Correction> = stored.iter().map(|c| c.correction.clone()).collect();
    let corrections = &corrections[..];
    let active = active_correction(corrections, at);
    let whole = sli.tally(slo.method, window, corrections);
    // Across a change of objective each part is judged against its own (see core's
    // `slo::lifecycle`); alerting looks at now, so it uses the objective in force now.
    let (objective, objectives) = slo.objective_over(window, |w| sli.tally(slo.method, w, corrections));
    let now_objective = slo.objective_at(end);
    let budget = whole.error_budget(objective);
    let verdicts = tiers
        .iter()
        .filter_map(|tier| {
            let (long, short) = tier.windows(end).ok()?;
            let burn = |w| WindowBurn::of(&sli.tally(slo.method, w, corrections), now_objective);
            Some(evaluate_tier(tier, burn(long), burn(short), slo.min_events, active))
        })
        .collect::<Vec<TierVerdict>>();
    let page_firing = verdicts.iter().any(|v| v.fires() && v.tier.severity == Severity::Page);
    let recent = Window::ending_at(end, EXHAUSTION_OVER).ok().map(|w| sli.tally(slo.method, w, corrections));
    let recent_rate = recent.map_or(Measured::NoData, |t| baton_core::slo::burn_rate(&t, now_objective));
    // A calendar budget resets when its window ends: no forecast reaches past that.
    let window_end = match &slo.window {
        SloWindow::Calendar { .. } => slo.window.bounds(at).ok().map(|w| w.end()),
        SloWindow::Rolling { .. } => None,
    };
    let exhaustion =
        time_to_exhaustion(budget, recent_rate, EXHAUSTION_OVER, slo.window.nominal_length(), window_end, at);
    let coverage = Coverage::new(window, whole.minutes_with_data, whole.corrected_minutes);
    let data = match data {
        DataStatus::Ok { buckets } | DataStatus::NoData { buckets } => DataStatus::read(buckets, &coverage),
        unavailable => unavailable,
    };
    SloReport {
        coverage,
        attainment: whole.attainment(),
        met: whole.meets(objective),
        budget,
        tally: whole,
        tiers: verdicts,
        exhaustion,
        burn_down: match detail {
            Detail::Full => burn_down(&slo, sli, window, corrections),
            Detail::Alerting => Vec::new(),
        },
        corrections: stored.iter().filter(|c| c.correction.overlaps(window)).map(SloCorrection::from).collect(),
        policy: evaluate_policy(policy, budget, page_firing),
        objectives,
        slo,
        at,
        window,
        data,
    }
}

/// The budget left at each day boundary of the window (and at its end), counted from the
/// window's start: the burn-down chart's points.
fn burn_down(slo: &SloDef, sli: &Sli<'_>, window: Window, corrections: &[Correction]) -> Vec<BudgetPoint> {
    burn_down_ends(window)
        .into_iter()
        .filter_map(|t| {
            let w = Window::new(window.start(), t).ok()?;
            let (objective, _) = slo.objective_over(w, |part| sli.tally(slo.method, part, corrections));
            let remaining = sli.tally(slo.method, w, corrections).error_budget(objective).map(|b| b.remaining);
            let day = Window::new(t.checked_sub(DAY).ok()?.max(window.start()), t).ok()?;
            Some(BudgetPoint { at: t, remaining, sli: sli.tally(slo.method, day, corrections).attainment() })
        })
        .collect()
}

const DAY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Where the burn-down's points are: each day boundary of the window, and its end.
fn burn_down_ends(window: Window) -> Vec<Timestamp> {
    let mut ends = Vec::new();
    let mut t = window.start();
    loop {
        t = t.checked_add(DAY).unwrap_or(window.end()).min(window.end());
        ends.push(t);
        if t >= window.end() {
            return ends;
        }
    }
}

/// The calendar months (UTC) of a compliance history: `YYYY-MM`, the month's window (up
/// to `now` for the month in progress) and whether it is over, oldest first.
fn month_windows(now: Timestamp, months: u32) -> Vec<(String, Window, bool)> {
    let utc = jiff::tz::TimeZone::UTC;
    let first = now.to_zoned(utc.clone()).date().first_of_month();
    let mut out = Vec::new();
    for back in (0..months).rev() {
        let Ok(start_date) = first.checked_sub(jiff::Span::new().months(back)) else { continue };
        let Ok(end_date) = start_date.checked_add(jiff::Span::new().months(1)) else { continue };
        let (Ok(start), Ok(end)) = (start_date.to_zoned(utc.clone()), end_date.to_zoned(utc.clone())) else { continue };
        let (start, month_end) = (start.timestamp(), end.timestamp());
        let complete = month_end <= now;
        let Ok(window) = Window::new(start, month_end.min(now).max(start)) else { continue };
        out.push((start_date.strftime("%Y-%m").to_string(), window, complete));
    }
    out
}

/// [`DataDays`] from the tallies of the `days` days before `end` ([`trailing_days`],
/// most recent first).
fn data_days_of(end: Timestamp, days: u32, tallies: &[Tally]) -> DataDays {
    let mut each = tallies.iter();
    DataDays::of(end, days, |_| each.next().is_some_and(|t| t.minutes_with_data > 0))
}

/// The window a verdict over `[from, to)` judges, and the days of data it requires (every
/// day of it): from `from` to the start of `to`'s minute, both on whole minutes, so that a
/// window of N days is exactly the N days a gate's `slis_demonstrated` counts back from
/// the same minute (`from` = now − 28 days at 09:00:30 starts at 09:00, as the gate's
/// days do; rounding it up would leave 28 days less a minute, which is 27 required).
/// `None` when nothing of it has passed yet.
pub(crate) fn verdict_window(from: Timestamp, to: Timestamp) -> Option<(Window, u32)> {
    let (start, end) = (start_of_minute(from), start_of_minute(to));
    let window = Window::new(start, end).ok().filter(|w| !w.is_empty())?;
    Some((window, (window.duration().as_secs() / 86_400) as u32))
}

/// A service's SLOs: the ids of the aspirational ones (reported, never judged: they
/// cannot hold a service back) and the binding ones.
fn service_slos<'a>(org: &'a baton_core::Org, service: &ServiceDef) -> (Vec<String>, Vec<&'a SloDef>) {
    let (aspirational, binding): (Vec<&SloDef>, Vec<&SloDef>) =
        org.slos.values().filter(|s| s.service == service.id).partition(|s| s.is_aspirational());
    (aspirational.iter().map(|s| s.id.to_string()).collect(), binding)
}

impl Baton {
    /// [`Baton::judge`] with the corrections in force at `to` (corrected minutes count
    /// neither for nor against a service), which it also returns.
    async fn judge_as_of(
        &self,
        slo: &SloDef,
        window: Window,
        to: Timestamp,
    ) -> Result<Result<(Judged, Vec<Correction>), String>, AppError> {
        let corrections: Vec<Correction> =
            self.corrections_as_of(&slo.id, to).await?.into_iter().map(|c| c.correction).collect();
        Ok(self.judge(slo, window, &corrections).await?.map(|j| (j, corrections)))
    }
}

/// The SLO engine's answer to the transition period's question: did every SLO of the
/// service hold over the window, with enough days of data?
pub struct SloViability {
    pub baton: std::sync::Weak<Baton>,
}

#[async_trait]
impl ViabilitySource for SloViability {
    async fn viability(
        &self,
        service: &ServiceDef,
        _: &ServiceRecord,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Viability, AppError> {
        let Some(baton) = self.baton.upgrade() else {
            return Ok(Viability::Unknown { reason: "Baton is shutting down".into() });
        };
        let org = baton.org().await?;
        // The whole window must have data: a service cannot prove four weeks in two.
        let Some((window, required_days)) = verdict_window(from, to) else {
            return Ok(Viability::Unknown { reason: "the transition window has only just begun".into() });
        };
        let (aspirational, binding) = service_slos(&org, service);
        let mut standings = Vec::new();
        for slo in binding {
            let (judged, _) = match baton.judge_as_of(slo, window, to).await? {
                Ok(j) => j,
                Err(reason) => {
                    return Ok(Viability::Unknown { reason: format!("SLO `{}` has no data: {reason}", slo.id) })
                }
            };
            standings.push(SloStanding { slo: slo.id.to_string(), objective: judged.objective, tally: judged.tally });
        }
        Ok(service_viability(&standings, &aspirational, required_days))
    }

    /// The soak's verdict: the same judgement over the soak window, with each missed SLO's
    /// failed minutes read from its minutes (a soak window is days, so thousands of rows).
    async fn soak(
        &self,
        service: &ServiceDef,
        _: &ServiceRecord,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SoakVerdict, AppError> {
        let Some(baton) = self.baton.upgrade() else {
            return Ok(SoakVerdict::NoData { reason: "Baton is shutting down".into() });
        };
        let org = baton.org().await?;
        let Some((window, required_days)) = verdict_window(from, to) else {
            return Ok(SoakVerdict::NoData { reason: "the soak window is shorter than a minute".into() });
        };
        let (aspirational, binding) = service_slos(&org, service);
        let mut standings = Vec::new();
        for slo in binding {
            let (judged, corrections) = match baton.judge_as_of(slo, window, to).await? {
                Ok(j) => j,
                Err(reason) => {
                    return Ok(SoakVerdict::NoData { reason: format!("SLO `{}` could not be read: {reason}", slo.id) })
                }
            };
            // The minutes only matter for an SLO that missed its objective.
            let (failed_minutes, spans) = if judged.tally.meets(judged.objective) == Measured::Value(false) {
                let buckets = match baton.read_sli(slo, window).await {
                    Ok(b) => b,
                    Err(reason) => {
                        return Ok(SoakVerdict::NoData {
                            reason: format!("SLO `{}` could not be read: {reason}", slo.id),
                        })
                    }
                };
                let series = Series::new(&buckets)
                    .map_err(|e| AppError::Invalid { field: "samples".into(), message: e.to_string() })?;
                failed_spans(slo.method, judged.objective, series, window, &corrections)
            } else {
                (0, vec![])
            };
            let standing = SloStanding { slo: slo.id.to_string(), objective: judged.objective, tally: judged.tally };
            standings.push(SoakStanding { standing, failed_minutes, spans });
        }
        Ok(soak_verdict(&standings, &aspirational, required_days))
    }
}

#[cfg(test)]
mod verdicts_agree;

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::slo::{default_tier_specs, CalendarUnit};

    fn slo(window: SloWindow) -> SloDef {
        SloDef {
            id: SloId::parse("streamhub-availability").unwrap(),
            service: ServiceId::parse("streamhub").unwrap(),
            display_name: None,
            description: None,
            objective: Objective::parse("0.999").unwrap(),
            window,
            method: BudgetingMethod::Occurrences,
            indicator: Indicator::BuiltIn,
            tiers: default_tier_specs().to_vec(),
            min_events: 10,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    /// 31 days of minutes up to `at`: busy days, quiet nights, a missing stretch, minutes
    /// with no traffic, and a burst of failures in the last half hour.
    fn traffic(at: Timestamp) -> Vec<Bucket> {
        let end = start_of_minute(at);
        (1..=31 * 1440i64)
            .rev()
            .filter(|m| !(20_000..21_500).contains(m))
            .map(|m| {
                let minute = end.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap();
                let total = if m % 97 == 0 { 0 } else { 40 + (m * 37 % 23) as u64 };
                let bad = if m <= 30 { total / 3 } else { u64::from(m % 11 == 0).min(total) };
                Bucket::new(minute, total - bad, total).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_report_from_the_stores_sums_is_the_report_from_the_minutes() {
        let rolling = SloWindow::Rolling { length: Period::days(28) };
        let month = SloWindow::Calendar { unit: CalendarUnit::Month, time_zone: jiff::tz::TimeZone::UTC };
        for (window, at) in [(rolling, "2026-03-20T14:37:42Z"), (month, "2026-03-20T14:37:42Z")] {
            let at: Timestamp = at.parse().unwrap();
            let slo = slo(window);
            let buckets = traffic(at);
            let series = Series::new(&buckets).unwrap();
            let window = slo.window.elapsed(at).unwrap();
            let tiers = slo.alert_tiers().unwrap();
            let boundaries = split_points(&report_windows(window, &tiers, start_of_minute(at), Detail::Full));
            let sums = SegmentedSli::from_series(series, boundaries).unwrap();
            let data = || DataStatus::Ok { buckets: buckets.len() };
            let minutes =
                evaluate(slo.clone(), at, window, &tiers, &Sli::Minutes(series), data(), &[], None, Detail::Full);
            let summed = evaluate(slo.clone(), at, window, &tiers, &Sli::Sums(&sums), data(), &[], None, Detail::Full);
            assert_eq!(serde_json::to_value(&summed).unwrap(), serde_json::to_value(&minutes).unwrap());
            // Not a vacuous equality: the burst pages, days without data are counted, and
            // the burn-down has a point per day.
            assert!(minutes.tiers[0].fires(), "{}", minutes.tiers[0]);
            assert!(minutes.tally.days_with_data >= 18 && minutes.tally.minutes_with_data > 25_000);
            assert!(minutes.burn_down.len() >= 20);
        }
    }
}

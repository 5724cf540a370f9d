//! "Would it have paged?": an SLO's alerting replayed over its stored history (built-in
//! samples or Prometheus), for the applied definition or one not applied yet, and the two
//! side by side for a definition repo. The replay is `baton_core::slo::backtest`; this
//! module reads the minutes and corrections it needs.

use crate::{AppError, Baton, DataStatus};
use baton_core::slo::{
    backtest, backtest_history, backtest_range, Backtest, BacktestError, Correction, Series, SloDef,
};
use baton_core::{Org, ServiceId, SloId, Timestamp};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use std::collections::BTreeSet;

/// The range when none is given: the last 28 days, the default SLO window.
pub const DEFAULT_BACKTEST_DAYS: i64 = 28;

/// One SLO's backtest, with whether its SLI could be read: a source that failed gives a
/// backtest without data (never "no pages") and the reason here.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SloBacktest {
    pub service: ServiceId,
    pub data: DataStatus,
    /// One line for people: what would have opened, or that there was no data.
    pub summary: String,
    #[serde(flatten)]
    pub backtest: Backtest,
}

/// How a repo's definition of an SLO differs from the applied one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum BacktestChange {
    Added,
    Changed,
    Removed,
    Unchanged,
}

/// What an SLO's applied and proposed definitions would have done over the same range.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestComparison {
    pub slo: SloId,
    pub change: BacktestChange,
    /// `None` for an SLO the repo adds.
    pub applied: Option<SloBacktest>,
    /// `None` for an SLO the repo removes.
    pub proposed: Option<SloBacktest>,
}

fn invalid(e: BacktestError) -> AppError {
    AppError::Invalid { field: e.field().into(), message: e.to_string() }
}

impl Baton {
    /// `from`..`to` as a backtest range, the last 28 days up to this minute by default.
    fn backtest_window(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<baton_core::slo::Window, AppError> {
        let to = to.unwrap_or_else(|| self.now());
        let from = match from {
            Some(f) => f,
            None => to.checked_sub(jiff::SignedDuration::from_hours(24 * DEFAULT_BACKTEST_DAYS)).map_err(|e| {
                AppError::Invalid { field: "to".into(), message: format!("no 28 days before {to}: {e}") }
            })?,
        };
        backtest_range(from, to).map_err(invalid)
    }

    /// What the alerting engine would have done for SLO `id`, as applied, from `from` to
    /// `to` (the last 28 days by default; at most 90 days).
    pub async fn backtest_slo(
        &self,
        id: &SloId,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<SloBacktest, AppError> {
        let range = self.backtest_window(from, to)?;
        let org = self.org().await?;
        let slo = Self::slo_def(&org, id)?;
        self.backtest_def(&slo, range).await
    }

    /// What `slo`, a definition not necessarily applied, would have done over the range:
    /// it reads the SLI its indicator names (a built-in SLO reads the samples stored under
    /// its id, so a new built-in SLO has no data yet) and the corrections of its id.
    pub async fn backtest_definition(
        &self,
        slo: &SloDef,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<SloBacktest, AppError> {
        let range = self.backtest_window(from, to)?;
        self.backtest_def(slo, range).await
    }

    async fn backtest_def(&self, slo: &SloDef, range: baton_core::slo::Window) -> Result<SloBacktest, AppError> {
        // Corrections as known now: a correction declared after an incident mutes it in
        // the replay, as the report would judge those minutes today.
        let corrections: Vec<Correction> =
            self.corrections_as_of(&slo.id, self.now()).await?.into_iter().map(|c| c.correction).collect();
        let (buckets, data) = match self.read_sli(slo, backtest_history(slo, range)).await {
            Ok(b) => {
                let n = b.len();
                (b, DataStatus::Ok { buckets: n })
            }
            Err(reason) => (Vec::new(), DataStatus::Unavailable { reason }),
        };
        // The replay is CPU work (tens of milliseconds for 28 days): off the async
        // threads, so that a repo's SLOs replay on every core at once.
        let owned = slo.clone();
        let backtest = tokio::task::spawn_blocking(move || {
            let series = Series::new(&buckets)
                .map_err(|e| AppError::Invalid { field: "samples".into(), message: e.to_string() })?;
            backtest(&owned, series, &corrections, range).map_err(invalid)
        })
        .await
        .map_err(|e| AppError::Unavailable(format!("the backtest of `{}` stopped: {e}", slo.id)))??;
        let mut summary = backtest.summary();
        if let DataStatus::Unavailable { reason } = &data {
            summary = format!("{summary} ({reason})");
        }
        Ok(SloBacktest { service: slo.service.clone(), data, summary, backtest })
    }

    /// Every SLO of the applied organisation and of `proposed` (a definition repo loaded
    /// but not applied), each backtested as applied and as proposed over the same range,
    /// in id order: what a merge request would change about who gets paged.
    pub async fn backtest_compare(
        &self,
        proposed: &Org,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Vec<BacktestComparison>, AppError> {
        let range = self.backtest_window(from, to)?;
        let applied = self.org().await?;
        let ids: BTreeSet<&SloId> = applied.slos.keys().chain(proposed.slos.keys()).collect();
        let compare = |id: &SloId| {
            let (old, new) = (applied.slos.get(id), proposed.slos.get(id));
            let id = id.clone();
            async move {
                let change = match (old, new) {
                    (None, _) => BacktestChange::Added,
                    (_, None) => BacktestChange::Removed,
                    (Some(a), Some(b)) if a == b => BacktestChange::Unchanged,
                    _ => BacktestChange::Changed,
                };
                let applied = match old {
                    Some(slo) => Some(self.backtest_def(slo, range).await?),
                    None => None,
                };
                // An unchanged SLO replays the same: once is enough.
                let proposed = match (new, change) {
                    (Some(_), BacktestChange::Unchanged) => applied.clone(),
                    (Some(slo), _) => Some(self.backtest_def(slo, range).await?),
                    (None, _) => None,
                };
                Ok::<_, AppError>(BacktestComparison { slo: id, change, applied, proposed })
            }
        };
        // A few at a time, in id order: each replays on a blocking thread.
        let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
        let out: Vec<BacktestComparison> =
            futures_util::stream::iter(ids.into_iter().map(compare)).buffered(at_once).try_collect().await?;
        Ok(out)
    }
}

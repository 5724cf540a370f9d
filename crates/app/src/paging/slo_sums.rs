//! The SLO alerting engine's running sums: for every built-in SLO, its alert windows kept
//! as `core::slo::Rolling` sums between minutes, so a minute's evaluation reads only what
//! changed, for all SLOs at once, instead of re-tallying every window of every SLO.
//!
//! Each minute, one store read (`Store::buckets_in`) brings the last [`RECENT`] minutes of
//! every SLO (so a sample that arrives a little after its minute still counts) and the
//! minutes leaving each SLO's windows that are longer than its ring (the ring keeps the
//! last two hours: 2 KB per SLO, not one entry per minute of a 3-day window).
//!
//! The sums are counted afresh from the store ("seeded") whenever they could disagree
//! with it, so they stay exactly what a fresh tally gives:
//! - on first sight of an SLO, when its definition or its corrections change, and when
//!   this replica did not judge the last [`RECENT`] minutes (another one did);
//! - when this process stored a sample older than the minutes re-read (`written`);
//! - and once an hour or so (spread over the hour by SLO), for samples older than the
//!   ring that another process stored (`baton slo backfill`, another replica): those are
//!   counted at the latest then. Decided: an hour bounds how long a late backfill can go
//!   unseen by the alerting engine; reports read the store and see it at once.
//!
//! Seeding an SLO counted by occurrences with no correction reads the store's sums of its
//! windows (hourly rollups, a few hundred rows); any other reads its minutes.

use crate::Baton;
use baton_core::slo::{
    alert_tiers, start_of_minute, turn_of, Bucket, BudgetingMethod, Correction, Rolling, SloDef, TierVerdict, Window,
    WindowSums,
};
use baton_core::{SloId, Timestamp};
use baton_store::StoreError;
use jiff::SignedDuration;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The minutes re-read every minute, for samples that come in after their minute.
const RECENT: usize = 3;
/// The ring keeps the minutes of every window up to this long (and at least [`RECENT`]):
/// a window in the ring costs no read when a minute leaves it, and each minute kept costs
/// 16 bytes per SLO (2 KB for two hours). Longer windows (6h, 1d, 3d by default) read
/// their leaving minute from the store.
const RING: SignedDuration = SignedDuration::from_hours(2);
/// How long seeded sums are trusted before they are counted afresh, plus up to as much
/// again spread by SLO (so the SLOs seeded together at start-up are not re-seeded together).
const REFRESH: SignedDuration = SignedDuration::from_hours(1);

/// The engine's sums, kept by the process (each replica its own).
#[derive(Default)]
pub(crate) struct LiveSlos {
    sums: tokio::sync::Mutex<HashMap<SloId, LiveSlo>>,
    /// Per SLO this process stored samples of since the last minute judged, the oldest
    /// minute stored: one the next minute does not re-read makes its sums stale.
    written: std::sync::Mutex<HashMap<SloId, Timestamp>>,
}

struct LiveSlo {
    def: SloDef,
    corrections: Vec<Correction>,
    rolling: Rolling,
    refresh_at: Timestamp,
}

impl LiveSlos {
    /// Notes that `slo`'s minutes from `oldest` on were stored.
    pub(crate) fn stored(&self, slo: &SloId, oldest: Timestamp) {
        let mut written = self.written.lock().expect("not poisoned");
        let m = written.entry(slo.clone()).or_insert(oldest);
        *m = (*m).min(oldest);
    }
}

/// How many minutes an SLO's ring keeps: its longest window up to [`RING`], at least [`RECENT`].
fn ring_minutes(lengths: &[baton_core::Period]) -> usize {
    let within = lengths.iter().map(|l| l.duration()).filter(|&d| d <= RING).max();
    (within.map_or(0, |d| d.as_secs() / 60) as usize).max(RECENT)
}

/// The minute `end` is the first of the last `n` minutes before.
fn minutes_before(end: Timestamp, n: usize) -> Vec<Timestamp> {
    (1..=n as i64).rev().map(|k| end - SignedDuration::from_mins(k)).collect()
}

/// The recent minutes `[recent_from, end)` and the `leaving` ones as runs of consecutive
/// minutes: the store seeks once per SLO and run.
fn runs(recent_from: Timestamp, end: Timestamp, leaving: BTreeSet<Timestamp>) -> Vec<Window> {
    let minute = SignedDuration::from_mins(1);
    let mut out: Vec<Window> = Vec::new();
    for m in leaving.into_iter().filter(|&m| m < recent_from || m >= end) {
        match out.last_mut() {
            Some(w) if w.end() == m => *w = Window::new(w.start(), m + minute).expect("ascending"),
            _ => out.push(Window::new(m, m + minute).expect("ascending")),
        }
    }
    out.push(Window::new(recent_from, end).expect("ascending"));
    out
}

/// Spreads re-seeds over the hour: a stable offset from the SLO's id.
fn refresh_at(slo: &SloId, now: Timestamp) -> Timestamp {
    now + REFRESH + SignedDuration::from_mins(turn_of(slo.as_str(), 60))
}

impl Baton {
    /// The tier verdicts at `now` of each of `slos` (built-in SLIs), from the running
    /// sums; `corrections` are each SLO's, cancellations laid over. An SLO whose sums
    /// could not be counted is answered with the reason, and judged again next minute.
    pub(crate) async fn live_tiers(
        &self,
        slos: &[&SloDef],
        corrections: &HashMap<SloId, Vec<Correction>>,
        now: Timestamp,
    ) -> Vec<(SloId, Result<Vec<TierVerdict>, String>)> {
        let end = start_of_minute(now);
        let live = &self.paging.live_slos;
        let mut sums = live.sums.lock().await;
        let recent_from = end - SignedDuration::from_mins(RECENT as i64);
        // Taken under the sums' lock, so a write is either seen here or kept for the next.
        let written = std::mem::take(&mut *live.written.lock().expect("not poisoned"));
        let wanted: HashSet<&SloId> = slos.iter().map(|s| &s.id).collect();
        sums.retain(|id, _| wanted.contains(id));
        let none = Vec::new();
        let mut failed: Vec<(SloId, String)> = Vec::new();
        for slo in slos {
            let corr = corrections.get(&slo.id).unwrap_or(&none);
            let current = sums.get(&slo.id).is_some_and(|l| {
                l.def == **slo
                    && l.corrections == *corr
                    && l.refresh_at > now
                    && l.rolling.end().is_some_and(|e| e >= recent_from && e <= end)
                    && written.get(&slo.id).is_none_or(|&m| m >= recent_from)
            });
            if current {
                continue;
            }
            sums.remove(&slo.id);
            match self.seed(slo, corr, end).await {
                Ok(rolling) => {
                    let l = LiveSlo {
                        def: (*slo).clone(),
                        corrections: corr.clone(),
                        rolling,
                        refresh_at: refresh_at(&slo.id, now),
                    };
                    sums.insert(slo.id.clone(), l);
                }
                Err(e) => failed.push((slo.id.clone(), e)),
            }
        }
        // One read for every SLO: the recent minutes (again, even within one minute: a
        // drill may judge more often), and the minutes leaving windows longer than the ring.
        let kept: Vec<SloId> = sums.keys().cloned().collect();
        let mut leaving: BTreeSet<Timestamp> = BTreeSet::new();
        for id in &kept {
            leaving.extend(sums[id].rolling.leaving(end));
        }
        let read: Result<Vec<(SloId, Bucket)>, StoreError> =
            self.store.buckets_in(&kept, &runs(recent_from, end, leaving)).await;
        match read {
            Ok(rows) => catch_up(&mut sums, rows, end),
            // The sums stay where they were: the next minute catches up while it can
            // (within the recent minutes), or counts them afresh; the writes noted are
            // kept for it.
            Err(e) => {
                for (slo, m) in written {
                    live.stored(&slo, m);
                }
                failed.extend(kept.iter().map(|id| (id.clone(), e.to_string())));
            }
        }
        verdicts(slos, &mut sums, failed.into_iter().collect(), now)
    }

    /// `slo`'s sums at `end` counted afresh from the store, keeping the recent minutes.
    async fn seed(&self, slo: &SloDef, corrections: &[Correction], end: Timestamp) -> Result<Rolling, String> {
        // As the report: tiers that do not derive (`baton validate` says why) judge nothing.
        let tiers = alert_tiers(&slo.tiers, slo.window.nominal_length()).unwrap_or_default();
        let mut rolling =
            Rolling::new(slo.method, slo.objective_at(end), &tiers, slo.min_events).map_err(|e| e.to_string())?;
        let lengths = rolling.lengths();
        let longest = lengths.last().map_or(SignedDuration::ZERO, |l| l.duration());
        let span = Window::new(end - longest, end).map_err(|e| e.to_string())?;
        if slo.method == BudgetingMethod::Occurrences && corrections.is_empty() {
            // Window sums from the rollups: each window is the segments from its start on.
            let mut boundaries: Vec<Timestamp> = lengths.iter().rev().map(|l| end - l.duration()).collect();
            boundaries.push(end);
            let segments = self.store.sli_sums(&slo.id, &boundaries).await.map_err(|e| e.to_string())?;
            let ring = SignedDuration::from_mins(ring_minutes(&lengths) as i64);
            let recent = Window::new(end - ring, end).expect("ascending");
            let recent = self.store.buckets(&slo.id, recent).await.map_err(|e| e.to_string())?;
            let window_sums = |length: baton_core::Period| {
                let from = boundaries.iter().position(|b| *b == end - length.duration()).unwrap_or(0);
                segments[from..].iter().fold(WindowSums::default(), |s, seg| WindowSums {
                    events: s.events + seg.total,
                    good_units: s.good_units + seg.good,
                    minutes_with_data: s.minutes_with_data + seg.minutes_with_data,
                })
            };
            rolling.seed(end, window_sums, &recent, ring_minutes(&lengths));
        } else {
            rolling.set_corrections(corrections.to_vec());
            for b in self.store.buckets(&slo.id, span).await.map_err(|e| e.to_string())? {
                rolling.push(b);
            }
            rolling.advance(end);
            rolling.keep_recent(ring_minutes(&lengths));
        }
        Ok(rolling)
    }
}

/// Brings every SLO's sums to `end` with `rows`, the minutes read for all of them: the
/// minutes leaving the longer windows, and the recent minutes, pushed again.
fn catch_up(sums: &mut HashMap<SloId, LiveSlo>, rows: Vec<(SloId, Bucket)>, end: Timestamp) {
    let mut by_slo: HashMap<SloId, HashMap<Timestamp, Bucket>> = HashMap::new();
    for (slo, b) in rows {
        by_slo.entry(slo).or_default().insert(b.minute(), b);
    }
    let empty = HashMap::new();
    for (id, live) in sums.iter_mut() {
        let read = by_slo.get(id).unwrap_or(&empty);
        live.rolling.advance_with(end, |t| read.get(&t).copied());
        for m in minutes_before(end, RECENT) {
            if let Some(b) = read.get(&m) {
                live.rolling.push(*b);
            }
        }
    }
}

/// Each SLO's tier verdicts at `now`, or why there are none (`failed`).
fn verdicts(
    slos: &[&SloDef],
    sums: &mut HashMap<SloId, LiveSlo>,
    failed: HashMap<SloId, String>,
    now: Timestamp,
) -> Vec<(SloId, Result<Vec<TierVerdict>, String>)> {
    let end = start_of_minute(now);
    slos.iter()
        .map(|slo| {
            let verdicts = match (failed.get(&slo.id), sums.get_mut(&slo.id)) {
                (Some(e), _) => Err(e.clone()),
                (None, Some(l)) => {
                    l.rolling.set_objective(slo.objective_at(end));
                    l.rolling.tiers(now).map_err(|e| e.to_string())
                }
                (None, None) => Err("its running sums were not counted".to_owned()),
            };
            (slo.id.clone(), verdicts)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use baton_core::slo::{BudgetShare, Indicator, Objective, Severity, SliceThreshold, SloWindow, TierSpec};
    use baton_core::{Period, ServiceId};
    use baton_store::Store;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn t0() -> Timestamp {
        "2026-03-02T09:00:00Z".parse().unwrap()
    }
    fn minute(m: i64) -> Timestamp {
        t0() + SignedDuration::from_mins(m)
    }

    /// Page 1h/5m and ticket 3h/15m over a one-day window: short sequences slide through,
    /// the hour's windows within the ring and the 3h one read as it leaves.
    fn slo(method: BudgetingMethod) -> SloDef {
        let spec = |share: &str, long: &str, severity| TierSpec {
            share: BudgetShare::parse(share).unwrap(),
            long_window: Period::parse(long).unwrap(),
            severity,
            alert_when_no_data: false,
        };
        SloDef {
            id: SloId::parse("streamhub-connect-availability").unwrap(),
            service: ServiceId::parse("streamhub-connect").unwrap(),
            display_name: None,
            description: None,
            objective: Objective::parse("0.99").unwrap(),
            window: SloWindow::Rolling { length: Period::days(1) },
            method,
            indicator: Indicator::BuiltIn,
            tiers: vec![spec("0.02", "1h", Severity::Page), spec("0.05", "3h", Severity::Ticket)],
            min_events: 5,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    async fn baton() -> (Arc<Baton>, Arc<dyn Store>, Arc<ManualClock>) {
        let dir = tempfile::tempdir().unwrap().keep();
        let store: Arc<dyn Store> = Arc::new(
            baton_store_sqlite::SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.display())).await.unwrap(),
        );
        let clock = Arc::new(ManualClock::new(minute(0)));
        (Baton::with_slo_engine(store.clone(), clock.clone()), store, clock)
    }

    /// A minute of samples, as `ingest_samples` stores it.
    async fn ingest(baton: &Baton, store: &dyn Store, slo: &SloDef, m: i64, good: u64, total: u64) {
        store.put_buckets(&slo.id, &[Bucket::new(minute(m), good, total).unwrap()]).await.unwrap();
        baton.paging.live_slos.stored(&slo.id, minute(m));
    }

    async fn live(baton: &Baton, slo: &SloDef) -> Vec<TierVerdict> {
        let (_, verdicts) = baton.live_tiers(&[slo], &HashMap::new(), baton.now()).await.remove(0);
        verdicts.unwrap()
    }

    async fn reported(baton: &Baton, slo: &SloDef) -> Vec<TierVerdict> {
        baton.report(slo.clone(), None, baton.now()).await.unwrap().tiers
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// The minute that just ended.
        Current { good: u64, total: u64 },
        /// A sample `back` minutes before it (within the minutes re-read, or older).
        Late { back: i64, good: u64, total: u64 },
        /// Minutes pass; with `judged`, this replica judges each, else another one does.
        Pass { minutes: i64, judged: bool },
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let counts = (0u64..40, 1u64..40).prop_map(|(a, b)| (a.min(b), b));
        prop::collection::vec(
            prop_oneof![
                5 => counts.clone().prop_map(|(good, total)| Step::Current { good, total }),
                2 => ((0i64..150), counts).prop_map(|(back, (good, total))| Step::Late { back, good, total }),
                4 => Just(Step::Pass { minutes: 1, judged: true }),
                1 => ((2i64..20), any::<bool>()).prop_map(|(minutes, judged)| Step::Pass { minutes, judged }),
            ],
            1..120,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever arrives late and whichever replica judged the minutes in between, the
        /// tiers the engine judges from its running sums are the report's.
        #[test]
        fn the_running_sums_judge_every_minute_as_the_report_does(
            timeslices in any::<bool>(),
            steps in steps(),
        ) {
            let method = if timeslices {
                BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.95").unwrap() }
            } else {
                BudgetingMethod::Occurrences
            };
            let slo = slo(method);
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let (baton, store, clock) = baton().await;
                // Three hours of history before the first minute judged.
                for m in -180..0 {
                    ingest(&baton, &*store, &slo, m, if m % 7 == 0 { 0 } else { 10 }, 10).await;
                }
                for step in steps {
                    let now = t0().duration_until(baton.now()).as_mins();
                    match step {
                        Step::Current { good, total } => ingest(&baton, &*store, &slo, now - 1, good, total).await,
                        Step::Late { back, good, total } => {
                            ingest(&baton, &*store, &slo, now - 1 - back, good, total).await
                        }
                        Step::Pass { minutes, judged } => {
                            for _ in 0..minutes {
                                clock.advance(SignedDuration::from_mins(1));
                                if judged {
                                    assert_eq!(live(&baton, &slo).await, reported(&baton, &slo).await, "at {}", baton.now());
                                }
                            }
                        }
                    }
                }
                assert_eq!(live(&baton, &slo).await, reported(&baton, &slo).await);
            });
        }
    }

    #[tokio::test]
    async fn a_backfill_by_another_process_is_counted_within_the_refresh() {
        let slo = slo(BudgetingMethod::Occurrences);
        let (baton, store, clock) = baton().await;
        clock.set(minute(180));
        for m in 60..180 {
            ingest(&baton, &*store, &slo, m, 10, 10).await;
        }
        assert!(live(&baton, &slo).await.iter().all(|v| !v.fires()));
        // `baton slo backfill` (another process) rewrites the last 40 minutes as failures:
        // the minutes re-read count at once, the older ones at the refresh.
        let failures: Vec<Bucket> = (140..180).map(|m| Bucket::new(minute(m), 0, 10).unwrap()).collect();
        store.put_buckets(&slo.id, &failures).await.unwrap();
        clock.set(minute(181));
        let before = live(&baton, &slo).await;
        assert_ne!(before, reported(&baton, &slo).await, "older minutes are not re-read every minute");
        clock.set(minute(181) + REFRESH + SignedDuration::from_mins(60));
        assert_eq!(live(&baton, &slo).await, reported(&baton, &slo).await);
        // The same rewrite through this process counts at the very next minute.
        let recovered: Vec<Bucket> = (100..140).map(|m| Bucket::new(minute(m), 10, 10).unwrap()).collect();
        store.put_buckets(&slo.id, &recovered).await.unwrap();
        baton.paging.live_slos.stored(&slo.id, minute(100));
        clock.advance(SignedDuration::from_mins(1));
        assert_eq!(live(&baton, &slo).await, reported(&baton, &slo).await);
    }
}

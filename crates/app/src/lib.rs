//! Baton's use cases, shared by the HTTP API and the CLI.
//!
//! Each one reads what it needs from the store, asks `core` to decide (who may, and what
//! follows), and writes the outcome with its audit record in one `Commit`, built with
//! `decision`'s helpers and retried from a fresh read on a version conflict
//! (`retry::on_conflict`). Nothing here decides a permission; it only moves data between
//! the store and core, with the time from a [`Clock`].
//!
//! The use cases by area (modules mirror `core`'s):
//!
//! | area | module | `Baton` methods |
//! |---|---|---|
//! | pipeline | `pipeline` | `apply`, `plan`, `act`, `service`, `services`, `history`, `verify_audit` |
//! | gates | `gates/` | `vote`, `withdraw_vote`, `pass_gate`, `waive_gate_requirement`, `post_check`, `propose_capacity`, `approve_capacity`, `record_install`, `service_gates`, `gate_verdict` |
//! | SLOs | `slo/` | `slo_report(s)`, `slo_compliance`, `ingest_samples`, `add_correction`, `cancel_correction`, `backtest_slo`, `backtest_definition`, `backtest_compare` |
//! | RACI | `raci` | `raci`, `roadmap`, `propose_roadmap`, `agree_roadmap` |
//! | on-call | `oncall/` | `who`, `next`, `schedule`, `rotations`, `oncall_for_service`; `changes/`: overrides, swaps, feeds, `fairness`; `log`: duties, the log, help, runbooks to write; `shift_note`: `write_shift_note`, `acknowledge_shift_note` |
//! | paging | `paging/` | `accept_alerts` (intake), `alerts`, `respond_to_alert`, `resend_notification`, integrations; the SLO alerting engine (`slo_alerts`, `slo_sums`) |
//! | access | `auth`, `session` | tokens, `authenticate`, `sign_in`, `sign_out` |
//! | the engine | `engine` | `engine_step`, `run_engine`: everything due, in order |
#![forbid(unsafe_code)]

mod auth;
mod clock;
mod contact;
mod decision;
pub mod engine;
mod error;
pub mod gates;
mod oncall;
mod org_cache;
pub mod outbox;
pub mod paging;
mod pipeline;
mod raci;
mod retry;
mod session;
mod slo;
mod viability;
mod work;

pub use auth::{hash_secret, CreatedToken, IssuedToken, Principal, TokenView, ADMIN};
pub use clock::{ManualClock, SystemClock};
pub use contact::{ContactView, NewMethod, CONTACT_KIND};
pub use error::AppError;
pub use oncall::changes::{
    feed_window, FairnessReport, FairnessRow, FeedView, IssuedFeed, LeaveOutcome, MovedTurn, UncoveredTurn, FEED_KIND,
    LEAVE_KIND, MAX_FAIRNESS_DAYS, OVERRIDE_GUARD_KIND, OVERRIDE_KIND, SWAP_KIND,
};
pub use oncall::log::{runbook_todo, CurrentShift, DutyLine, LogPage, DUTIES_KIND, LOG_KIND, MAX_LOG_PAGE, TODO_KIND};
pub use oncall::shift_note::{MAX_SHIFT_NOTES, SHIFT_NOTE_KIND};
pub use oncall::{HolidayView, OnCallPerson, OnCallView, RotationView, ServiceOnCall, ShiftView, MAX_SCHEDULE_DAYS};
pub use pipeline::{ApplyReport, ServiceView};
pub use raci::{ROADMAP_KIND, SLO_WATCH_KIND, WATCH_EVERY};
pub use session::{SignedIn, SESSION_LENGTH};
pub use slo::backtest::{BacktestChange, BacktestComparison, SloBacktest, DEFAULT_BACKTEST_DAYS};
pub use slo::{
    BudgetPoint, CorrectionIn, DataStatus, IngestReport, MonthCompliance, RejectedSample, SampleIn, SloCompliance,
    SloCorrection, SloReport, SloViability, MAX_COMPLIANCE_MONTHS, MAX_SAMPLES,
};
pub use viability::{ReviewAttestation, ViabilitySource};
pub use work::{MyWork, RoadmapAsked, ServiceSteps, VoteAsked};

use baton_core::Clock;
use baton_store::Store;
use org_cache::{LayeredCache, OrgCache};
use std::sync::Arc;

/// The definition of service `id`; `NotFound` naming it when no such service is defined.
pub(crate) fn service_def<'a>(
    org: &'a baton_core::Org,
    id: &baton_core::ServiceId,
) -> Result<&'a baton_core::org::ServiceDef, AppError> {
    org.services.get(id).ok_or_else(|| AppError::NotFound(format!("no service `{id}` is defined")))
}

/// 128 random bits as hex: a key nobody can guess (PagerDuty-style generated dedup keys).
pub fn random_key() -> String {
    auth::random_hex(16)
}

/// The application: a store, a clock, and where SLO verdicts come from.
pub struct Baton {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    viability: Arc<dyn ViabilitySource>,
    org: OrgCache,
    layered: LayeredCache,
    paging: PagingState,
}

/// What paging keeps per process: the intake writer, the integrations found by key, the
/// sender's wake-up call and its sender_queue, and the address links in notifications point at.
#[derive(Default)]
struct PagingState {
    intake: std::sync::OnceLock<paging::intake::IntakeQueue>,
    keys: paging::intake::KeyCache,
    wake: Arc<tokio::sync::Notify>,
    sender_queue: std::sync::OnceLock<Arc<baton_store::SenderQueue>>,
    public_url: std::sync::OnceLock<String>,
    /// Whether this process's sender has a mail server (`serve` says; unknown to the CLI):
    /// without one, email methods are not used.
    mail: std::sync::OnceLock<bool>,
    /// The key acknowledge links are signed with (see `contact::link_key`).
    link_key: tokio::sync::OnceCell<std::sync::Arc<[u8]>>,
    /// How often the SLO alerting engine judges every SLO (a minute unless set).
    slo_alerting_every: std::sync::OnceLock<std::time::Duration>,
    /// The SLO alerting engine's running sums.
    live_slos: paging::slo_sums::LiveSlos,
}

impl Baton {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, viability: Arc<dyn ViabilitySource>) -> Self {
        Self {
            store,
            clock,
            viability,
            org: OrgCache::default(),
            layered: LayeredCache::default(),
            paging: PagingState::default(),
        }
    }

    /// With the defaults: the system clock, and handover verdicts from the SLO engine.
    pub fn with_defaults(store: Arc<dyn Store>) -> Arc<Self> {
        Self::with_slo_engine(store, Arc::new(SystemClock))
    }

    /// Baton whose handover verdicts come from its own SLO engine (which reads back
    /// through this same Baton, hence the weak reference).
    pub fn with_slo_engine(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new_cyclic(|me| Self::new(store, clock, Arc::new(SloViability { baton: me.clone() })))
    }

    /// Where people reach Baton (`https://baton.example.com`), for links in notifications.
    /// Set once, at start (a second call is ignored, so `serve` sets the address it
    /// serves after a `--public-url`); without it notifications carry no links back.
    pub fn set_public_url(&self, url: &str) {
        let _ = self.paging.public_url.set(url.trim_end_matches('/').to_owned());
    }

    /// How often the SLO alerting engine judges every SLO: every minute by default (the
    /// SLIs are per minute); drills and tests may ask for more often. Set once, at start.
    pub fn set_slo_alerting_every(&self, every: std::time::Duration) {
        let _ = self.paging.slo_alerting_every.set(every);
    }

    pub(crate) fn slo_alerting_every(&self) -> Option<std::time::Duration> {
        self.paging.slo_alerting_every.get().copied()
    }

    pub(crate) fn public_url(&self) -> Option<&str> {
        self.paging.public_url.get().map(String::as_str)
    }

    /// Notified whenever notifications were queued, so the sender need not poll.
    pub fn outbox_wake(&self) -> Arc<tokio::sync::Notify> {
        self.paging.wake.clone()
    }

    /// Hands the pages alert intake queues straight to this process's sender, claimed for
    /// it as they are written (see [`baton_store::SenderQueue`]). Set once, at start, by
    /// whoever runs a sender; without it pages wait for any sender to claim them.
    pub fn queue_for_sender(&self, sender_queue: Arc<baton_store::SenderQueue>) {
        let _ = self.paging.sender_queue.set(sender_queue);
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> baton_core::Timestamp {
        self.clock.now()
    }

    /// The organisation as last applied, reloaded only when another apply happened.
    pub async fn org(&self) -> Result<Arc<baton_core::Org>, AppError> {
        self.org.get(&*self.store).await
    }
}

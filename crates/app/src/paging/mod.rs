//! Paging use cases: integrations and their keys, alert intake (group-committed, see
//! [`intake`]), acknowledging and resolving, the engine's escalation and heartbeat steps,
//! and the notices pages turn into.
//!
//! Record kinds (see `baton_store::records`):
//! - `alert`, id `<service>/<dedup key>`: the alert's current incarnation (`core::paging::Alert`),
//!   due when its next escalation step is; an earlier, resolved incarnation is kept under
//!   `<service>/<dedup key>#<opened_at µs>`;
//! - `integration`, id `<service>.<name>`: `core::paging::Integration`, due when its
//!   heartbeat would be missed;
//! - `integration-key`, id = SHA-256 of the key: the integration id, to find it by key.

mod alerts;
pub mod intake;
mod integrations;
mod notices;
mod slo_alerts;
pub(crate) mod slo_sums;

pub use alerts::{AlertPage, AlertQuery, AlertView, Delivery};
pub use intake::{IntakeReply, MAX_INTAKE_BYTES};
pub use integrations::{IntegrationIn, IssuedIntegration};
pub use slo_alerts::SLO_ALERTING_KIND;

pub(crate) const ALERT: &str = "alert";
pub(crate) const INTEGRATION: &str = "integration";
pub(crate) const INTEGRATION_KEY: &str = "integration-key";

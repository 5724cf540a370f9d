//! The transition period's question: has this service met its SLOs over the window?
//!
//! The answer comes from outside the state machine (an SRE's attested review today, the
//! SLO engine later), so the handover rule takes it as a value and never computes it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Viability {
    /// SLOs were met over the window; `evidence` says how that is known.
    Met { evidence: String },
    /// SLOs were not met; `reason` says which and by how much.
    NotMet { reason: String },
    /// Nothing to judge by yet (no data, no review).
    Unknown { reason: String },
}

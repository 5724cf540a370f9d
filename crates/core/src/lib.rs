//! Baton's domain: the decisions, with no IO, no async and no clock.
//!
//! Time is always a parameter (`now: Timestamp`), so every rule here can be tested at any
//! instant. Storage, HTTP and the CLI move data in and out of these types; they do not
//! decide anything themselves.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod clock;
pub mod contact;
pub mod definition;
pub mod due;
pub mod gate;
pub mod id;
pub mod link;
pub mod local_time;
pub mod notice;
pub mod oncall;
pub mod org;
pub mod paging;
pub mod period;
pub mod pipeline;
pub mod raci;
pub mod slo;
pub mod viability;

pub use clock::Clock;
pub use definition::{Change, ChangeKind, Definition};
pub use id::{GateId, IdError, ItemId, PersonId, PersonaId, ServiceId, SloId, StepId, TeamId};
pub use jiff::Timestamp;
pub use link::Link;
pub use org::Org;
pub use period::Period;
pub use viability::Viability;

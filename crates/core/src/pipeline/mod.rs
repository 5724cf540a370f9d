//! The onboarding pipeline: Kickoff → Onboarding → Transition → SRE-owned.
//!
//! `record` holds what has happened to one service, `command` what people ask for, and
//! `rules` decides whether a command may happen and what it changes. Read `rules` to
//! know when a service may move on.

mod command;
mod record;
mod rules;
mod work;

pub use command::*;
pub use record::*;
pub use rules::{blockers, decide, may_work_on_service, Context, Outcome, PipelineError, ServiceWork, Unmet};
pub use work::{offered, waiting_on, Waiting};

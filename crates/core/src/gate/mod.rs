//! Production gates: what must hold before a service enters production on reduced
//! criteria (`promote-to-prod`) or is released to customers on the full criteria
//! (`customer-release`), as gating-for-production describes them.
//!
//! A [`Gate`] is a tree of [`Requirement`]s (`all_of`, `any_of`, leaves). [`evaluate`]
//! judges one service against one gate at one instant from plain [`GateInputs`] and
//! answers with a [`GateVerdict`]: per leaf whether it is met, exactly what is missing,
//! who can act, and when it will pass on its own if time is all it needs. Approvals
//! count distinct people ([`evaluate`] explains how), a −1 blocks until withdrawn, and
//! waivers count until they expire. [`may_install`] holds a released service to its
//! agreed capacity and velocity.

mod acts;
mod capacity;
mod definition;
mod evaluate;
mod inputs;
pub mod junit;
mod leaf;
mod matching;
mod release;
mod votes;

#[cfg(test)]
mod tests;

pub use acts::{
    approval_teams, check_vote, check_waiver, may_agree_capacity, may_ask_for_votes, may_pass_gate,
    may_propose_capacity, may_withdraw_vote, vote_requests, voting_team, waiving_team, GateActError, VoteRequest,
};
pub use capacity::{may_install, InstallLimit, InstallRefused};
pub use definition::{AppliesTo, Gate, Requirement, ServiceRole};
pub use evaluate::{evaluate, GateVerdict, RequirementVerdict, Status, VerdictNode};
pub use inputs::{Approval, CapacityAgreement, CheckResult, GateInputs, RotationSize, SupportFacts, Vote, Waiver};
pub use junit::JunitCounts;
pub use release::{
    assurance, may_install_service, Assurance, InstallBlock, InstallDenied, InstallRequest, CUSTOMER_RELEASE,
    PROMOTE_TO_PROD,
};

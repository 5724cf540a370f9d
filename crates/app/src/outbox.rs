//! Turning a notice into outbox messages: one per channel, each with an idempotency key
//! derived from the decision's own key, so a decision made twice queues nothing twice.

use crate::AppError;
use baton_core::notice::Notice;
use baton_core::paging::{first_policy, Channel, Purpose};
use baton_core::{Org, TeamId, Timestamp};
use baton_store::{to_json, NewNotification};
use sha2::{Digest, Sha256};

/// The messages that deliver `notice` on each of `channels`, not before `not_before`.
/// `key` names the decision (`page/streamhub/<alert>/<step>/<round>/<person>`); each
/// message's key adds a digest of its channel.
pub fn messages(
    notice: &Notice,
    channels: &[Channel],
    key: &str,
    not_before: Timestamp,
) -> Result<Vec<NewNotification>, AppError> {
    let payload = to_json(notice)?;
    channels
        .iter()
        .map(|channel| {
            let channel = to_json(channel)?;
            let digest = hex::encode(&Sha256::digest(channel.as_bytes())[..6]);
            Ok(NewNotification {
                key: format!("{key}@{digest}"),
                subject: notice.subject.clone(),
                channel,
                payload: payload.clone(),
                not_before,
            })
        })
        .collect()
}

/// Where notices for `team` go: the channels of its page policy, else of its ticket
/// queue. Empty when the team has neither (the caller says so where it is shown).
pub fn team_channels(org: &Org, team: &TeamId) -> Vec<Channel> {
    [Purpose::Page, Purpose::Ticket]
        .into_iter()
        .find_map(|purpose| first_policy(org, team, purpose).filter(|p| !p.channels.is_empty()))
        .map(|p| p.channels.clone())
        .unwrap_or_default()
}

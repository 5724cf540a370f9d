//! iCalendar feeds by secret URL, per rotation and per person. The secret is the only
//! credential a calendar app can present, so it is made like an API token: 256 random
//! bits, shown once, stored as SHA-256 (see `auth.rs`). Its form, `feed_<id>_<hex>`,
//! names the record to check it against, so serving a feed is one read.

use super::change;
use crate::auth::random_hex;
use crate::decision::{audit, record_write, Subject};
use crate::{hash_secret, AppError, Baton};
use baton_core::oncall::{to_ical, CalendarFeed, RotationId, FEED_FUTURE_DAYS, FEED_PAST_DAYS};
use baton_core::pipeline::Signed;
use baton_core::{PersonId, Timestamp};
use baton_store::{from_json, Commit};
use jiff::SignedDuration;
use serde::Serialize;

pub const FEED_KIND: &str = "oncall-feed";

/// A feed as shown to people: never its secret or its hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedView {
    pub id: String,
    /// Only this rotation's shifts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationId>,
    /// Only this person's shifts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
    pub created: Signed,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Signed>,
}

impl From<&CalendarFeed> for FeedView {
    fn from(f: &CalendarFeed) -> Self {
        FeedView {
            id: f.id.clone(),
            rotation: f.rotation.clone(),
            person: f.person.clone(),
            created: f.created.clone(),
            revoked: f.revoked.clone(),
        }
    }
}

/// A feed just created: `secret` is in its URL, shown once and never stored.
pub struct IssuedFeed {
    pub feed: FeedView,
    pub secret: String,
    /// The full URL, when Baton knows its public address (`serve --public-url`).
    pub url: Option<String>,
}

impl IssuedFeed {
    /// Where the feed is served, under the server's address.
    pub fn path(&self) -> String {
        format!("/feeds/{}.ics", self.secret)
    }
}

impl std::fmt::Debug for IssuedFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedFeed")
            .field("feed", &self.feed)
            .field("secret", &"<redacted>")
            .field("url", &"<redacted>")
            .finish()
    }
}

/// The record id named by a secret, if it has the form of one.
fn feed_id(secret: &str) -> Option<&str> {
    let (id, random) = secret.strip_prefix("feed_")?.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 12) && hex(random, 64)).then_some(id)
}

/// Compares two hashes in time independent of where they differ.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Baton {
    async fn stored_feed(&self, id: &str) -> Result<Option<(CalendarFeed, i64)>, AppError> {
        match self.store.record(FEED_KIND, id).await? {
            Some(r) => Ok(Some((from_json(&format!("{FEED_KIND} {id}"), &r.body)?, r.version))),
            None => Ok(None),
        }
    }

    /// Creates a feed of `rotation`'s shifts, `person`'s shifts, or both, for `actor`.
    /// Schedules are readable without a token, so any person may make any feed.
    pub async fn create_feed(
        &self,
        actor: &PersonId,
        rotation: Option<RotationId>,
        person: Option<PersonId>,
    ) -> Result<IssuedFeed, AppError> {
        let org = self.org().await?;
        if let Some(r) = rotation.as_ref().filter(|r| !org.rotations.contains_key(*r)) {
            let known: Vec<&str> = org.rotations.keys().map(RotationId::as_str).collect();
            return Err(AppError::Invalid {
                field: "rotation".into(),
                message: format!("no rotation `{r}` is defined (defined: {})", known.join(", ")),
            });
        }
        if let Some(p) = person.as_ref().filter(|p| !org.people.contains_key(*p)) {
            return Err(AppError::Invalid { field: "person".into(), message: format!("no person `{p}` is defined") });
        }
        let id = random_hex(6);
        let secret = format!("feed_{id}_{}", random_hex(32));
        let now = self.now();
        let feed = CalendarFeed::new(id.clone(), rotation, person, hash_secret(&secret), actor, now).map_err(change)?;
        let view = FeedView::from(&feed);
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(FEED_KIND, id.clone(), 0, &feed, None)?],
            audit: vec![audit(actor, "oncall.feed.create", Subject::Feed(&id), &view)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        let url = self.public_url().map(|base| format!("{base}/feeds/{secret}.ics"));
        Ok(IssuedFeed { feed: view, secret, url })
    }

    /// Revokes a feed: its URL answers 404 from now on. Only its maker may.
    pub async fn revoke_feed(&self, id: &str, actor: &PersonId) -> Result<FeedView, AppError> {
        let (mut feed, version) =
            self.stored_feed(id).await?.ok_or_else(|| AppError::NotFound(format!("no feed `{id}`")))?;
        let now = self.now();
        feed.revoke(actor, now).map_err(change)?;
        let view = FeedView::from(&feed);
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(FEED_KIND, id.to_owned(), version, &feed, None)?],
            audit: vec![audit(actor, "oncall.feed.revoke", Subject::Feed(id), &view)?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(view)
    }

    /// The feeds `person` made, revoked ones included, oldest first.
    pub async fn feeds_of(&self, person: &PersonId) -> Result<Vec<FeedView>, AppError> {
        let mut out = Vec::new();
        for r in self.store.records(FEED_KIND, "").await? {
            let feed: CalendarFeed = from_json(&format!("{FEED_KIND} {}", r.id), &r.body)?;
            if &feed.created.by == person {
                out.push(FeedView::from(&feed));
            }
        }
        out.sort_by(|a, b| (a.created.at, &a.id).cmp(&(b.created.at, &b.id)));
        Ok(out)
    }

    /// The iCalendar text of the feed whose secret is `secret`: its shifts (overrides
    /// included) from [`FEED_PAST_DAYS`] back to [`FEED_FUTURE_DAYS`] ahead. An unknown,
    /// malformed or revoked secret is `NotFound`, all alike.
    pub async fn feed_ics(&self, secret: &str) -> Result<String, AppError> {
        let unknown = || AppError::NotFound("no such calendar feed (it may have been revoked)".into());
        let id = feed_id(secret).ok_or_else(unknown)?;
        let (feed, _) = self.stored_feed(id).await?.ok_or_else(unknown)?;
        if !same_hash(&feed.secret_hash, &hash_secret(secret)) || feed.revoked.is_some() {
            return Err(unknown());
        }
        let now = self.now();
        let (from, to) = feed_window(now);
        let (org, rotations) = self.effective_rotations().await?;
        let mut events = Vec::new();
        for (id, rotation) in rotations.iter().filter(|(id, _)| feed.rotation.as_ref().is_none_or(|r| r == *id)) {
            events.extend(rotation.shifts(from, to).into_iter().filter(|s| feed.lists(id, s)).map(|s| (id.clone(), s)));
        }
        events.sort_by(|a, b| (a.1.start, &a.0).cmp(&(b.1.start, &b.0)));
        Ok(to_ical(&feed.title(&org), &feed.time_zone(&org), events.iter().map(|(r, s)| (r, s)), now))
    }
}

/// The range a feed served at `now` covers.
pub fn feed_window(now: Timestamp) -> (Timestamp, Timestamp) {
    let day = |n: i64| SignedDuration::from_hours(24 * n);
    (now.saturating_sub(day(FEED_PAST_DAYS)).unwrap_or(now), now.saturating_add(day(FEED_FUTURE_DAYS)).unwrap_or(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_secrets_of_the_issued_form_name_a_feed() {
        let good = format!("feed_0123456789ab_{}", "c".repeat(64));
        assert_eq!(feed_id(&good), Some("0123456789ab"));
        for bad in ["", "feed_", "feed_0123456789ab", &good[..good.len() - 1], &good.replace("feed_", "baton_")] {
            assert_eq!(feed_id(bad), None, "{bad}");
        }
        assert!(same_hash("abc", "abc") && !same_hash("abc", "abd") && !same_hash("abc", "ab"));
    }
}

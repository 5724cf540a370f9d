//! Reaching people: each person's contact methods and notification rules (read, added and
//! verified by code, switched, removed, rules set), and delivering a notice to people by
//! their rules (`to_people`), which pages, RACI notices, handover reminders, swap and
//! cover requests use besides their team's channels.
//!
//! Records: `person-contact` `<person>`, a [`Contacts`] (what the person stored; the
//! definitions' methods and rules are read from the `Org`). The signing key of acknowledge
//! links is the record `baton-secret` `ack-link-key` unless `serve` is given one.

use crate::decision::{audit, record_write, Subject};
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::contact::{
    may_manage, may_read, Address, ContactError, ContactMethod, Contacts, NotificationRule, QuietHours, Reach, RuleSet,
    Urgency, CODE_LIFETIME,
};
use baton_core::id::MethodId;
use baton_core::notice::{Notice, NoticeKind};
use baton_core::org::Person;
use baton_core::paging::{Channel, Secret};
use baton_core::{Link, Org, PersonId, Timestamp};
use baton_store::{from_json, Commit, NewNotification, RecordWrite};
use jiff::tz::TimeZone;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const CONTACT_KIND: &str = "person-contact";
/// Why email is not used, while it is not.
const NO_MAIL: &str = "the server has no mail server configured (serve --smtp-url)";
/// Where the acknowledge links' signing key is kept when `serve` is given none.
const SECRET_KIND: &str = "baton-secret";
const LINK_KEY_ID: &str = "ack-link-key";

/// A person's methods and rules as they and their leads see them (addresses that are
/// secrets, a webhook's path and a routing key, redacted).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub person: PersonId,
    pub methods: Vec<ContactMethod>,
    pub rules: Vec<NotificationRule>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "22:00-07:00"))]
    pub quiet_hours: Option<QuietHours>,
    /// The rules are the definitions' (or each urgency by email at once), not their own.
    pub default_rules: bool,
    /// Methods waiting for the code sent to them.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub awaiting_code: Vec<MethodId>,
    /// What keeps them from being reached, in words (empty: nothing).
    pub problems: Vec<String>,
}

/// A method to add: its id (short, the person's choice: `phone`, `work-slack`) and address.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMethod {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "phone"))]
    pub id: MethodId,
    #[serde(flatten)]
    pub address: Address,
}

impl From<ContactError> for AppError {
    fn from(e: ContactError) -> Self {
        match e {
            ContactError::Invalid { field, message } => AppError::Invalid { field, message },
            ContactError::NoMethod(_) => AppError::NotFound(e.to_string()),
        }
    }
}

/// The zone times are shown to `person` in (quiet hours are in it); UTC when unknown.
pub(crate) fn zone_of(org: &Org, person: &PersonId) -> TimeZone {
    org.people.get(person).and_then(|p| p.time_zone()).unwrap_or(TimeZone::UTC)
}

/// The Slack webhook a person's Slack mention goes through: the first Slack channel of
/// their teams' policies (teams by id).
pub(crate) fn team_slack(org: &Org, person: &PersonId) -> Option<Secret<Link>> {
    org.teams_of(person).find_map(|team| {
        org.escalations.values().filter(|p| p.team == team.id).flat_map(|p| &p.channels).find_map(|c| match c {
            Channel::Slack { url, .. } => Some(url.clone()),
            _ => None,
        })
    })
}

/// The channel of `person`'s `method`, when it is usable and has one.
pub(crate) fn method_channel(org: &Org, person: &PersonId, reach: &Reach, method: &MethodId) -> Option<Channel> {
    let method = reach.method(method).filter(|m| m.usable())?;
    method.address.channel(team_slack(org, person).as_ref())
}

/// `notice` for `person` alone.
fn for_person(notice: &Notice, person: &PersonId) -> Notice {
    Notice { to: vec![person.clone()], ..notice.clone() }
}

/// The messages that tell `person` `notice` by their rules for `urgency`: one per planned
/// method, not before its time, each keyed `<key>~<method>`.
pub(crate) fn personal_messages(
    org: &Org,
    person: &PersonId,
    reach: &Reach,
    notice: &Notice,
    urgency: Urgency,
    key: &str,
    now: Timestamp,
) -> Result<Vec<NewNotification>, AppError> {
    let mut out = Vec::new();
    for planned in reach.plan(urgency, now, &zone_of(org, person)) {
        let Some(channel) = method_channel(org, person, reach, &planned.method) else {
            tracing::warn!(%person, method = %planned.method, "a contact method has no channel (a Slack mention with no team Slack webhook)");
            continue;
        };
        let key = format!("{key}~{}", planned.method);
        out.extend(crate::outbox::messages(&for_person(notice, person), &[channel], &key, planned.at)?);
    }
    Ok(out)
}

fn view(person: &PersonId, reach: Reach, stored: &Contacts) -> ContactView {
    let problems = reach.problems();
    ContactView {
        person: person.clone(),
        methods: reach.methods.iter().map(ContactMethod::redacted).collect(),
        rules: reach.rules.rules,
        quiet_hours: reach.rules.quiet_hours,
        default_rules: reach.default_rules,
        awaiting_code: stored.pending.iter().map(|p| p.method.clone()).collect(),
        problems,
    }
}

/// A six-digit code.
fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// The notice that carries a verification code to the method being verified.
fn code_notice(person: &PersonId, method: &MethodId, code: &str) -> Notice {
    Notice {
        kind: NoticeKind::Info,
        subject: format!("contact/{person}/{method}"),
        title: "Your Baton verification code".into(),
        text: format!(
            "{code} is the code that verifies the contact method `{method}` of {person} in Baton \
             (good for {CODE_LIFETIME}). If you did not add it, ignore this message."
        ),
        to: vec![person.clone()],
        severity: None,
        links: Vec::new(),
        alert: None,
    }
}

/// What a change to a person's contacts does besides storing them: nothing, or send a
/// code to a method.
enum After {
    Nothing,
    SendCode(MethodId, String),
    /// Refused, but what changed is kept (a wrong code counts against the code's tries).
    Refused(ContactError),
}

impl Baton {
    async fn stored_contacts(&self, person: &PersonId) -> Result<(Contacts, i64), AppError> {
        Ok(match self.store.record(CONTACT_KIND, person.as_str()).await? {
            Some(r) => (from_json(&format!("{CONTACT_KIND} {person}"), &r.body)?, r.version),
            None => (Contacts::default(), 0),
        })
    }

    /// What is in force for each of `people` (those the definitions do not know are left
    /// out), in one read. A stored record that cannot be read counts as nothing stored
    /// (the definitions' email still reaches them), and is logged.
    pub(crate) async fn reaches(&self, org: &Org, people: &[PersonId]) -> Result<HashMap<PersonId, Reach>, AppError> {
        let ids: Vec<String> = people.iter().map(|p| p.to_string()).collect();
        let mut stored: HashMap<String, Contacts> = HashMap::new();
        if !ids.is_empty() {
            for r in self.store.records_by_id(CONTACT_KIND, &ids).await? {
                match from_json::<Contacts>(&format!("{CONTACT_KIND} {}", r.id), &r.body) {
                    Ok(c) => {
                        stored.insert(r.id, c);
                    }
                    Err(e) => {
                        tracing::error!(person = %r.id, error = %e, "a person's contact record cannot be read: only the definitions' methods reach them")
                    }
                }
            }
        }
        Ok(people
            .iter()
            .filter_map(|p| {
                let person = org.people.get(p)?;
                Some((p.clone(), self.reach_of(person, stored.get(p.as_str()).unwrap_or(&Contacts::default()), true)))
            })
            .collect())
    }

    /// What is in force for `person`: [`Reach::of`], with email unavailable while no mail
    /// server is configured (so a server without one keeps using team channels rather
    /// than queueing mail it cannot send). Where that is unknown (the CLI, which sends
    /// nothing itself), a view shows email as it is and a delivery does not count on it.
    fn reach_of(&self, person: &Person, stored: &Contacts, delivering: bool) -> Reach {
        let reach = Reach::of(person, stored);
        match self.paging.mail.get() {
            Some(true) => reach,
            None if !delivering => reach,
            Some(false) | None => reach.without_email(NO_MAIL),
        }
    }

    /// Whether this process's sender has a mail server (`serve --smtp-url`): email methods
    /// are used only if it has.
    pub fn set_mail_configured(&self, configured: bool) {
        let _ = self.paging.mail.set(configured);
    }

    /// The messages that tell each of `people` `notice` by their own rules for its kind
    /// (pages by the page rules; everything else as information, held in quiet hours).
    pub(crate) async fn to_people(
        &self,
        org: &Org,
        people: &[PersonId],
        notice: &Notice,
        key: &str,
        now: Timestamp,
    ) -> Result<Vec<NewNotification>, AppError> {
        let reaches = self.reaches(org, people).await?;
        let mut out = Vec::new();
        for person in people {
            let Some(reach) = reaches.get(person) else { continue };
            let key = format!("{key}/{person}");
            out.extend(personal_messages(org, person, reach, notice, Urgency::of(notice.kind), &key, now)?);
        }
        Ok(out)
    }

    /// `person`'s methods and rules, for them or a lead of theirs.
    pub async fn contact(&self, actor: &PersonId, person: &PersonId) -> Result<ContactView, AppError> {
        let org = self.org().await?;
        let known = org.people.get(person).ok_or_else(|| AppError::NotFound(format!("no person `{person}`")))?;
        may_read(&org, actor, person)?;
        let (stored, _) = self.stored_contacts(person).await?;
        Ok(view(person, self.reach_of(known, &stored, false), &stored))
    }

    /// One change to `person`'s contacts by `actor` (only the person themselves), stored
    /// with its audit record and, for a new or re-sent code, the message carrying it.
    async fn change_contacts(
        &self,
        actor: &PersonId,
        person: &PersonId,
        action: &str,
        details: serde_json::Value,
        change: impl Fn(&mut Contacts, &Reach, Timestamp) -> Result<After, AppError>,
    ) -> Result<ContactView, AppError> {
        on_conflict!({
            let org = self.org().await?;
            let known = org.people.get(person).ok_or_else(|| AppError::NotFound(format!("no person `{person}`")))?;
            may_manage(actor, person)?;
            let (mut stored, version) = self.stored_contacts(person).await?;
            let now = self.now();
            let before = self.reach_of(known, &stored, false);
            let after = change(&mut stored, &before, now)?;
            let reach = self.reach_of(known, &stored, false);
            let mut commit = Commit {
                records: vec![record_write(CONTACT_KIND, person.to_string(), version, &stored, None)?],
                audit: vec![audit(actor, action, Subject::Person(person), &details)?],
                ..Commit::default()
            };
            if let After::SendCode(method, code) = &after {
                if let Some(why) = reach.method(method).and_then(|m| m.unavailable.as_deref()) {
                    return Err(AppError::Invalid { field: "type".into(), message: format!("cannot be used: {why}") });
                }
                let Some(channel) =
                    reach.method(method).and_then(|m| m.address.channel(team_slack(&org, person).as_ref()))
                else {
                    return Err(AppError::Invalid {
                        field: "type".into(),
                        message: "no team of yours has a Slack channel to mention you in".into(),
                    });
                };
                let key = format!("contact-code/{person}/{method}/{}", crate::random_key());
                commit.notifications =
                    crate::outbox::messages(&code_notice(person, method, code), &[channel], &key, now)?;
            }
            self.store.commit(&commit, now).await?;
            if !commit.notifications.is_empty() {
                self.outbox_wake().notify_one();
            }
            if let After::Refused(e) = after {
                return Err(e.into());
            }
            Ok(view(person, reach, &stored))
        })
    }

    /// Adds a method of `person`'s own and sends a code to it; it is used once the code
    /// comes back ([`Baton::verify_contact_method`]).
    pub async fn add_contact_method(
        &self,
        actor: &PersonId,
        person: &PersonId,
        new: NewMethod,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::json!({ "method": new.id, "type": new.address.kind() });
        self.change_contacts(actor, person, "contact.method.add", details, |stored, reach, now| {
            let code = new_code();
            stored.add(reach, new.id.clone(), new.address.clone(), &code, now)?;
            Ok(After::SendCode(new.id.clone(), code))
        })
        .await
    }

    /// Sends a new code to an unverified method.
    pub async fn resend_contact_code(
        &self,
        actor: &PersonId,
        person: &PersonId,
        method: &MethodId,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::json!({ "method": method });
        self.change_contacts(actor, person, "contact.method.resend-code", details, |stored, _, now| {
            let code = new_code();
            stored.resend(method, &code, now)?;
            Ok(After::SendCode(method.clone(), code))
        })
        .await
    }

    /// The code sent to `method` came back.
    pub async fn verify_contact_method(
        &self,
        actor: &PersonId,
        person: &PersonId,
        method: &MethodId,
        code: &str,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::json!({ "method": method });
        self.change_contacts(actor, person, "contact.method.verify", details, |stored, _, now| {
            match stored.verify(method, code, now) {
                Ok(()) => Ok(After::Nothing),
                Err(e @ ContactError::NoMethod(_)) => Err(e.into()),
                // A wrong code is counted, and stored: the count must survive the refusal.
                Err(e) => Ok(After::Refused(e)),
            }
        })
        .await
    }

    /// Turns a method on or off.
    pub async fn switch_contact_method(
        &self,
        actor: &PersonId,
        person: &PersonId,
        method: &MethodId,
        enabled: bool,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::json!({ "method": method, "enabled": enabled });
        self.change_contacts(actor, person, "contact.method.switch", details, |stored, reach, _| {
            stored.set_enabled(reach, method, enabled)?;
            Ok(After::Nothing)
        })
        .await
    }

    /// Removes a method of the person's own.
    pub async fn remove_contact_method(
        &self,
        actor: &PersonId,
        person: &PersonId,
        method: &MethodId,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::json!({ "method": method });
        self.change_contacts(actor, person, "contact.method.remove", details, |stored, reach, _| {
            stored.remove(reach, method)?;
            Ok(After::Nothing)
        })
        .await
    }

    /// Replaces `person`'s rules and quiet hours.
    pub async fn set_notification_rules(
        &self,
        actor: &PersonId,
        person: &PersonId,
        rules: RuleSet,
    ) -> Result<ContactView, AppError> {
        let details = serde_json::to_value(&rules).map_err(|e| AppError::BadRequest(e.to_string()))?;
        self.change_contacts(actor, person, "contact.rules.set", details, |stored, reach, _| {
            stored.set_rules(reach, rules.clone())?;
            Ok(After::Nothing)
        })
        .await
    }

    /// The key acknowledge links are signed with: the one `serve` was given, else one
    /// made once and kept in the store (so every replica, and a restart, accepts the
    /// links already sent).
    pub(crate) async fn link_key(&self) -> Result<std::sync::Arc<[u8]>, AppError> {
        let key = self
            .paging
            .link_key
            .get_or_try_init(|| async {
                if let Some(r) = self.store.record(SECRET_KIND, LINK_KEY_ID).await? {
                    return key_from(&r.body);
                }
                let made = serde_json::Value::String(crate::auth::random_hex(32));
                let write = RecordWrite {
                    kind: SECRET_KIND.into(),
                    id: LINK_KEY_ID.into(),
                    expected_version: 0,
                    body: made.to_string(),
                    due_at: None,
                };
                match self.store.commit(&Commit { records: vec![write], ..Commit::default() }, self.now()).await {
                    Ok(_) => key_from(&made.to_string()),
                    // Another replica made it first: theirs is the key.
                    Err(baton_store::StoreError::Conflict(_)) => {
                        let r = self.store.record(SECRET_KIND, LINK_KEY_ID).await?.ok_or_else(|| {
                            AppError::Unavailable("the acknowledge link key vanished while it was made".into())
                        })?;
                        key_from(&r.body)
                    }
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
        Ok(key.clone())
    }

    /// Signs acknowledge links with `key` (from `serve --link-key-file`) rather than a key
    /// kept in the store.
    pub fn set_link_key(&self, key: &[u8]) {
        let _ = self.paging.link_key.set(std::sync::Arc::from(key));
    }
}

fn key_from(body: &str) -> Result<std::sync::Arc<[u8]>, AppError> {
    let hex: String = from_json("the acknowledge link key", body)?;
    Ok(std::sync::Arc::from(hex.into_bytes()))
}

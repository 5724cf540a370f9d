//! Reaching people: each person's contact methods (email from `teams/`, methods the
//! definitions give in `contacts/`, and methods they add and verify themselves), their
//! notification rules (which methods, after how long, per urgency) and quiet hours.
//!
//! [`Contacts`] is what a person stored; [`Reach`] is what is in force, the definitions
//! and the stored choices together; [`Reach::plan`] says when each method is used for a
//! notification arising at `now`. Pages go through at any hour; quiet hours hold
//! information only.

mod method;
mod rules;

pub use method::{is_email, Address, ContactMethod};
pub use rules::{NotificationRule, QuietHours, RuleSet, Urgency, MAX_RULES, MAX_RULE_DELAY};

use crate::access::Forbidden;
use crate::id::MethodId;
use crate::org::Person;
use crate::{Org, Period, PersonId};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// A field of the request is not acceptable.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("no contact method `{0}`")]
    NoMethod(MethodId),
}

fn invalid(field: &str, message: impl Into<String>) -> ContactError {
    ContactError::Invalid { field: field.into(), message: message.into() }
}

/// The method every person with an `email` in `teams/` has, verified by the definitions.
pub const EMAIL_METHOD: &str = "email";
/// How long a verification code is good for.
pub const CODE_LIFETIME: Period = Period::minutes(30);
/// Wrong codes before a code is spent and a new one must be sent.
pub const CODE_TRIES: u32 = 5;
/// Methods a person may add of their own.
pub const MAX_OWN_METHODS: usize = 10;

/// Contact methods and rules the definitions give a person (`contacts/<person>.yaml`),
/// on top of the email of `teams/`. Definitions are reviewed, so their methods count as
/// verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactDefaults {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<DefinedMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RuleSet>,
}

impl ContactDefaults {
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty() && self.rules.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DefinedMethod {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MethodId,
    #[serde(flatten)]
    pub address: Address,
}

/// A verification code waiting to come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    pub method: MethodId,
    /// SHA-256 of the method id and the code: the code itself is never stored.
    pub digest: String,
    pub expires: Timestamp,
    pub tries: u32,
}

/// What a person stored: their own methods, the definitions' methods they turned off,
/// their rules (`None`: the definitions', else each urgency by email at once), and codes
/// waiting to come back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    #[serde(default)]
    pub methods: Vec<ContactMethod>,
    #[serde(default)]
    pub off: Vec<MethodId>,
    #[serde(default)]
    pub rules: Option<RuleSet>,
    #[serde(default)]
    pub pending: Vec<PendingCode>,
}

fn digest(method: &MethodId, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{method}:{code}").as_bytes()))
}

impl Contacts {
    /// Adds a method of the person's own, unverified, with `code` (random, from the
    /// caller) waiting to come back from it. `reach` is what is in force now.
    pub fn add(
        &mut self,
        reach: &Reach,
        id: MethodId,
        address: Address,
        code: &str,
        now: Timestamp,
    ) -> Result<ContactMethod, ContactError> {
        let address = address.checked()?;
        if reach.method(&id).is_some() {
            return Err(invalid("id", format!("there is a contact method `{id}` already")));
        }
        if self.methods.len() >= MAX_OWN_METHODS {
            return Err(invalid("id", format!("at most {MAX_OWN_METHODS} methods of your own: remove one first")));
        }
        let method =
            ContactMethod { id, address, verified: false, enabled: true, from_definitions: false, unavailable: None };
        self.methods.push(method.clone());
        self.new_code(&method.id, code, now);
        Ok(method)
    }

    /// A new code for an unverified method of the person's own, replacing any earlier one.
    pub fn resend(&mut self, id: &MethodId, code: &str, now: Timestamp) -> Result<&ContactMethod, ContactError> {
        let method = self.methods.iter().find(|m| &m.id == id).ok_or_else(|| ContactError::NoMethod(id.clone()))?;
        if method.verified {
            return Err(invalid("method", format!("`{id}` is verified already")));
        }
        self.new_code(id, code, now);
        Ok(self.methods.iter().find(|m| &m.id == id).expect("found above"))
    }

    fn new_code(&mut self, id: &MethodId, code: &str, now: Timestamp) {
        self.pending.retain(|p| &p.method != id && p.expires > now);
        let expires = CODE_LIFETIME.after(now);
        self.pending.push(PendingCode { method: id.clone(), digest: digest(id, code), expires, tries: 0 });
    }

    /// The code sent to `id` came back: the method is verified. A wrong code counts; after
    /// [`CODE_TRIES`] of them, or once [`CODE_LIFETIME`] is over, a new code is needed.
    pub fn verify(&mut self, id: &MethodId, code: &str, now: Timestamp) -> Result<(), ContactError> {
        let index = self.methods.iter().position(|m| &m.id == id).ok_or_else(|| ContactError::NoMethod(id.clone()))?;
        if self.methods[index].verified {
            return Ok(());
        }
        let resend = "ask for a new code";
        let Some(pending) = self.pending.iter_mut().find(|p| &p.method == id) else {
            return Err(invalid("code", format!("no code is waiting for `{id}`: {resend}")));
        };
        if pending.expires <= now {
            return Err(invalid("code", format!("the code for `{id}` has expired: {resend}")));
        }
        if pending.tries >= CODE_TRIES {
            return Err(invalid("code", format!("too many wrong codes for `{id}`: {resend}")));
        }
        if pending.digest != digest(id, code.trim()) {
            pending.tries += 1;
            let left = CODE_TRIES - pending.tries;
            return Err(invalid("code", format!("that is not the code sent to `{id}` ({left} tries left)")));
        }
        self.pending.retain(|p| &p.method != id);
        self.methods[index].verified = true;
        Ok(())
    }

    /// Turns a method on or off (one of the definitions' is only ever turned off).
    pub fn set_enabled(&mut self, reach: &Reach, id: &MethodId, enabled: bool) -> Result<(), ContactError> {
        let method = reach.method(id).ok_or_else(|| ContactError::NoMethod(id.clone()))?;
        if method.from_definitions {
            self.off.retain(|m| m != id);
            if !enabled {
                self.off.push(id.clone());
            }
        } else if let Some(own) = self.methods.iter_mut().find(|m| &m.id == id) {
            own.enabled = enabled;
        }
        Ok(())
    }

    /// Removes a method of the person's own; the definitions' can only be turned off.
    pub fn remove(&mut self, reach: &Reach, id: &MethodId) -> Result<(), ContactError> {
        let method = reach.method(id).ok_or_else(|| ContactError::NoMethod(id.clone()))?;
        if method.from_definitions {
            return Err(invalid("method", format!("`{id}` comes from the definitions: turn it off instead")));
        }
        self.methods.retain(|m| &m.id != id);
        self.pending.retain(|p| &p.method != id);
        Ok(())
    }

    /// Replaces the person's rules and quiet hours, checked against the methods in force.
    pub fn set_rules(&mut self, reach: &Reach, rules: RuleSet) -> Result<(), ContactError> {
        let known: Vec<MethodId> = reach.methods.iter().map(|m| m.id.clone()).collect();
        self.rules = Some(rules.checked(&known)?);
        Ok(())
    }
}

/// Only the person manages their own methods and rules: a code goes to the method, and
/// whoever adds it must be the one who reads it.
pub fn may_manage(by: &PersonId, person: &PersonId) -> Result<(), Forbidden> {
    if by == person {
        return Ok(());
    }
    Err(Forbidden(format!("only {person} manages their contact methods and notification rules; {by} may not")))
}

/// The person, or the lead of a team they are in (who needs to know whether their people
/// can be paged), reads them.
pub fn may_read(org: &Org, by: &PersonId, person: &PersonId) -> Result<(), Forbidden> {
    if by == person || org.teams_of(person).any(|t| t.lead.as_ref() == Some(by)) {
        return Ok(());
    }
    Err(Forbidden(format!(
        "only {person} or the lead of one of their teams reads their contact methods; {by} is neither"
    )))
}

/// When to use one method for one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub method: MethodId,
    pub at: Timestamp,
}

/// What is in force for one person: their methods and rules, definitions and stored
/// choices together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reach {
    pub methods: Vec<ContactMethod>,
    pub rules: RuleSet,
    /// The rules are the definitions' or the default, not the person's own.
    pub default_rules: bool,
}

impl Reach {
    /// `person`'s methods and rules: the email of `teams/` (method `email`), the methods of
    /// `contacts/`, then their own; their rules, else the definitions', else each urgency
    /// by email at once.
    pub fn of(person: &Person, stored: &Contacts) -> Reach {
        let defined = |id: MethodId, address: Address| ContactMethod {
            enabled: !stored.off.contains(&id),
            id,
            address,
            verified: true,
            from_definitions: true,
            unavailable: None,
        };
        let email = MethodId::parse(EMAIL_METHOD).expect("a valid id");
        let mut methods: Vec<ContactMethod> = Vec::new();
        if let Some(address) = person.email.as_ref().filter(|a| is_email(a)) {
            methods.push(defined(email.clone(), Address::Email { address: address.clone() }));
        }
        for m in &person.contact.methods {
            if !methods.iter().any(|known| known.id == m.id) {
                methods.push(defined(m.id.clone(), m.address.clone()));
            }
        }
        for m in &stored.methods {
            if !methods.iter().any(|known| known.id == m.id) {
                methods.push(m.clone());
            }
        }
        let (rules, default_rules) = match (&stored.rules, &person.contact.rules) {
            (Some(own), _) => (own.clone(), false),
            (None, Some(defined)) => (defined.clone(), true),
            (None, None) => (RuleSet::at_once_by(&email), true),
        };
        Reach { methods, rules, default_rules }
    }

    /// The same, with every email method unavailable for `why` (the server sends no mail).
    pub fn without_email(mut self, why: &str) -> Reach {
        for m in self.methods.iter_mut().filter(|m| matches!(m.address, Address::Email { .. })) {
            m.unavailable = Some(why.to_owned());
        }
        self
    }

    pub fn method(&self, id: &MethodId) -> Option<&ContactMethod> {
        self.methods.iter().find(|m| &m.id == id)
    }

    /// When each method is used for a notification of `urgency` arising at `now`: each
    /// rule of that urgency whose method is verified and on, `after` its delay. Information
    /// arising in the quiet hours (in `tz`, the person's zone) waits for their end; pages
    /// and tickets never wait for them.
    pub fn plan(&self, urgency: Urgency, now: Timestamp, tz: &TimeZone) -> Vec<Planned> {
        let from = match (urgency, &self.rules.quiet_hours) {
            (Urgency::Info, Some(quiet)) => quiet.end_after(now, tz).unwrap_or(now),
            _ => now,
        };
        let mut out: Vec<Planned> = Vec::new();
        for rule in self.rules.rules.iter().filter(|r| r.urgency == urgency) {
            if !self.method(&rule.method).is_some_and(ContactMethod::usable) {
                continue;
            }
            let at = rule.after.map_or(from, |a| a.after(from));
            if !out.iter().any(|p| p.method == rule.method && p.at == at) {
                out.push(Planned { method: rule.method.clone(), at });
            }
        }
        out.sort_by_key(|p| p.at);
        out
    }

    /// Whether any rule of `urgency` can reach them.
    pub fn reachable(&self, urgency: Urgency) -> bool {
        self.rules.rules.iter().any(|r| r.urgency == urgency && self.method(&r.method).is_some_and(|m| m.usable()))
    }

    /// What keeps this person from being reached, in words: urgencies no rule reaches,
    /// rules naming a method that is off, unverified or gone.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for rule in &self.rules.rules {
            match self.method(&rule.method) {
                None => out.push(format!("a {} rule names `{}`, which they do not have", rule.urgency, rule.method)),
                Some(m) if !m.verified => {
                    out.push(format!("a {} rule names `{}`, which is not verified yet", rule.urgency, m.id))
                }
                Some(m) if !m.enabled => out.push(format!("a {} rule names `{}`, which is off", rule.urgency, m.id)),
                Some(ContactMethod { id, unavailable: Some(why), .. }) => {
                    out.push(format!("a {} rule names `{id}`, which cannot be used: {why}", rule.urgency))
                }
                Some(_) => {}
            }
        }
        for urgency in Urgency::ALL {
            if !self.reachable(urgency) {
                out.push(format!("nothing reaches them for {urgency} notifications"));
            }
        }
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn id(s: &str) -> MethodId {
        MethodId::parse(s).unwrap()
    }

    fn beatriz() -> Person {
        Person {
            id: PersonId::parse("beatriz.nakamura").unwrap(),
            name: "Beatriz Nakamura".into(),
            email: Some("beatriz.nakamura@example.com".into()),
            timezone: Some("America/Sao_Paulo".into()),
            chat: None,
            leave: Vec::new(),
            contact: ContactDefaults::default(),
        }
    }

    #[test]
    fn everyone_with_an_email_is_reached_by_it_at_once_until_they_say_otherwise() {
        let reach = Reach::of(&beatriz(), &Contacts::default());
        assert_eq!(reach.methods.len(), 1);
        assert!(reach.methods[0].usable() && reach.methods[0].from_definitions);
        let now = t("2026-12-07T09:00:00Z");
        for urgency in Urgency::ALL {
            assert_eq!(reach.plan(urgency, now, &TimeZone::UTC), [Planned { method: id("email"), at: now }]);
        }
        let nobody = Person { email: None, ..beatriz() };
        let reach = Reach::of(&nobody, &Contacts::default());
        assert!(!reach.reachable(Urgency::Page));
        assert!(reach.problems().contains(&"a page rule names `email`, which they do not have".to_owned()));
    }

    #[test]
    fn a_new_method_is_used_only_once_its_code_came_back_and_by_the_rules() {
        let person = beatriz();
        let now = t("2026-12-07T09:00:00Z");
        let mut stored = Contacts::default();
        let hook = Address::Webhook { url: crate::Link::parse("https://phone.example/hook").unwrap() };
        stored.add(&Reach::of(&person, &stored), id("phone"), hook.clone(), "123456", now).unwrap();
        let again = stored.add(&Reach::of(&person, &stored), id("phone"), hook, "1", now).unwrap_err();
        assert_eq!(again.to_string(), "id: there is a contact method `phone` already");

        let rules = RuleSet {
            rules: vec![
                NotificationRule { urgency: Urgency::Page, method: id("email"), after: None },
                NotificationRule { urgency: Urgency::Page, method: id("phone"), after: Some(Period::minutes(5)) },
                NotificationRule { urgency: Urgency::Info, method: id("email"), after: None },
            ],
            quiet_hours: Some(QuietHours::parse("22:00-07:00").unwrap()),
        };
        stored.set_rules(&Reach::of(&person, &stored), rules).unwrap();
        let tz = TimeZone::get("America/Sao_Paulo").unwrap();
        let unverified = Reach::of(&person, &stored);
        assert_eq!(unverified.plan(Urgency::Page, now, &tz).len(), 1, "not verified: not used");
        assert!(unverified.problems().iter().any(|p| p.contains("not verified")));

        let wrong = stored.verify(&id("phone"), "654321", now).unwrap_err();
        assert_eq!(wrong.to_string(), "code: that is not the code sent to `phone` (4 tries left)");
        stored.verify(&id("phone"), " 123456 ", now).unwrap();
        assert!(stored.pending.is_empty());
        let reach = Reach::of(&person, &stored);
        let plan = reach.plan(Urgency::Page, now, &tz);
        assert_eq!(
            plan,
            [Planned { method: id("email"), at: now }, Planned { method: id("phone"), at: t("2026-12-07T09:05:00Z") }]
        );
        // 03:00 in São Paulo: a page goes at once, information waits until 07:00 there.
        let night = t("2026-12-07T06:00:00Z");
        assert_eq!(reach.plan(Urgency::Page, night, &tz)[0].at, night);
        assert_eq!(
            reach.plan(Urgency::Info, night, &tz),
            [Planned { method: id("email"), at: t("2026-12-07T10:00:00Z") }]
        );
        assert!(reach.plan(Urgency::Ticket, now, &tz).is_empty(), "no ticket rule");

        stored.set_enabled(&reach, &id("email"), false).unwrap();
        let off = Reach::of(&person, &stored);
        assert_eq!(off.plan(Urgency::Page, now, &tz).len(), 1, "only the phone, after 5 minutes");
        assert!(!off.reachable(Urgency::Info));
        assert_eq!(
            stored.remove(&off, &id("email")).unwrap_err().to_string(),
            "method: `email` comes from the definitions: turn it off instead"
        );
        let no_mail = Reach::of(&person, &Contacts::default()).without_email("no mail server is configured");
        assert!(no_mail.problems().iter().any(|p| p.ends_with("cannot be used: no mail server is configured")));
        stored.remove(&off, &id("phone")).unwrap();
        assert!(!Reach::of(&person, &stored).reachable(Urgency::Page), "every method off or gone");
    }

    #[test]
    fn codes_expire_and_run_out_of_tries() {
        let person = beatriz();
        let now = t("2026-12-07T09:00:00Z");
        let mut stored = Contacts::default();
        let slack = Address::Slack { member: "U024BE7LH".into() };
        stored.add(&Reach::of(&person, &stored), id("slack"), slack, "111111", now).unwrap();
        let late = stored.verify(&id("slack"), "111111", t("2026-12-07T09:31:00Z")).unwrap_err();
        assert!(late.to_string().contains("has expired"), "{late}");
        stored.resend(&id("slack"), "222222", now).unwrap();
        for _ in 0..CODE_TRIES {
            assert!(stored.verify(&id("slack"), "000000", now).is_err());
        }
        let spent = stored.verify(&id("slack"), "222222", now).unwrap_err();
        assert!(spent.to_string().contains("too many wrong codes"), "{spent}");
        assert!(!stored.methods[0].verified);
    }
}

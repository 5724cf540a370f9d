//! Contact defaults of `contacts/`: one document per person, the methods and notification
//! rules the organisation gives them besides the `email` of `teams/` (which every person
//! with one has as the method `email`). People add and verify methods of their own, and
//! set their own rules, through the API, the CLI and the dashboard; what is written here
//! is reviewed, so its methods count as verified.
//!
//! ```yaml
//! person: noor.castellano
//! methods:
//!   - id: phone
//!     webhook: https://push.example.com/hooks/noor
//!   - id: slack
//!     slack: U024BE7LH
//! rules:
//!   page:
//!     - method: email
//!     - method: phone
//!       after: 5m
//!   info:
//!     - method: slack
//! quiet_hours: "22:00-07:00"
//! ```

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::S;
use crate::document::Document;
use baton_core::contact::{
    Address, ContactDefaults, DefinedMethod, NotificationRule, QuietHours, RuleSet, Urgency, EMAIL_METHOD,
};
use baton_core::id::MethodId;
use baton_core::{Link, Org, Period, PersonId};
use marked_yaml::Spanned;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactsDoc {
    pub person: S,
    #[serde(default)]
    pub methods: Vec<Spanned<MethodDoc>>,
    pub rules: Option<RulesDoc>,
    pub quiet_hours: Option<S>,
}

/// `id` and exactly one address: `email`, `webhook`, `slack` (a member id) or `pagerduty`
/// (a routing key).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MethodDoc {
    pub id: S,
    pub email: Option<S>,
    pub webhook: Option<S>,
    pub slack: Option<S>,
    pub pagerduty: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesDoc {
    #[serde(default)]
    pub page: Vec<RuleDoc>,
    #[serde(default)]
    pub ticket: Vec<RuleDoc>,
    #[serde(default)]
    pub info: Vec<RuleDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDoc {
    pub method: S,
    /// `5m`; left out: at once.
    pub after: Option<S>,
}

/// Checks each document and attaches its defaults to the person.
pub(crate) fn check(docs: &[(Document, ContactsDoc)], org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<PersonId, Place> = BTreeMap::new();
    for (doc, c) in docs {
        let Ok(person) = PersonId::parse(c.person.as_str()) else {
            diags.push(doc.at(&c.person).error(format!("`{}` is not a person id", c.person.as_str())));
            continue;
        };
        let Some(known) = org.people.get(&person) else {
            diags.push(doc.at(&c.person).error(format!(
                "no person `{person}` is defined in teams/: contact methods belong to a member of a team"
            )));
            continue;
        };
        if let Some(first) = seen.get(&person) {
            diags.push(doc.at(&c.person).error(format!("the contacts of `{person}` are already given at {first}")));
            continue;
        }
        seen.insert(person.clone(), doc.at(&c.person));
        let mut known_ids: Vec<MethodId> = Vec::new();
        if known.email.is_some() {
            known_ids.push(MethodId::parse(EMAIL_METHOD).expect("a valid id"));
        }
        let mut methods = Vec::new();
        for m in &c.methods {
            if let Some(method) = method(doc, m, &known_ids, diags) {
                known_ids.push(method.id.clone());
                methods.push(method);
            }
        }
        let rules = c.rules.as_ref().map(|r| {
            let mut rules = Vec::new();
            for (urgency, list) in [(Urgency::Page, &r.page), (Urgency::Ticket, &r.ticket), (Urgency::Info, &r.info)] {
                for rule in list {
                    rules.extend(self::rule(doc, urgency, rule, &known_ids, diags));
                }
            }
            let quiet_hours = c.quiet_hours.as_ref().and_then(|q| {
                QuietHours::parse(q.as_str()).map_err(|e| diags.push(doc.at(q).error(without_field(&e)))).ok()
            });
            RuleSet { rules, quiet_hours }
        });
        if c.rules.is_none() {
            if let Some(q) = &c.quiet_hours {
                diags.push(doc.at(q).error("`quiet_hours` go with `rules`: give the rules they belong to"));
            }
        }
        if let Some(p) = org.people.get_mut(&person) {
            p.contact = ContactDefaults { methods, rules };
        }
    }
}

fn method(
    doc: &Document,
    m: &Spanned<MethodDoc>,
    known: &[MethodId],
    diags: &mut Vec<Diagnostic>,
) -> Option<DefinedMethod> {
    let id = MethodId::parse(m.id.as_str()).map_err(|e| diags.push(doc.at(&m.id).error(e.to_string()))).ok()?;
    if known.contains(&id) {
        let why = if id.as_str() == EMAIL_METHOD {
            "`email` is the address of teams/: name this method otherwise".to_owned()
        } else {
            format!("a method `{id}` is given twice")
        };
        diags.push(doc.at(&m.id).error(why));
        return None;
    }
    let given: Vec<(&str, &S)> =
        [("email", &m.email), ("webhook", &m.webhook), ("slack", &m.slack), ("pagerduty", &m.pagerduty)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .collect();
    let [(kind, value)] = given.as_slice() else {
        diags.push(doc.at(m).error(format!(
            "method `{id}` needs exactly one address: `email`, `webhook`, `slack` (a member id) or `pagerduty` (a routing key); {} given",
            given.len()
        )));
        return None;
    };
    let text = value.as_str().to_owned();
    let address = match *kind {
        "email" => Address::Email { address: text },
        "webhook" => match Link::parse(&text) {
            Ok(url) => Address::Webhook { url },
            Err(e) => {
                diags.push(doc.at(*value).error(e.to_string()));
                return None;
            }
        },
        "slack" => Address::Slack { member: text },
        _ => {
            diags.push(doc.at(*value).warning(
                "`pagerduty` is a routing key written into the definition repo: whoever reads the repo can page as Baton",
            ));
            Address::PagerDuty { routing_key: text }
        }
    };
    match address.checked() {
        Ok(address) => Some(DefinedMethod { id, address }),
        Err(e) => {
            diags.push(doc.at(*value).error(without_field(&e)));
            None
        }
    }
}

fn rule(
    doc: &Document,
    urgency: Urgency,
    r: &RuleDoc,
    known: &[MethodId],
    diags: &mut Vec<Diagnostic>,
) -> Option<NotificationRule> {
    let method = MethodId::parse(r.method.as_str()).ok().filter(|m| known.contains(m));
    let Some(method) = method else {
        let known = known.iter().map(MethodId::as_str).collect::<Vec<_>>().join(", ");
        diags.push(doc.at(&r.method).error(format!(
            "no method `{}` for this person: the methods are {}",
            r.method.as_str(),
            if known.is_empty() { "none (no email in teams/, none here)".to_owned() } else { known }
        )));
        return None;
    };
    let after = match &r.after {
        None => None,
        Some(a) if matches!(a.as_str(), "0" | "0m" | "0s") => None,
        Some(a) => match Period::parse(a.as_str()) {
            Ok(p) if p.as_seconds() <= baton_core::contact::MAX_RULE_DELAY.as_seconds() => Some(p),
            Ok(_) => {
                diags.push(doc.at(a).error(format!("a rule waits at most {}", baton_core::contact::MAX_RULE_DELAY)));
                return None;
            }
            Err(e) => {
                diags.push(doc.at(a).error(e.to_string()));
                return None;
            }
        },
    };
    Some(NotificationRule { urgency, method, after })
}

/// A core error's message without its API field name (the place says where).
fn without_field(e: &baton_core::contact::ContactError) -> String {
    let message = e.to_string();
    message.split_once(": ").map_or(message.clone(), |(_, m)| m.to_owned())
}

//! Notification rules: which of a person's methods, after how long, for what urgency; and
//! the quiet hours in which information waits for the morning.

use super::ContactError;
use crate::id::MethodId;
use crate::notice::NoticeKind;
use crate::Period;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How urgent a notification is, for choosing a person's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// An alert's page (a `page` policy): goes through at any hour.
    Page,
    /// An alert in a ticket queue (a `ticket` policy).
    Ticket,
    /// RACI notices, reminders, requests, digests: held during quiet hours.
    Info,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Page, Urgency::Ticket, Urgency::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Page => "page",
            Urgency::Ticket => "ticket",
            Urgency::Info => "info",
        }
    }

    /// The urgency of a notice that is not an alert's page.
    pub fn of(kind: NoticeKind) -> Urgency {
        match kind {
            NoticeKind::Page => Urgency::Page,
            NoticeKind::PageUpdate | NoticeKind::Reminder | NoticeKind::Info => Urgency::Info,
        }
    }
}

impl From<crate::paging::Purpose> for Urgency {
    /// A page policy pages; a ticket queue's alerts are tickets.
    fn from(purpose: crate::paging::Purpose) -> Urgency {
        match purpose {
            crate::paging::Purpose::Page => Urgency::Page,
            crate::paging::Purpose::Ticket => Urgency::Ticket,
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: notify by `method`, `after` the notification arises (`None`: at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationRule {
    pub urgency: Urgency,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub method: MethodId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "5m"))]
    pub after: Option<Period>,
}

/// A daily span of local time (it may wrap midnight: `22:00-07:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QuietHours {
    pub from: Time,
    pub to: Time,
}

impl QuietHours {
    /// `HH:MM-HH:MM` on the 24-hour clock; the two ends differ.
    pub fn parse(s: &str) -> Result<QuietHours, ContactError> {
        let bad = || ContactError::Invalid {
            field: "quiet_hours".into(),
            message: format!(
                "`{s}` is not a span of the day: write HH:MM-HH:MM on the 24-hour clock, like 22:00-07:00"
            ),
        };
        let (from, to) = s.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| -> Option<Time> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
            Time::new(h, m, 0, 0).ok()
        };
        let (from, to) = (time(from).ok_or_else(bad)?, time(to).ok_or_else(bad)?);
        if from == to {
            return Err(bad());
        }
        Ok(QuietHours { from, to })
    }

    /// When the quiet hours around `t` end, in `tz`; `None` when `t` is not in them.
    pub fn end_after(&self, t: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = t.to_zoned(tz.clone());
        let now = local.time();
        let inside =
            if self.from < self.to { now >= self.from && now < self.to } else { now >= self.from || now < self.to };
        if !inside {
            return None;
        }
        let day = if now >= self.to { local.date().tomorrow().ok()? } else { local.date() };
        // A gap at the end (a DST change) resolves forward, as jiff's default does.
        day.to_datetime(self.to).to_zoned(tz.clone()).ok().map(|z| z.timestamp())
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.from.hour(), self.from.minute(), self.to.hour(), self.to.minute())
    }
}

impl TryFrom<String> for QuietHours {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        QuietHours::parse(&s)
    }
}

impl From<QuietHours> for String {
    fn from(q: QuietHours) -> String {
        q.to_string()
    }
}

/// A person's rules and quiet hours, replaced as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSet {
    pub rules: Vec<NotificationRule>,
    /// `HH:MM-HH:MM` in the person's time zone (`22:00-07:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "22:00-07:00"))]
    pub quiet_hours: Option<QuietHours>,
}

/// The most rules one person keeps: enough for every method at a few delays per urgency.
pub const MAX_RULES: usize = 30;
/// The longest delay a rule may have: a page an hour late is no page.
pub const MAX_RULE_DELAY: Period = Period::hours(24);

impl RuleSet {
    /// Each urgency by `method` at once: what a person has until they (or the definitions)
    /// say otherwise.
    pub fn at_once_by(method: &MethodId) -> RuleSet {
        let rules = Urgency::ALL
            .iter()
            .map(|u| NotificationRule { urgency: *u, method: method.clone(), after: None })
            .collect();
        RuleSet { rules, quiet_hours: None }
    }

    /// Checked against the methods the person has (`known`): each rule names one of them,
    /// no rule twice, delays bounded.
    pub fn checked(self, known: &[MethodId]) -> Result<RuleSet, ContactError> {
        if self.rules.len() > MAX_RULES {
            return Err(ContactError::Invalid {
                field: "rules".into(),
                message: format!("{} rules: at most {MAX_RULES}", self.rules.len()),
            });
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let field = |name: &str| format!("rules[{i}].{name}");
            if !known.contains(&rule.method) {
                let known = known.iter().map(MethodId::as_str).collect::<Vec<_>>().join(", ");
                return Err(ContactError::Invalid {
                    field: field("method"),
                    message: format!("no contact method `{}`: the methods are {known}", rule.method),
                });
            }
            if rule.after.is_some_and(|a| a.as_seconds() > MAX_RULE_DELAY.as_seconds()) {
                return Err(ContactError::Invalid {
                    field: field("after"),
                    message: format!("a rule waits at most {MAX_RULE_DELAY}"),
                });
            }
            if self.rules[..i].iter().any(|r| r == rule) {
                return Err(ContactError::Invalid { field: field("method"), message: "the same rule twice".into() });
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_end_in_the_persons_zone() {
        let q = QuietHours::parse("22:00-07:00").unwrap();
        assert_eq!(q.to_string(), "22:00-07:00");
        let dublin = TimeZone::get("Europe/Dublin").unwrap();
        assert_eq!(q.end_after(t("2026-12-07T23:30:00Z"), &dublin), Some(t("2026-12-08T07:00:00Z")));
        assert_eq!(q.end_after(t("2026-12-08T03:00:00Z"), &dublin), Some(t("2026-12-08T07:00:00Z")));
        assert_eq!(q.end_after(t("2026-12-08T12:00:00Z"), &dublin), None);
        let kolkata = TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(q.end_after(t("2026-12-07T23:30:00Z"), &kolkata), Some(t("2026-12-08T01:30:00Z")), "05:00 there");
        assert_eq!(q.end_after(t("2026-12-08T03:00:00Z"), &kolkata), None, "08:30 there");
        let day = QuietHours::parse("12:00-13:00").unwrap();
        assert_eq!(day.end_after(t("2026-12-08T12:30:00Z"), &dublin), Some(t("2026-12-08T13:00:00Z")));
        for bad in ["22-07", "22:00-22:00", "25:00-07:00", "soon"] {
            let err = QuietHours::parse(bad).unwrap_err();
            assert!(err.to_string().starts_with("quiet_hours: "), "{err}");
        }
    }

    #[test]
    fn rules_name_known_methods_once_and_wait_a_bounded_time() {
        let email = MethodId::parse("email").unwrap();
        let rule = |method: &str, after: Option<&str>| NotificationRule {
            urgency: Urgency::Page,
            method: MethodId::parse(method).unwrap(),
            after: after.map(|a| Period::parse(a).unwrap()),
        };
        let ok = RuleSet { rules: vec![rule("email", None), rule("email", Some("5m"))], quiet_hours: None };
        assert!(ok.checked(std::slice::from_ref(&email)).is_ok());
        let unknown = RuleSet { rules: vec![rule("phone", None)], quiet_hours: None };
        assert_eq!(
            unknown.checked(std::slice::from_ref(&email)).unwrap_err().to_string(),
            "rules[0].method: no contact method `phone`: the methods are email"
        );
        let late = RuleSet { rules: vec![rule("email", Some("2d"))], quiet_hours: None };
        assert!(late.checked(std::slice::from_ref(&email)).unwrap_err().to_string().starts_with("rules[0].after"));
    }
}

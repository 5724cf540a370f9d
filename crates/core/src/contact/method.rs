//! A person's contact methods: where Baton may reach them, each verified before use.

use super::ContactError;
use crate::id::MethodId;
use crate::paging::{pagerduty_url, Channel, Delivery, Secret};
use crate::Link;
use serde::{Deserialize, Serialize};

/// Where a method delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Address {
    Email {
        address: String,
    },
    /// Baton's webhook body, POSTed to the person's own URL (a phone app, a home automation).
    Webhook {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        url: Link,
    },
    /// A mention of the person's Slack member id, through their team's Slack webhook.
    Slack {
        member: String,
    },
    /// The person's own PagerDuty service, as their last mile.
    #[serde(rename = "pagerduty")]
    PagerDuty {
        routing_key: String,
    },
}

impl Address {
    /// The address checked: a clear error naming the field when it is not one.
    pub fn checked(self) -> Result<Address, ContactError> {
        let bad = |field: &str, message: String| Err(ContactError::Invalid { field: field.into(), message });
        match &self {
            Address::Email { address } if !is_email(address) => {
                bad("address", format!("`{address}` is not an email address: expected name@domain"))
            }
            Address::Slack { member }
                if !(member.len() >= 3
                    && member.len() <= 32
                    && member.starts_with(['U', 'W'])
                    && member.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())) =>
            {
                bad(
                    "member",
                    format!(
                        "`{member}` is not a Slack member id: expected U or W and capitals or digits, like U024BE7LH"
                    ),
                )
            }
            Address::PagerDuty { routing_key }
                if routing_key.is_empty()
                    || routing_key.len() > 64
                    || !routing_key.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                bad("routing_key", "a PagerDuty routing key is 1 to 64 letters and digits".into())
            }
            _ => Ok(self),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Address::Email { .. } => "email",
            Address::Webhook { .. } => "webhook",
            Address::Slack { .. } => "slack",
            Address::PagerDuty { .. } => "pagerduty",
        }
    }

    /// The address as anyone may see it: a webhook's URL reduced to its host, a routing
    /// key hidden (either lets whoever holds it post as Baton).
    pub fn redacted(&self) -> Address {
        match self {
            Address::Webhook { url } => Address::Webhook { url: url.redacted() },
            Address::PagerDuty { .. } => Address::PagerDuty { routing_key: "redacted".into() },
            other => other.clone(),
        }
    }

    /// The channel that delivers to this address. A Slack mention needs the Slack
    /// webhook of one of the person's teams (`team_slack`); without one it has none.
    pub fn channel(&self, team_slack: Option<&Secret<Link>>) -> Option<Channel> {
        let delivery = Delivery::default();
        Some(match self {
            Address::Email { address } => Channel::Email { to: address.clone(), delivery },
            Address::Webhook { url } => Channel::Webhook { url: Secret::Inline(url.clone()), delivery },
            Address::Slack { member } => {
                Channel::Slack { url: team_slack?.clone(), delivery, mention: Some(member.clone()) }
            }
            Address::PagerDuty { routing_key } => {
                Channel::PagerDuty { url: pagerduty_url(), routing_key: Secret::Inline(routing_key.clone()), delivery }
            }
        })
    }
}

/// `local@domain.tld`, printable ASCII without spaces or angle brackets, at most 254 bytes:
/// enough to refuse a typo or a header injection, not a full RFC 5321 parser.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.chars().all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"".contains(c))
        && s.matches('@').count() == 1
}

/// One way to reach a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactMethod {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MethodId,
    #[serde(flatten)]
    pub address: Address,
    /// A code sent to it came back (or the definitions give it, which are reviewed).
    pub verified: bool,
    /// The person may turn a method off without removing it.
    pub enabled: bool,
    /// Written in the definitions (`teams/`, `contacts/`): kept in step with them, and
    /// only turned off, not removed, by the person.
    #[serde(default)]
    pub from_definitions: bool,
    /// Why Baton cannot use it at the moment, whatever the person chose (email, while the
    /// server has no mail server to send through).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl ContactMethod {
    /// Verified, on, and deliverable.
    pub fn usable(&self) -> bool {
        self.verified && self.enabled && self.unavailable.is_none()
    }

    pub fn redacted(&self) -> ContactMethod {
        ContactMethod { address: self.address.redacted(), ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_name_their_field() {
        assert!(is_email("beatriz.nakamura@example.com"));
        for bad in
            ["beatriz", "a@b", "a b@example.com", "a@example.com>\r\nBcc: x@y.z", "@example.com", "a@@example.com"]
        {
            assert!(!is_email(bad), "{bad}");
        }
        let err = Address::Email { address: "nope".into() }.checked().unwrap_err();
        assert_eq!(err.to_string(), "address: `nope` is not an email address: expected name@domain");
        let err = Address::Slack { member: "beatriz".into() }.checked().unwrap_err();
        assert!(err.to_string().starts_with("member: "), "{err}");
        assert!(Address::Slack { member: "U024BE7LH".into() }.checked().is_ok());
        assert!(Address::PagerDuty { routing_key: "R0UT 1NG".into() }.checked().is_err());
    }

    #[test]
    fn a_slack_mention_goes_through_the_teams_webhook_or_nowhere() {
        let slack = Address::Slack { member: "U024BE7LH".into() };
        assert_eq!(slack.channel(None), None);
        let url = Secret::Inline(Link::parse("https://hooks.slack.example/T/B/x").unwrap());
        let Some(Channel::Slack { mention, .. }) = slack.channel(Some(&url)) else { panic!("a slack channel") };
        assert_eq!(mention.as_deref(), Some("U024BE7LH"));
        let pd = Address::PagerDuty { routing_key: "R0UTING".into() };
        assert_eq!(pd.redacted(), Address::PagerDuty { routing_key: "redacted".into() });
    }
}

//! Links to evidence outside Baton: epics, questionnaires, merge requests, runbooks.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a link: expected an absolute http:// or https:// URL")]
pub struct LinkError(pub String);

/// An absolute http(s) URL. Baton does not follow links; it records them as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Link(String);

impl Link {
    pub fn parse(s: &str) -> Result<Self, LinkError> {
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        match rest {
            Some(r)
                if !r.is_empty() && !r.starts_with('/') && !s.chars().any(char::is_whitespace) && s.len() <= 2048 =>
            {
                Ok(Self(s.to_owned()))
            }
            _ => Err(LinkError(s.to_owned())),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The link without what may be a secret (a Slack webhook's path is its token, a
    /// `user:password@` its credentials): scheme and host only, the rest `redacted`.
    pub fn redacted(&self) -> Link {
        let (scheme, rest) = self.0.split_once("://").expect("parsed links have a scheme");
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        Link(format!("{scheme}://{host}/redacted"))
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for Link {
    type Error = LinkError;
    fn try_from(s: String) -> Result<Self, LinkError> {
        Self::parse(&s)
    }
}
impl From<Link> for String {
    fn from(l: Link) -> String {
        l.0
    }
}

/// A string on the wire, with the rule `parse` applies.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Link {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{SchemaFormat, Type};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("uri".into())))
            .description(Some("An absolute http:// or https:// URL, at most 2048 characters, recorded as evidence."))
            .pattern(Some(r"^https?://[^/\s]\S*$"))
            .max_length(Some(2048))
            .examples(["https://tracker.example.com/EPIC-1"])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Link {}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn only_absolute_http_links_are_accepted() {
        assert!(Link::parse("https://tracker.example.com/EPIC-1").is_ok());
        for bad in ["tracker/EPIC-1", "ftp://x", "https://", "https://a b"] {
            assert!(Link::parse(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::Link;

    #[test]
    fn a_redacted_link_keeps_only_scheme_and_host() {
        let slack = Link::parse("https://hooks.slack.com/services/T000/B000/XXXX").unwrap();
        assert_eq!(slack.redacted().as_str(), "https://hooks.slack.com/redacted");
        let creds = Link::parse("http://bot:s3cret@10.0.0.7:8080/hook?token=x").unwrap();
        assert_eq!(creds.redacted().as_str(), "http://10.0.0.7:8080/redacted");
    }
}

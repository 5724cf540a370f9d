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
                if !r.is_empty()
                    && !r.starts_with('/')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                    && s.len() <= 2048 =>
            {
                Ok(Self(s.to_owned()))
            }
            _ => Err(LinkError(s.to_owned())),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn authority(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, rest)| rest);
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    }

    /// The host, without credentials or port (an IPv6 literal keeps its brackets).
    pub fn host(&self) -> &str {
        let authority = self.authority();
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        match host.strip_prefix('[') {
            Some(v6) => v6.split_once(']').map_or(host, |(inner, _)| &host[..inner.len() + 2]),
            None => host.split(':').next().unwrap_or(host),
        }
    }

    /// Whether the link says `user:password@` or carries a query (where tokens go).
    pub fn has_credentials(&self) -> bool {
        self.authority().contains('@') || self.0.contains('?')
    }

    /// Whether the host is this machine by name or literal (a placeholder, not a secret).
    pub fn is_loopback(&self) -> bool {
        let host = self.host().to_ascii_lowercase();
        host == "localhost" || host == "[::1]" || host.starts_with("127.")
    }

    /// The link without what may be a secret (a Slack webhook's path is its token, a
    /// `user:password@` its credentials): scheme and host only, the rest `redacted`.
    pub fn redacted(&self) -> Link {
        let scheme = self.0.split_once("://").map_or("https", |(scheme, _)| scheme);
        let authority = self.authority();
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
            // An IRI: people paste links with non-ASCII paths and hosts, and Baton keeps them as written.
            .format(Some(SchemaFormat::Custom("iri".into())))
            .description(Some("An absolute http:// or https:// URL (non-ASCII characters allowed; no spaces or control characters), at most 2048 characters, recorded as evidence."))
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
    fn hosts_credentials_and_loopback_are_read_off_the_link() {
        let l = |s: &str| Link::parse(s).unwrap();
        assert_eq!(l("https://u:p@hooks.example:8443/x?y").host(), "hooks.example");
        assert_eq!(l("http://[::1]:9/x").host(), "[::1]");
        assert!(l("https://u:p@hooks.example/x").has_credentials());
        assert!(l("https://hooks.example/x?token=1").has_credentials());
        assert!(!l("https://hooks.example/x").has_credentials());
        assert!(l("http://127.0.0.1:9/hooks").is_loopback() && l("http://[::1]/").is_loopback());
        assert!(l("http://LOCALHOST:9/").is_loopback() && !l("https://hooks.slack.example/T").is_loopback());
    }

    #[test]
    fn only_absolute_http_links_are_accepted() {
        assert!(Link::parse("https://tracker.example.com/EPIC-1").is_ok());
        assert!(Link::parse("https://de.wikipedia.example/wiki/Übergabe").is_ok(), "non-ASCII is kept as written");
        for bad in ["tracker/EPIC-1", "ftp://x", "https://", "https://a b", "https://\u{ff}\u{fa}\u{12}"] {
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

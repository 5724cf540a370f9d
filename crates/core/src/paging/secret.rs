//! A channel's secrets — a Slack webhook URL (its path is its token), a URL with
//! `user:password@`, a PagerDuty routing key — written in the definition, or named there
//! and read where Baton sends, so that the definition repo, the store, the outbox and the
//! audit log never hold them.
//!
//! Names are bounded so that a definition cannot make Baton send what was never meant for
//! a channel: environment variables must be called `BATON_SECRET_…` (not `DATABASE_URL`),
//! files must lie in the secrets directory the operator chose (not `/etc/baton/audit.key`).

use crate::Link;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a named secret is read from, when a message is sent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SecretName {
    /// An environment variable of the sending process, named `BATON_SECRET_…`.
    Env(String),
    /// A file in the sending process's secrets directory, by its name there.
    File(String),
}

/// The prefix every environment variable named as a secret must carry.
pub const SECRET_ENV_PREFIX: &str = "BATON_SECRET_";

impl SecretName {
    /// `BATON_SECRET_` then capitals, digits and `_`.
    pub fn env(name: &str) -> Result<SecretName, String> {
        let rest = name.strip_prefix(SECRET_ENV_PREFIX).unwrap_or("");
        if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!(
                "`{name}` is not a secret's environment variable: write {SECRET_ENV_PREFIX} then capitals, digits and _, like {SECRET_ENV_PREFIX}SLACK_PLATFORM"
            ));
        }
        Ok(SecretName::Env(name.to_owned()))
    }

    /// A name in the secrets directory: letters, digits, `.`, `_`, `-`, and `/` between
    /// them; never absolute, never `..`.
    pub fn file(name: &str) -> Result<SecretName, String> {
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if name.len() > 255 || !name.split('/').all(segment_ok) {
            return Err(format!(
                "`{name}` is not a secret's file name: name a file in Baton's secrets directory (serve --secrets-dir), like slack/platform-sre, without a leading / or .."
            ));
        }
        Ok(SecretName::File(name.to_owned()))
    }

    /// Checks a name read back from the store or a request, as [`env`](Self::env) and
    /// [`file`](Self::file) do when a definition is loaded.
    pub fn checked(&self) -> Result<&SecretName, String> {
        match self {
            SecretName::Env(n) => SecretName::env(n).map(|_| self),
            SecretName::File(n) => SecretName::file(n).map(|_| self),
        }
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretName::Env(n) => write!(f, "environment variable {n}"),
            SecretName::File(n) => write!(f, "secrets file {n}"),
        }
    }
}

/// A secret value as a definition gives it: written inline (stored, and shown redacted
/// everywhere people read) or named, to be read when a message is sent. On the wire an
/// inline value is the value itself, a named one `{"env": "BATON_SECRET_…"}` or
/// `{"file": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Secret<T> {
    Inline(T),
    Named(SecretName),
}

/// Why a named secret could not be used. Never holds the secret or what the file held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("{0} {missing}", missing = if matches!(.0, SecretName::Env(_)) { "is not set" } else { "does not exist" })]
    Missing(SecretName),
    #[error("{0} could not be read: {1}")]
    Unreadable(SecretName, String),
    #[error("{0} does not hold {1}")]
    Malformed(SecretName, &'static str),
    #[error("{1}")]
    BadName(SecretName, String),
    /// An email channel has no URL: the sender delivers it over SMTP instead.
    #[error("an email channel is delivered over SMTP, not posted to a URL")]
    NotHttp,
}

/// What a secret's text must be to serve as `Self`.
pub trait SecretValue: Sized {
    /// What the text should be, for an error: "an http(s) URL".
    const WHAT: &'static str;
    fn from_secret(text: &str) -> Option<Self>;
}

impl SecretValue for Link {
    const WHAT: &'static str = "an absolute http:// or https:// URL";
    fn from_secret(text: &str) -> Option<Self> {
        Link::parse(text).ok()
    }
}

impl SecretValue for String {
    const WHAT: &'static str = "a single line of text";
    fn from_secret(text: &str) -> Option<Self> {
        (!text.is_empty() && !text.chars().any(char::is_control)).then(|| text.to_owned())
    }
}

impl<T: SecretValue + Clone> Secret<T> {
    /// The value, reading a named one with `read` (which answers `Ok(None)` when the
    /// variable or file does not exist). Surrounding whitespace — the newline `echo`
    /// leaves in a file — is not part of the value.
    pub fn resolve(&self, read: impl FnOnce(&SecretName) -> Result<Option<String>, String>) -> Result<T, SecretError> {
        let name = match self {
            Secret::Inline(v) => return Ok(v.clone()),
            Secret::Named(name) => name,
        };
        name.checked().map_err(|e| SecretError::BadName(name.clone(), e))?;
        let text = read(name)
            .map_err(|e| SecretError::Unreadable(name.clone(), e))?
            .ok_or_else(|| SecretError::Missing(name.clone()))?;
        T::from_secret(text.trim()).ok_or_else(|| SecretError::Malformed(name.clone(), T::WHAT))
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret::Inline(value)
    }
}

impl<T> Secret<T> {
    pub fn inline(&self) -> Option<&T> {
        match self {
            Secret::Inline(v) => Some(v),
            Secret::Named(_) => None,
        }
    }

    /// What tells this secret apart from others without revealing it: the value when
    /// inline (kept in memory only), else the name.
    pub fn identity(&self) -> String
    where
        T: fmt::Display,
    {
        match self {
            Secret::Inline(v) => v.to_string(),
            Secret::Named(SecretName::Env(n)) => format!("env:{n}"),
            Secret::Named(SecretName::File(n)) => format!("file:{n}"),
        }
    }

    /// An inline value passed through `hide`; a name is shown as it is (it is no secret).
    pub fn redacted(&self, hide: impl FnOnce(&T) -> T) -> Secret<T> {
        match self {
            Secret::Inline(v) => Secret::Inline(hide(v)),
            Secret::Named(n) => Secret::Named(n.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_values_are_the_value_named_ones_an_object() {
        let inline: Secret<Link> = serde_json::from_str(r#""https://hooks.slack.example/T/B/x""#).unwrap();
        assert_eq!(inline.inline().map(Link::as_str), Some("https://hooks.slack.example/T/B/x"));
        let env: Secret<String> = serde_json::from_str(r#"{"env": "BATON_SECRET_PD"}"#).unwrap();
        assert_eq!(env, Secret::Named(SecretName::Env("BATON_SECRET_PD".into())));
        assert_eq!(serde_json::to_string(&env).unwrap(), r#"{"env":"BATON_SECRET_PD"}"#);
        let file: Secret<Link> = serde_json::from_str(r#"{"file": "slack/platform"}"#).unwrap();
        assert_eq!(file.identity(), "file:slack/platform");
    }

    #[test]
    fn names_are_bounded_to_what_the_operator_set_aside() {
        assert!(SecretName::env("BATON_SECRET_SLACK_1").is_ok());
        for bad in ["DATABASE_URL", "BATON_SECRET_", "BATON_SECRET_lower", "HOME"] {
            assert!(SecretName::env(bad).is_err(), "{bad}");
        }
        assert!(SecretName::file("slack/platform-sre.url").is_ok());
        for bad in ["/etc/baton/audit.key", "../audit.key", "a/../../b", "", "a//b", "./a"] {
            assert!(SecretName::file(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolving_reads_trims_and_checks_without_echoing_the_text() {
        let s: Secret<Link> = Secret::Named(SecretName::File("slack".into()));
        let url = s.resolve(|_| Ok(Some("https://hooks.slack.example/T/B/x\n".into()))).unwrap();
        assert_eq!(url.as_str(), "https://hooks.slack.example/T/B/x");
        let err = s.resolve(|_| Ok(Some("root:x:0:0:root:/root:/bin/bash".into()))).unwrap_err();
        assert_eq!(err.to_string(), "secrets file slack does not hold an absolute http:// or https:// URL");
        let missing = s.resolve(|_| Ok(None)).unwrap_err();
        assert_eq!(missing.to_string(), "secrets file slack does not exist");
        // A name forged into the store is refused before anything is read.
        let forged: Secret<String> = Secret::Named(SecretName::Env("DATABASE_URL".into()));
        assert!(matches!(forged.resolve(|_| panic!("read")), Err(SecretError::BadName(..))));
    }
}

//! Identifiers of the things a definition repo names. Parsed once at the edge; past it an
//! id is known to be well formed.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id: use 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
}

fn valid(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

macro_rules! id_type {
    ($name:ident, $kind:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                if valid(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(IdError { kind: $kind, value: s.to_owned() })
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(PersonId, "person");
id_type!(TeamId, "team");
id_type!(ServiceId, "service");
id_type!(ItemId, "checklist item");
id_type!(SloId, "SLO");
id_type!(PolicyId, "escalation policy");
id_type!(GateId, "gate");
id_type!(PersonaId, "persona");
id_type!(StepId, "RACI step");
id_type!(MethodId, "contact method");

/// Ids are strings on the wire: their OpenAPI schema says so, with the rule `parse` applies.
#[cfg(feature = "openapi")]
macro_rules! id_schema {
    ($name:ident, $kind:literal, $example:literal) => {
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!(
                        "A ",
                        $kind,
                        " id: 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit."
                    )))
                    .pattern(Some("^[a-z0-9][a-z0-9._-]{0,62}$"))
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}
#[cfg(feature = "openapi")]
id_schema!(PersonId, "person", "helga.marchetti");
#[cfg(feature = "openapi")]
id_schema!(TeamId, "team", "addon-sre");
#[cfg(feature = "openapi")]
id_schema!(ServiceId, "service", "streamhub");
#[cfg(feature = "openapi")]
id_schema!(ItemId, "checklist item", "slos-defined");
#[cfg(feature = "openapi")]
id_schema!(SloId, "SLO", "streamhub-availability");
#[cfg(feature = "openapi")]
id_schema!(PolicyId, "escalation policy", "platform-sre-24x7");
#[cfg(feature = "openapi")]
id_schema!(GateId, "gate", "customer-release");
#[cfg(feature = "openapi")]
id_schema!(PersonaId, "persona", "product-owner");
#[cfg(feature = "openapi")]
id_schema!(StepId, "RACI step", "agree-roadmap");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_lowercase_slugs_and_refuse_the_rest() {
        assert!(TeamId::parse("addon-sre").is_ok());
        assert!(PersonId::parse("ana.lima").is_ok());
        for bad in ["", "Addon", "-lead", "a b", &"x".repeat(64)] {
            assert!(TeamId::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let err = ServiceId::parse("My Service").unwrap_err();
        assert!(err.to_string().contains("not a valid service id"));
    }
}

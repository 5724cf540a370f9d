//! Lengths of time written in definitions: `28d`, `72h`, `90m`, `2w`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a period: write a whole number and a unit, like 30s, 90m, 72h, 28d or 2w")]
pub struct PeriodError(pub String);

/// A positive length of time, in whole seconds, written with one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    seconds: i64,
}

const UNITS: [(char, i64); 5] = [('w', 604_800), ('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

impl Period {
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError(s.to_owned());
        let unit = s.chars().last().ok_or_else(err)?;
        let factor = UNITS.iter().find(|(u, _)| *u == unit).ok_or_else(err)?.1;
        let n: i64 = s[..s.len() - 1].parse().map_err(|_| err())?;
        let seconds = n.checked_mul(factor).filter(|v| *v > 0 && n > 0).ok_or_else(err)?;
        // Bounded so that adding a period to any timestamp stays in range.
        if seconds > 100 * 366 * 86_400 {
            return Err(err());
        }
        Ok(Self { seconds })
    }
    pub const fn days(n: i64) -> Self {
        Self { seconds: n * 86_400 }
    }
    pub const fn hours(n: i64) -> Self {
        Self { seconds: n * 3_600 }
    }
    pub const fn minutes(n: i64) -> Self {
        Self { seconds: n * 60 }
    }
    pub fn as_seconds(self) -> i64 {
        self.seconds
    }
    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_secs(self.seconds)
    }
    /// `at + self`; periods are bounded at parse so this cannot overflow for real instants.
    pub fn after(self, at: Timestamp) -> Timestamp {
        at.saturating_add(self.duration()).expect("no calendar units in a SignedDuration")
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Weeks are accepted but shown as days: "28d" is how the process documents say it.
        let (unit, factor) = UNITS[1..].iter().find(|(_, v)| self.seconds % v == 0).copied().unwrap_or(('s', 1));
        write!(f, "{}{}", self.seconds / factor, unit)
    }
}
impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, PeriodError> {
        Self::parse(&s)
    }
}
impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// A string on the wire, with the rule `parse` applies.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Period {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A positive length of time: a whole number and one unit, s, m, h, d or w (shown back in days, hours, minutes or seconds).",
            ))
            .pattern(Some("^[0-9]+[smhdw]$"))
            .examples(["28d"])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Period {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn periods_parse_with_one_unit() {
        assert_eq!(Period::parse("28d").unwrap(), Period::days(28));
        assert_eq!(Period::parse("72h").unwrap(), Period::hours(72));
        assert_eq!(Period::parse("2w").unwrap(), Period::days(14));
        for bad in ["", "d", "0d", "-1d", "1.5d", "3y", "28 d"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(n in 1i64..5_000, unit in prop::sample::select(vec!['s','m','h','d','w'])) {
            let p = Period::parse(&format!("{n}{unit}")).unwrap();
            prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
        }
    }
}

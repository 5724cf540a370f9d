//! The objective of an SLO: the share of good events (or good minutes) it promises.

use super::ratio::{self, SCALE};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an objective: write a ratio strictly between 0 and 1 with at most 9 decimals, like 0.999 for 99.9%"
)]
pub struct ObjectiveError(pub String);

/// A ratio strictly between 0 and 1, like `0.999`. Neither end makes sense: 0 promises
/// nothing, and 1 leaves no error budget, so every burn rate would divide by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Objective {
    ppb: u32,
}

impl Objective {
    pub fn parse(s: &str) -> Result<Self, ObjectiveError> {
        match ratio::parse_ppb(s) {
            Some(ppb) if ppb > 0 && ppb < SCALE => Ok(Self { ppb: ppb as u32 }),
            _ => Err(ObjectiveError(s.to_owned())),
        }
    }

    pub fn as_f64(self) -> f64 {
        ratio::exact_div(self.ppb.into(), SCALE.into())
    }

    /// `1 − objective`: the share of events allowed to be bad, the unit every burn rate is
    /// measured in.
    pub fn error_rate(self) -> f64 {
        ratio::exact_div(self.budget_ppb().into(), SCALE.into())
    }

    /// `1 / (1 − objective)`: the burn rate when every event is bad. No window can burn
    /// faster, so a tier whose threshold is at or above it can never fire.
    pub fn max_burn_rate(self) -> f64 {
        ratio::exact_div(SCALE.into(), self.budget_ppb().into())
    }

    /// The objective as a ratio, exactly, as OpenSLO's `target` writes it: `0.999`.
    pub fn ratio_text(self) -> String {
        ratio::format_ppb(self.ppb.into())
    }

    /// The objective as people write it in documents: `99.9%`.
    pub fn percent(self) -> String {
        ratio::percent_ppb(self.ppb.into())
    }

    pub(crate) fn budget_ppb(self) -> u64 {
        SCALE - u64::from(self.ppb)
    }

    /// From parts per billion already known to be strictly between 0 and 10⁹.
    pub(crate) fn from_ppb(ppb: u32) -> Self {
        debug_assert!(ppb > 0 && u64::from(ppb) < SCALE);
        Self { ppb }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&ratio::format_ppb(self.ppb.into()))
    }
}
impl std::str::FromStr for Objective {
    type Err = ObjectiveError;
    fn from_str(s: &str) -> Result<Self, ObjectiveError> {
        Self::parse(s)
    }
}
/// Definitions carry objectives as numbers. `f64`'s `Display` is the shortest string that
/// reads back as the same float, so `0.999` arrives as "0.999" and parses exactly.
impl TryFrom<f64> for Objective {
    type Error = ObjectiveError;
    fn try_from(v: f64) -> Result<Self, ObjectiveError> {
        Self::parse(&v.to_string())
    }
}
impl From<Objective> for f64 {
    fn from(o: Objective) -> f64 {
        o.as_f64()
    }
}

/// A number on the wire (`into = "f64"`), with the bounds `parse` applies.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Objective {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("The share of good events (or minutes) promised: strictly between 0 and 1."))
            .exclusive_minimum(Some(0.0))
            .exclusive_maximum(Some(1.0))
            .examples([0.999])
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Objective {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_are_ratios_strictly_between_zero_and_one() {
        assert_eq!(Objective::parse("0.999").unwrap().to_string(), "0.999");
        assert_eq!(Objective::parse("0.9995").unwrap().percent(), "99.95%");
        for bad in ["0", "1", "1.0", "0.0", "99.9", "99.9%", "", "abc", "-0.5", "0.9999999999"] {
            let err = Objective::parse(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err} should name {bad:?}");
        }
    }

    #[test]
    fn the_error_budget_of_three_nines_is_exactly_one_in_a_thousand() {
        let o = Objective::parse("0.999").unwrap();
        // 1 − 0.999 = 0.001 exactly, not 0.0010000000000000009 as with floats.
        assert_eq!(o.error_rate(), 0.001);
        assert_eq!(o.max_burn_rate(), 1000.0);
        assert_eq!(o.as_f64(), 0.999);
    }

    #[test]
    fn objectives_read_from_numbers_in_definitions() {
        assert_eq!(Objective::try_from(0.99).unwrap(), Objective::parse("0.99").unwrap());
        assert!(Objective::try_from(1.0).is_err());
        assert!(Objective::try_from(f64::NAN).is_err());
        assert!(Objective::try_from(1e-12).is_err());
    }
}

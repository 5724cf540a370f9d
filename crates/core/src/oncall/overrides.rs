//! Overrides and swaps: a layer on top of the rotation. An override puts `covering` on call
//! for `[start, end)`; with `covered` set it only replaces that person's time in the range
//! (covering someone's shift), without it it replaces whoever is scheduled. A swap is two
//! overrides, each covering the other's shift. Overrides of one rotation may not overlap:
//! which of two would win is a question the definitions should answer, not a rule here.

use crate::PersonId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::rotation::Rotation;
use super::schedule::Shift;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum OverrideKind {
    /// One person covers another's time (sickness, an appointment).
    #[default]
    Cover,
    /// Half of a swap of shifts between two people.
    Swap,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub covering: PersonId,
    #[serde(default)]
    pub covered: Option<PersonId>,
    pub start: Timestamp,
    pub end: Timestamp,
    #[serde(default)]
    pub kind: OverrideKind,
}

impl Override {
    /// `covering` takes over `shift` for its whole length.
    pub fn cover(covering: PersonId, shift: &Shift) -> Self {
        Override {
            covering,
            covered: Some(shift.person.clone()),
            start: shift.start,
            end: shift.end,
            kind: OverrideKind::Cover,
        }
    }

    /// The two overrides of a swap: each person works the other's shift.
    pub fn swap(a: &Shift, b: &Shift) -> [Override; 2] {
        [
            Override {
                covering: b.person.clone(),
                covered: Some(a.person.clone()),
                start: a.start,
                end: a.end,
                kind: OverrideKind::Swap,
            },
            Override {
                covering: a.person.clone(),
                covered: Some(b.person.clone()),
                start: b.start,
                end: b.end,
                kind: OverrideKind::Swap,
            },
        ]
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether this override replaces `scheduled`.
    pub fn applies_to(&self, scheduled: &PersonId) -> bool {
        self.covered.as_ref().is_none_or(|c| c == scheduled)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error(
        "override {index} ({covering}) ends at {end}, not after its start {start}: give an end later than the start"
    )]
    Empty { index: usize, covering: PersonId, start: Timestamp, end: Timestamp },
    #[error("override {index} has {person} covering themselves: name a different person to cover")]
    CoversSelf { index: usize, person: PersonId },
    #[error(
        "overrides {first} ({first_covering}, {first_start} to {first_end}) and {second} ({second_covering}, {second_start} to {second_end}) overlap: shorten one so they do not share time"
    )]
    Overlap {
        first: usize,
        first_covering: PersonId,
        first_start: Timestamp,
        first_end: Timestamp,
        second: usize,
        second_covering: PersonId,
        second_start: Timestamp,
        second_end: Timestamp,
    },
}

/// Checks overrides and returns them sorted by start. Every problem is reported, in order.
pub fn validate_overrides(overrides: &[Override]) -> Result<Vec<Override>, Vec<OverrideError>> {
    let mut errors = Vec::new();
    for (index, o) in overrides.iter().enumerate() {
        if o.end <= o.start {
            errors.push(OverrideError::Empty { index, covering: o.covering.clone(), start: o.start, end: o.end });
        }
        if o.covered.as_ref() == Some(&o.covering) {
            errors.push(OverrideError::CoversSelf { index, person: o.covering.clone() });
        }
    }
    let mut order: Vec<usize> = (0..overrides.len()).filter(|&i| overrides[i].start < overrides[i].end).collect();
    order.sort_by_key(|&i| (overrides[i].start, i));
    // Each override against every later-starting one that begins before it ends.
    for (n, &i) in order.iter().enumerate() {
        let a = &overrides[i];
        for &j in &order[n + 1..] {
            let b = &overrides[j];
            if b.start >= a.end {
                break;
            }
            let (first, second) = if i < j { (i, j) } else { (j, i) };
            let (f, s) = (&overrides[first], &overrides[second]);
            errors.push(OverrideError::Overlap {
                first,
                first_covering: f.covering.clone(),
                first_start: f.start,
                first_end: f.end,
                second,
                second_covering: s.covering.clone(),
                second_start: s.start,
                second_end: s.end,
            });
        }
    }
    if errors.is_empty() {
        Ok(order.into_iter().map(|i| overrides[i].clone()).collect())
    } else {
        Err(errors)
    }
}

impl Rotation {
    /// This rotation with `extra` overrides layered on those of its definition: the ones
    /// people make at run time, stored beside the definitions. Refused, naming each pair,
    /// if any two of them overlap. The spec is left as defined; [`Rotation::overrides`]
    /// lists all of them.
    pub fn with_overrides(&self, extra: impl IntoIterator<Item = Override>) -> Result<Rotation, Vec<OverrideError>> {
        let mut all = self.overrides.clone();
        all.extend(extra);
        let sorted = validate_overrides(&all)?;
        let mut layered = self.clone();
        layered.overrides = sorted;
        Ok(layered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).unwrap()
    }
    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn o(who: &str, start: &str, end: &str) -> Override {
        Override { covering: p(who), covered: None, start: ts(start), end: ts(end), kind: OverrideKind::Cover }
    }

    #[test]
    fn overlapping_overrides_are_named() {
        let list = [
            o("ana", "2024-01-02T09:00:00Z", "2024-01-02T12:00:00Z"),
            o("bo", "2024-01-01T09:00:00Z", "2024-01-01T12:00:00Z"),
            o("cy", "2024-01-02T11:00:00Z", "2024-01-02T13:00:00Z"),
        ];
        let errs = validate_overrides(&list).unwrap_err();
        assert_eq!(errs.len(), 1);
        let text = errs[0].to_string();
        assert!(text.contains("overrides 0 (ana") && text.contains("and 2 (cy"), "{text}");
    }

    #[test]
    fn touching_overrides_are_fine_and_come_back_sorted() {
        let list = [
            o("ana", "2024-01-02T12:00:00Z", "2024-01-02T13:00:00Z"),
            o("bo", "2024-01-02T09:00:00Z", "2024-01-02T12:00:00Z"),
        ];
        let sorted = validate_overrides(&list).unwrap();
        assert_eq!(sorted[0].covering, p("bo"));
    }

    #[test]
    fn empty_and_self_covering_overrides_are_refused() {
        let mut bad = o("ana", "2024-01-02T12:00:00Z", "2024-01-02T12:00:00Z");
        bad.covered = Some(p("ana"));
        let errs = validate_overrides(&[bad]).unwrap_err();
        assert_eq!(errs.len(), 2);
    }
}

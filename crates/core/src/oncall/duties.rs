//! The duties of a shift: the rotation's `duties` (from its definition) as a checklist the
//! person on call ticks during their shift. Each shift starts with none ticked.

use super::work::WorkError;
use super::RotationId;
use crate::{PersonId, Timestamp};
use serde::{Deserialize, Serialize};

/// One duty ticked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyDone {
    /// Its position in the rotation's duties, from 1.
    pub n: usize,
    /// The duty as it read when ticked (definitions change).
    pub duty: String,
    pub by: PersonId,
    pub at: Timestamp,
}

/// The ticks of one shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftDuties {
    pub rotation: RotationId,
    pub shift_start: Timestamp,
    pub done: Vec<DutyDone>,
}

impl ShiftDuties {
    pub fn new(rotation: RotationId, shift_start: Timestamp) -> Self {
        ShiftDuties { rotation, shift_start, done: vec![] }
    }

    /// The tick of duty `n`, if it is ticked.
    pub fn done(&self, n: usize) -> Option<&DutyDone> {
        self.done.iter().find(|d| d.n == n)
    }

    /// Ticks duty `n` (from 1) of `duties`. `Ok(false)`: it was ticked already and stays so.
    pub fn tick(&mut self, duties: &[String], n: usize, by: &PersonId, at: Timestamp) -> Result<bool, WorkError> {
        if duties.is_empty() {
            return Err(WorkError::invalid("n", format!("rotation `{}` defines no duties", self.rotation)));
        }
        let Some(duty) = n.checked_sub(1).and_then(|i| duties.get(i)) else {
            return Err(WorkError::invalid(
                "n",
                format!("{n} is not a duty of rotation `{}`: it has duties 1 to {}", self.rotation, duties.len()),
            ));
        };
        if self.done(n).is_some() {
            return Ok(false);
        }
        self.done.push(DutyDone { n, duty: duty.clone(), by: by.clone(), at });
        self.done.sort_by_key(|d| d.n);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duties_are_ticked_by_position_once() {
        let duties = vec!["Acknowledge pages".to_owned(), "Write the handover note".to_owned()];
        let mut d = ShiftDuties::new(RotationId::parse("addon-sre").unwrap(), Timestamp::UNIX_EPOCH);
        let aoife = PersonId::parse("aoife.delacroix").unwrap();
        assert!(d.tick(&duties, 2, &aoife, Timestamp::UNIX_EPOCH).unwrap());
        assert!(!d.tick(&duties, 2, &aoife, Timestamp::UNIX_EPOCH).unwrap());
        assert_eq!(d.done(2).unwrap().duty, "Write the handover note");
        assert!(d.done(1).is_none());
        for bad in [0, 3] {
            let err = d.tick(&duties, bad, &aoife, Timestamp::UNIX_EPOCH).unwrap_err();
            assert!(err.to_string().contains("duties 1 to 2"), "{err}");
        }
        assert!(d.tick(&[], 1, &aoife, Timestamp::UNIX_EPOCH).is_err());
    }
}

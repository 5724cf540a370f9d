//! Planned leave of `leave/`: one document per person, dates or date ranges in the
//! person's own time zone, attached to the person (`Person::leave`).
//!
//! ```yaml
//! person: cian.moreau
//! leave:
//!   - 2026-12-24
//!   - { from: 2026-12-28, to: 2027-01-01, reason: Christmas }
//! ```

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::S;
use crate::document::Document;
use baton_core::oncall::{PlannedLeave, MAX_LEAVE_DAYS};
use baton_core::{Org, PersonId};
use marked_yaml::Spanned;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LeaveDoc {
    pub person: S,
    #[serde(default)]
    pub leave: Vec<Spanned<LeaveDayDoc>>,
}

/// `- 2026-12-24`, `- {date: 2026-12-24, reason: …}` or `- {from: …, to: …, reason: …}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum LeaveDayDoc {
    Date(String),
    Day { date: String, reason: Option<String> },
    Range { from: String, to: String, reason: Option<String> },
}

/// Checks each document and attaches its leave to the person.
pub(crate) fn check(docs: &[(Document, LeaveDoc)], org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<PersonId, Place> = BTreeMap::new();
    for (doc, l) in docs {
        let Ok(person) = PersonId::parse(l.person.as_str()) else {
            diags.push(doc.at(&l.person).error(format!("`{}` is not a person id", l.person.as_str())));
            continue;
        };
        if !org.people.contains_key(&person) {
            diags.push(
                doc.at(&l.person)
                    .error(format!("no person `{person}` is defined in teams/: leave belongs to a member of a team")),
            );
            continue;
        }
        if let Some(first) = seen.get(&person) {
            diags.push(doc.at(&l.person).error(format!("the leave of `{person}` is already given at {first}")));
            continue;
        }
        seen.insert(person.clone(), doc.at(&l.person));
        let mut planned = Vec::new();
        for item in &l.leave {
            let at = |s: &String| Spanned::new(*item.span(), s.clone());
            let (from, to, reason) = match &**item {
                LeaveDayDoc::Date(d) => (at(d), at(d), None),
                LeaveDayDoc::Day { date, reason } => (at(date), at(date), reason.clone()),
                LeaveDayDoc::Range { from, to, reason } => (at(from), at(to), reason.clone()),
            };
            let dates = crate::rotations::parse_date(&from, "leave date")
                .and_then(|f| crate::rotations::parse_date(&to, "leave date").map(|t| (f, t)));
            match dates {
                Err(msg) => diags.push(doc.at(item).error(msg)),
                Ok((from, to)) if to < from => {
                    diags.push(doc.at(item).error(format!(
                        "leave from {from} to {to} ends before it starts: give `to` on or after `from`"
                    )))
                }
                Ok((from, to)) if (to - from).get_days() >= MAX_LEAVE_DAYS as i32 => {
                    diags.push(doc.at(item).error(format!(
                        "leave from {from} to {to} is longer than {MAX_LEAVE_DAYS} days: a long absence is a change \
                         of the rotation's membership"
                    )))
                }
                Ok((from, to)) => planned.push(PlannedLeave { from, to, reason }),
            }
        }
        planned.sort_by_key(|p| p.from);
        for pair in planned.windows(2) {
            if pair[1].from <= pair[0].to {
                let place = doc.at(&l.person);
                diags.push(place.warning(format!(
                    "the leave of `{person}` from {} and from {} overlap: they are counted once",
                    pair[0].from, pair[1].from
                )));
            }
        }
        if let Some(p) = org.people.get_mut(&person) {
            p.leave = planned;
        }
    }
}

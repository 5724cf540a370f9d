//! The balanced reshuffle. When a cycle of the list runs out, the next cycle's order is
//! chosen so that the heaviest shift goes to whoever has carried the least so far: each
//! place of the coming cycle is weighed (its hours, weekend and holiday hours counting
//! more, as the fairness ledger weighs them) and places, heaviest first, are handed to
//! members, least loaded first. Ties go by the cycle's seeded shuffle (so the order is
//! still a draw where the load does not decide it), and a cycle never starts with the
//! person who ended the one before (no back-to-back shifts across the boundary).
//!
//! The load is the weight of the turns as scheduled, counted from the start of the
//! membership era. Covers and swaps are not counted: they are trades people agree to, and
//! a reshuffle that moved future shifts whenever someone covered for someone would undo
//! every swap already agreed for those shifts. The ledger shows them.
//!
//! Weights are whole numbers (two per minute of a working day, three of a weekend day,
//! four of a holiday: the ledger's default 1, 1.5 and 2), so every replica computes the
//! very same order.

use jiff::civil::Date;

use super::calendar::{add_days, WorkingCalendar};
use super::shuffle::shuffled_indices;

const MINUTES_A_DAY: i64 = 1440;

fn day_weight(cal: &WorkingCalendar, d: Date) -> i64 {
    if cal.is_holiday(d) {
        4
    } else if cal.is_working_day(d) {
        2
    } else {
        3
    }
}

/// The weight of local time from `(from, minute)` to `(to, minute)` (a date and the minute
/// of that day), counting every day as 24 hours: the balance needs proportions, not the
/// exact length a DST change gives one day.
pub(crate) fn span_weight(cal: &WorkingCalendar, from: (Date, i64), to: (Date, i64)) -> i64 {
    let ((d0, m0), (d1, m1)) = (from, to);
    if d0 > d1 || (d0 == d1 && m0 >= m1) {
        return 0;
    }
    if d0 == d1 {
        return (m1 - m0) * day_weight(cal, d0);
    }
    let mut total = (MINUTES_A_DAY - m0) * day_weight(cal, d0);
    let mut d = add_days(d0, 1);
    while d < d1 {
        total += MINUTES_A_DAY * day_weight(cal, d);
        d = add_days(d, 1);
    }
    total + m1 * day_weight(cal, d1)
}

/// The order of a cycle after the first, as indices into the members: place `i` goes to
/// `order[i]`. `loads` are the members' loads so far, `places` the weights of the cycle's
/// places and `next_places` those of the cycle after, `tie_seed` the cycle's shuffle seed,
/// `previous_last` who ended the cycle before.
///
/// Who opens and who closes the cycle are chosen looking one cycle ahead: whoever closes
/// this cycle cannot open the next, so a plain "heaviest to the least loaded" could keep
/// the least loaded person in the last place, and away from a heavy first place, forever.
/// Every (first, last) pair is tried, the places between filled heaviest to least loaded,
/// the next cycle filled the same way, and the pair leaving the loads closest after both
/// cycles wins (then after this one; then the draw).
pub(crate) fn balanced_order(
    loads: &[i64],
    places: &[i64],
    next_places: &[i64],
    tie_seed: u64,
    previous_last: usize,
) -> Vec<usize> {
    let n = loads.len();
    if n == 1 {
        return vec![0];
    }
    let mut tie = vec![0; n];
    for (rank, person) in shuffled_indices(n, tie_seed).into_iter().enumerate() {
        tie[person] = rank;
    }
    let heaviest_first = |weights: &[i64], range: std::ops::Range<usize>| {
        let mut v: Vec<usize> = range.collect();
        v.sort_by_key(|&i| (std::cmp::Reverse(weights[i]), i));
        v
    };
    // Sorted once: the places between first and last, the next cycle's places, the people.
    let middle = heaviest_first(places, 1..n - 1);
    let next_order = heaviest_first(next_places, 0..n);
    let nearest_to_first = (1..n).min_by_key(|&j| ((next_places[j] - next_places[0]).abs(), j)).expect("two places");
    let mut people: Vec<usize> = (0..n).collect();
    people.sort_by_key(|&p| (loads[p], tie[p]));

    let (mut order, mut after, mut ranked, mut next) = (vec![0; n], vec![0; n], vec![0; n], vec![0; n]);
    let mut best: Option<(Score, Vec<usize>)> = None;
    for first in (0..n).filter(|&f| f != previous_last) {
        for last in (0..n).filter(|&l| l != first) {
            order[0] = first;
            order[n - 1] = last;
            for (&place, &person) in middle.iter().zip(people.iter().filter(|&&p| p != first && p != last)) {
                order[place] = person;
            }
            carry(loads, places, &order, &mut after);
            // The next cycle, filled the plain way: heaviest to the least loaded, and whoever
            // closes this cycle moved off its first place.
            ranked.iter_mut().enumerate().for_each(|(i, r)| *r = i);
            ranked.sort_by_key(|&p| (after[p], tie[p]));
            for (&place, &person) in next_order.iter().zip(ranked.iter()) {
                next[place] = person;
            }
            if next[0] == last {
                next.swap(0, nearest_to_first);
            }
            let this_spread = spread(&after);
            carry_into(&mut after, next_places, &next);
            let score = (spread(&after), this_spread, tie[first], tie[last]);
            if best.as_ref().is_none_or(|(b, _)| score < *b) {
                best = Some((score, order.clone()));
            }
        }
    }
    best.expect("two members or more have a first and a last").1
}

/// How a (first, last) pair ranks, lowest best: the spread of the loads after the next
/// cycle, after this one, then the draw's ranks of the two.
type Score = (i64, i64, usize, usize);

/// `after` = `loads` with each place's weight added to whoever holds it.
fn carry(loads: &[i64], places: &[i64], order: &[usize], after: &mut [i64]) {
    after.copy_from_slice(loads);
    carry_into(after, places, order);
}

fn carry_into(loads: &mut [i64], places: &[i64], order: &[usize]) {
    for (place, &person) in order.iter().enumerate() {
        loads[person] += places[place];
    }
}

fn spread(loads: &[i64]) -> i64 {
    loads.iter().max().unwrap_or(&0) - loads.iter().min().unwrap_or(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::calendar::{Weekdays, WorkingCalendar};
    use jiff::civil::{date, Weekday};
    use proptest::prelude::*;

    fn irish_ish() -> WorkingCalendar {
        let weekdays = Weekdays::from_days([
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ]);
        WorkingCalendar::new(weekdays, [date(2026, 3, 17)])
    }

    #[test]
    fn a_friday_that_keeps_the_weekend_weighs_what_the_ledger_says() {
        let cal = irish_ish();
        let nine = 9 * 60;
        // Friday 09:00 to Monday 09:00: 15 working hours, 48 weekend hours, 9 working hours.
        let friday = span_weight(&cal, (date(2026, 3, 6), nine), (date(2026, 3, 9), nine));
        assert_eq!(friday, (15 * 60 + 9 * 60) * 2 + 48 * 60 * 3);
        let tuesday = span_weight(&cal, (date(2026, 3, 3), nine), (date(2026, 3, 4), nine));
        assert_eq!(tuesday, 24 * 60 * 2);
        let st_patricks = span_weight(&cal, (date(2026, 3, 16), nine), (date(2026, 3, 17), nine));
        assert_eq!(st_patricks, 15 * 60 * 2 + 9 * 60 * 4, "the holiday's morning counts double");
        assert_eq!(span_weight(&cal, (date(2026, 3, 4), nine), (date(2026, 3, 4), nine)), 0);
    }

    #[test]
    fn the_heaviest_place_goes_to_the_least_loaded() {
        // Member 2 has carried least: the Friday (place 3) is theirs.
        let order = balanced_order(&[100, 90, 10, 50], &[48, 48, 48, 192], &[48, 48, 48, 192], 7, 0);
        assert_eq!(order[3], 2);
        assert_eq!(order.iter().copied().collect::<std::collections::BTreeSet<_>>().len(), 4);
    }

    proptest! {
        #[test]
        fn orders_are_permutations_that_never_repeat_across_the_boundary(
            loads in proptest::collection::vec(0i64..10_000, 1..12),
            seed: u64,
            last_seed: usize,
        ) {
            let n = loads.len();
            let places: Vec<i64> = (0..n).map(|i| ((seed >> (i % 60)) & 0xff) as i64).collect();
            let previous_last = last_seed % n;
            let order = balanced_order(&loads, &places, &places, seed, previous_last);
            let mut sorted = order.clone();
            sorted.sort();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            if n >= 2 {
                prop_assert_ne!(order[0], previous_last);
            }
            prop_assert_eq!(&order, &balanced_order(&loads, &places, &places, seed, previous_last), "deterministic");
        }
    }
}

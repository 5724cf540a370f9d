//! The reshuffle when the list is exhausted: a seeded, deterministic Fisher–Yates shuffle
//! (splitmix64, implemented here so core needs no `rand`), so the future schedule can be
//! previewed and every replica computes the same order.
//!
//! **No-repeat rule.** Cycle 0 is the list as written. Cycle `c >= 1` is the shuffle for
//! `(seed, layer, era, c)`; if it would start with the person who ended cycle `c - 1`, its
//! first two places are swapped. The swap never touches the last place when there are three
//! or more members, so each cycle's order depends only on its own shuffle and the previous
//! one: O(members) to compute any cycle, without replaying the ones before. With two
//! members the only order that never repeats across the boundary is the list itself; with
//! one member there is nobody else.

use crate::PersonId;
use serde::{Deserialize, Serialize};

/// One step of splitmix64 (Steele, Lea and Flood), the seeding generator of xoshiro.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one cycle, mixed from the rotation's seed and where the cycle is.
pub fn cycle_seed(seed: u64, layer: u64, era: u64, cycle: u64) -> u64 {
    let mut s = seed;
    for part in [layer, era, cycle] {
        s = splitmix64(&mut s) ^ part;
    }
    splitmix64(&mut s)
}

/// A uniformly shuffled copy of `0..n`, by Fisher–Yates with rejection sampling.
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let bound = (i + 1) as u64;
        // Reject the top sliver of u64 so every index is equally likely.
        let zone = u64::MAX - (u64::MAX % bound);
        let j = loop {
            let r = splitmix64(&mut state);
            if r < zone {
                break (r % bound) as usize;
            }
        };
        v.swap(i, j);
    }
    v
}

/// The order of `members` in a cycle, by the rules of this module, as indices into `members`.
pub fn cycle_order(n: usize, seed: u64, layer: u64, era: u64, cycle: u64) -> Vec<usize> {
    if n <= 2 || cycle == 0 {
        return (0..n).collect();
    }
    let raw = |c: u64| -> Vec<usize> {
        if c == 0 {
            (0..n).collect()
        } else {
            shuffled_indices(n, cycle_seed(seed, layer, era, c))
        }
    };
    let mut order = raw(cycle);
    let previous_last = raw(cycle - 1)[n - 1];
    if order[0] == previous_last {
        order.swap(0, 1);
    }
    order
}

/// What a reshuffle decided, for the on-call log: who shuffled (the last person of the
/// cycle that ran out, as in the manual process), the seed, and the resulting order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reshuffle {
    pub era: u64,
    pub cycle: u64,
    pub seed: u64,
    pub shuffled_by: Option<PersonId>,
    pub order: Vec<PersonId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of splitmix64 seeded with 0 (reference C implementation).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn two_members_keep_their_order_so_nobody_works_twice_in_a_row() {
        for c in 0..10 {
            assert_eq!(cycle_order(2, 7, 0, 0, c), vec![0, 1]);
        }
    }

    proptest! {
        #[test]
        fn cycles_are_permutations_that_never_repeat_across_the_boundary(
            n in 3usize..12, seed: u64, era in 0u64..4, cycle in 1u64..500,
        ) {
            let prev = cycle_order(n, seed, 0, era, cycle - 1);
            let this = cycle_order(n, seed, 0, era, cycle);
            let mut sorted = this.clone();
            sorted.sort();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            prop_assert_ne!(prev[n - 1], this[0]);
            prop_assert_eq!(this, cycle_order(n, seed, 0, era, cycle), "deterministic");
        }
    }
}

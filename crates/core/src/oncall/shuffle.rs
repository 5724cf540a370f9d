//! The seeded draw behind each reshuffle: a deterministic Fisher–Yates shuffle
//! (splitmix64, implemented here so core needs no `rand`) for `(seed, layer, era, cycle)`,
//! so the future schedule can be previewed and every replica computes the same order. It
//! breaks the ties of the balanced reshuffle (`balance`): among members who have
//! carried the same load, the draw decides.

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

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of splitmix64 seeded with 0 (reference C implementation).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }
}

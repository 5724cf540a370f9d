//! Assigning approvers to approval requirements so that one person counts once.
//!
//! A person in two teams may have given a +1 for both, and a greedy assignment (first
//! requirement takes the first approver) can pick the wrong team and leave a requirement
//! unmet that another assignment would meet: GitLab's well-known approval-rule deadlock.
//! This is bipartite matching (requirements on the left, people on the right), solved
//! with augmenting paths (Kuhn's algorithm): requirements are added one at a time, and a
//! new one may take a person from an earlier one only if that one can be given another
//! person. So a requirement matched once stays matched, and the matching is maximum for
//! every prefix of the order the requirements are added in. `evaluate` uses that to meet
//! first the requirements the gate needs most.
//!
//! Gates have a handful of approval requirements and teams a handful of people, so the
//! O(requirements × edges) cost is microseconds.

/// A matching between left vertices (approval requirements) and right vertices (people),
/// built up one left vertex at a time.
pub(crate) struct Matching<'a> {
    /// For each left vertex, the right vertices it may be matched to, in order of preference.
    edges: &'a [Vec<usize>],
    right_to_left: Vec<Option<usize>>,
    left_to_right: Vec<Option<usize>>,
}

impl<'a> Matching<'a> {
    pub fn new(edges: &'a [Vec<usize>], rights: usize) -> Self {
        Self { edges, right_to_left: vec![None; rights], left_to_right: vec![None; edges.len()] }
    }

    /// Tries to match `left`, re-routing earlier matches if needed. Earlier matched left
    /// vertices stay matched (possibly to someone else). Returns whether `left` is matched.
    pub fn add(&mut self, left: usize) -> bool {
        if self.left_to_right[left].is_some() {
            return true;
        }
        let mut visited = vec![false; self.right_to_left.len()];
        self.augment(left, &mut visited)
    }

    fn augment(&mut self, left: usize, visited: &mut [bool]) -> bool {
        for &right in &self.edges[left] {
            if visited[right] {
                continue;
            }
            visited[right] = true;
            let free = match self.right_to_left[right] {
                None => true,
                Some(other) => self.augment(other, visited),
            };
            if free {
                self.right_to_left[right] = Some(left);
                self.left_to_right[left] = Some(right);
                return true;
            }
        }
        false
    }

    pub fn right_of(&self, left: usize) -> Option<usize> {
        self.left_to_right[left]
    }

    pub fn left_of(&self, right: usize) -> Option<usize> {
        self.right_to_left[right]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_requirement_takes_over_a_shared_person_when_the_earlier_has_another() {
        // Requirement 0 (addon-sre) has cian (0) and aoife (1); requirement 1 (tenants-sre)
        // has only cian. Greedy would give cian to 0 and leave 1 unmet.
        let edges = vec![vec![0, 1], vec![0]];
        let mut m = Matching::new(&edges, 2);
        assert!(m.add(0));
        assert_eq!(m.right_of(0), Some(0));
        assert!(m.add(1));
        assert_eq!((m.right_of(0), m.right_of(1)), (Some(1), Some(0)));
    }

    #[test]
    fn one_person_never_fills_two_requirements() {
        let edges = vec![vec![0], vec![0]];
        let mut m = Matching::new(&edges, 1);
        assert!(m.add(0));
        assert!(!m.add(1));
        assert_eq!(m.left_of(0), Some(0));
    }
}

//! Generated SLI samples for the demo: a daily traffic curve, a low background error
//! rate, incidents at stated times. Deterministic (a fixed-seed xorshift), so every demo
//! shows the same budgets.

use baton_core::slo::Bucket;
use baton_core::Timestamp;

/// How one SLI behaves over the generated period.
pub struct Profile {
    /// Mean requests per minute; the day's curve swings ±50% around it.
    pub per_minute: u64,
    /// The share of requests that fail outside incidents.
    pub error_rate: f64,
    /// `(starts this many hours ago, lasts this many hours, error rate during it)`.
    pub incidents: Vec<(f64, f64, f64)>,
}

/// How many days of samples each example SLO gets, and how it behaves. streamhub's reach
/// back past its seeded handover (59 days ago, over a 28-day window); lumen-metrics is
/// burning its budget now; unknown SLOs get five quiet weeks.
pub fn profile(slo: &str) -> (i64, Profile) {
    match slo {
        "streamhub-availability" => (
            100,
            Profile { per_minute: 400, error_rate: 0.0002, incidents: vec![(1_200.0, 2.0, 0.05), (60.0, 1.0, 0.02)] },
        ),
        "streamhub-publish-latency" => {
            (100, Profile { per_minute: 400, error_rate: 0.005, incidents: vec![(30.0, 1.5, 0.2), (500.0, 1.0, 0.3)] })
        }
        "lumen-metrics-availability" => {
            (35, Profile { per_minute: 300, error_rate: 0.0003, incidents: vec![(3.0, 3.0, 0.03), (240.0, 2.0, 0.01)] })
        }
        "streamhub-connect-availability" => {
            (35, Profile { per_minute: 150, error_rate: 0.001, incidents: vec![(100.0, 4.0, 0.03)] })
        }
        _ => (35, Profile { per_minute: 100, error_rate: 0.0003, incidents: vec![] }),
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One bucket per minute over `[now − days, now)`.
pub fn generate(profile: &Profile, now: Timestamp, days: i64, seed: u64) -> Vec<Bucket> {
    let end = now.as_second() / 60 * 60;
    let start = end - days * 86_400;
    let mut rng = XorShift(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::with_capacity((days * 1_440) as usize);
    for minute in (start..end).step_by(60) {
        let hours_ago = (end - minute) as f64 / 3_600.0;
        let day_phase = (minute % 86_400) as f64 / 86_400.0 * std::f64::consts::TAU;
        let mean = profile.per_minute as f64 * (1.0 + 0.5 * (day_phase - 2.0).sin());
        let total = (mean * (0.9 + 0.2 * rng.next())).round().max(0.0) as u64;
        let rate = profile
            .incidents
            .iter()
            .find(|(ago, len, _)| hours_ago <= *ago && hours_ago > ago - len)
            .map_or(profile.error_rate, |(_, _, r)| *r);
        // Expected failures, with the fraction rounded at random so low rates still show.
        let expected = total as f64 * rate;
        let bad = (expected.floor() as u64 + u64::from(rng.next() < expected.fract())).min(total);
        let at = Timestamp::from_second(minute).expect("in range");
        out.push(Bucket::new(at, total - bad, total).expect("aligned, good ≤ total"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_cover_the_days_asked_and_incidents_show() {
        let now: Timestamp = "2026-03-10T12:34:56Z".parse().unwrap();
        let p = Profile { per_minute: 200, error_rate: 0.0005, incidents: vec![(30.0, 2.0, 0.2)] };
        let b = generate(&p, now, 2, 7);
        assert_eq!(b.len(), 2 * 1_440);
        assert_eq!(b.last().unwrap().minute(), "2026-03-10T12:33:00Z".parse().unwrap());
        let bad = |from: usize, to: usize| b[from..to].iter().map(|x| x.total() - x.good()).sum::<u64>();
        let n = b.len();
        // The incident ran from 30 to 28 hours ago: minutes n-1800 .. n-1680.
        assert!(bad(n - 1_800, n - 1_680) > 10 * bad(n - 600, n - 480), "the incident stands out");
        assert_eq!(generate(&p, now, 2, 7), b, "deterministic");
    }
}

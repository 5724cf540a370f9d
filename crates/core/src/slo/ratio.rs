//! Ratios written in definitions (objectives, slice thresholds, budget shares), held as
//! exact parts per billion.
//!
//! Exact, because the maths divides by `1 − objective`: parsing `0.999` into an `f64` and
//! subtracting it from one gives 0.0010000000000000009, so a stream that meets its
//! objective exactly would burn at 0.9999999999999991 instead of 1. Held as an integer,
//! every derived ratio is one division of two exact integers, correctly rounded.

/// Parts per billion in a whole (1.0).
pub(crate) const SCALE: u64 = 1_000_000_000;
const DECIMALS: usize = 9;

/// `0.999` → 999_000_000; `1`, `1.0` → 1_000_000_000. Only plain decimals from 0 to 1
/// with at most nine decimals; no signs, exponents or percent signs, so a value reads the
/// same in every definition.
pub(crate) fn parse_ppb(s: &str) -> Option<u64> {
    let (int, frac) = match s.split_once('.') {
        Some((_, "")) => return None,
        Some((int, frac)) => (int, frac),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > DECIMALS {
        return None;
    }
    let whole: u64 = int.parse().ok().filter(|w| *w <= 1)?;
    let part: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<DECIMALS$}").parse().ok()? };
    Some(whole * SCALE + part).filter(|v| *v <= SCALE)
}

/// The shortest decimal for a ppb value: 999_000_000 → `0.999`, SCALE → `1`.
pub(crate) fn format_ppb(ppb: u64) -> String {
    let (whole, part) = (ppb / SCALE, ppb % SCALE);
    if part == 0 {
        return whole.to_string();
    }
    let frac = format!("{part:09}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A ppb value as an exact percentage: 999_000_000 → `99.9%`.
pub(crate) fn percent_ppb(ppb: u64) -> String {
    const PER_PERCENT: u64 = SCALE / 100;
    let frac = format!("{:07}", ppb % PER_PERCENT);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{}%", ppb / PER_PERCENT)
    } else {
        format!("{}.{frac}%", ppb / PER_PERCENT)
    }
}

/// A measured ratio as a percentage for people, to four decimals. A value just short of
/// one is never shown as `100%`: a reader would take that as "no errors at all".
pub(crate) fn percent(ratio: f64) -> String {
    let shown = format!("{:.4}", ratio * 100.0);
    let shown = shown.trim_end_matches('0').trim_end_matches('.');
    if shown == "100" && ratio < 1.0 {
        return ">99.9999%".to_owned();
    }
    format!("{shown}%")
}

/// `good / total` in parts per billion, rounded to the nearest (halves up); 0 for a
/// minute with no events. Exact integer arithmetic, so every caller gets the same value.
pub(crate) fn ratio_ppb(good: u64, total: u64) -> u64 {
    if total == 0 {
        return 0;
    }
    let (good, total) = (u128::from(good), u128::from(total));
    // At most SCALE, since good <= total.
    ((good * u128::from(SCALE) * 2 + total) / (total * 2)) as u64
}

/// `a / b` for ppb-scaled integers, reduced first so both sides stay exact in an `f64`.
pub(crate) fn exact_div(a: u128, b: u128) -> f64 {
    // Both exact in an f64 already: one IEEE division is the correctly rounded quotient,
    // the same as after reducing (a rational has one nearest f64). The common case (an
    // objective's error rate, read by every burn rate) skips the u128 gcd this way.
    const EXACT: u128 = 1 << f64::MANTISSA_DIGITS;
    if a <= EXACT && b <= EXACT {
        return (a as u64) as f64 / (b as u64) as f64;
    }
    let g = gcd(a, b).max(1);
    (a / g) as f64 / (b / g) as f64
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse_exactly() {
        assert_eq!(parse_ppb("0.999"), Some(999_000_000));
        assert_eq!(parse_ppb("0.999999999"), Some(999_999_999));
        assert_eq!(parse_ppb("1"), Some(SCALE));
        assert_eq!(parse_ppb("1.0"), Some(SCALE));
        assert_eq!(parse_ppb("0"), Some(0));
        for bad in ["", ".9", "0.", "1.1", "2", "-0.5", "0.9999999999", "99.9%", "9e-1", " 0.9", "0,9"] {
            assert_eq!(parse_ppb(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formatting_is_the_shortest_exact_form() {
        assert_eq!(format_ppb(999_000_000), "0.999");
        assert_eq!(format_ppb(SCALE), "1");
        assert_eq!(percent_ppb(999_000_000), "99.9%");
        assert_eq!(percent_ppb(999_950_000), "99.995%");
        assert_eq!(percent_ppb(20_000_000), "2%");
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.999_999_99), ">99.9999%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn per_minute_ratios_round_to_the_nearest_part_per_billion() {
        assert_eq!(ratio_ppb(1, 4), 250_000_000);
        assert_eq!(ratio_ppb(7, 7), SCALE);
        // 1/3 = 0.333333333|3…, 2/3 = 0.666666666|6…: down, then up.
        assert_eq!((ratio_ppb(1, 3), ratio_ppb(2, 3)), (333_333_333, 666_666_667));
        assert_eq!(ratio_ppb(0, 0), 0);
        assert_eq!(ratio_ppb(u64::MAX - 1, u64::MAX), SCALE);
    }

    #[test]
    fn exact_division_reduces_before_converting() {
        // 0.02 × 30d / 1h = (20_000_000 × 2_592_000) / (10^9 × 3_600) = 72 / 5 = 14.4.
        assert_eq!(exact_div(20_000_000 * 2_592_000, 1_000_000_000 * 3_600), 14.4);
    }
}

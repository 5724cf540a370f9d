//! Times as people read them: in a time zone, the zone named (`2026-12-07 09:00
//! Europe/Dublin`, `2026-12-07 09:00 UTC`). Issue #17: every time shown to a person (pages,
//! the CLI, notifications, calendar feeds) is in their zone, named, so nobody converts in
//! their head and nobody mistakes one zone for another. This is the one place that spells a
//! time for people; what programs read (JSON, DTSTART) stays RFC 3339 / UTC.
//!
//! Which zone is the caller's choice: the reader's (`Person::timezone`), the rotation's
//! (`RotationDef::time_zone`) when a message is about a rotation, else UTC.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// `t` in `tz`, to the minute, the zone named: `2026-12-07 09:00 Europe/Dublin`. UTC is
/// named `UTC`; a zone with no IANA name (a fixed offset) is named by its offset.
pub fn local(t: Timestamp, tz: &TimeZone) -> String {
    let zoned = t.to_zoned(tz.clone());
    match tz.iana_name() {
        Some(name) => format!("{} {name}", zoned.strftime("%Y-%m-%d %H:%M")),
        None => zoned.strftime("%Y-%m-%d %H:%M %:z").to_string(),
    }
}

/// `start` to `end` in `tz`, the zone named once when both are in it: `2026-12-07 09:00 to
/// 2026-12-08 09:00 Europe/Dublin`.
pub fn local_span(start: Timestamp, end: Timestamp, tz: &TimeZone) -> String {
    format!("{} to {}", start.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M"), local(end, tz))
}

/// The zone named `name` in the tz database (`Europe/Dublin`, `UTC`), or what is wrong.
pub fn zone(name: &str) -> Result<TimeZone, UnknownZone> {
    TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))
}

/// A name that is not a time zone of the tz database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a time zone of the tz database (IANA names such as Europe/Dublin, America/Sao_Paulo or UTC)")]
pub struct UnknownZone(pub String);

/// An instant as a person may type it: RFC 3339 (`2026-12-07T09:00:00Z`), or as [`local`]
/// shows it (`2026-12-07 09:00 Europe/Dublin`, a time repeated by a change back from summer
/// time meaning its first occurrence), so a time copied from Baton's output reads back.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let (date_time, name) = text.rsplit_once(' ')?;
    let civil: jiff::civil::DateTime = date_time.trim().replacen(' ', "T", 1).parse().ok()?;
    civil.to_zoned(zone(name).ok()?).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_time_is_shown_in_the_zone_with_the_zone_named() {
        let dublin = zone("Europe/Dublin").unwrap();
        assert_eq!(local(t("2026-12-07T09:00:00Z"), &dublin), "2026-12-07 09:00 Europe/Dublin");
        assert_eq!(local(t("2026-06-07T08:00:00Z"), &dublin), "2026-06-07 09:00 Europe/Dublin", "summer time");
        let sao_paulo = zone("America/Sao_Paulo").unwrap();
        assert_eq!(local(t("2026-12-07T09:00:00Z"), &sao_paulo), "2026-12-07 06:00 America/Sao_Paulo");
        assert_eq!(local(t("2026-12-07T09:00:00Z"), &TimeZone::UTC), "2026-12-07 09:00 UTC");
        assert_eq!(local(t("2026-12-07T09:00:00Z"), &zone("UTC").unwrap()), "2026-12-07 09:00 UTC");
        let fixed = TimeZone::fixed(jiff::tz::offset(5));
        assert_eq!(local(t("2026-12-07T09:00:00Z"), &fixed), "2026-12-07 14:00 +05:00");
    }

    #[test]
    fn a_span_names_its_zone_once() {
        let kolkata = zone("Asia/Kolkata").unwrap();
        assert_eq!(
            local_span(t("2026-12-07T09:00:00Z"), t("2026-12-08T09:00:00Z"), &kolkata),
            "2026-12-07 14:30 to 2026-12-08 14:30 Asia/Kolkata"
        );
    }

    #[test]
    fn an_unknown_zone_is_refused_with_what_would_be_accepted() {
        let err = zone("Mars/Olympus_Mons").unwrap_err();
        assert!(err.to_string().contains("`Mars/Olympus_Mons` is not a time zone"), "{err}");
        assert!(err.to_string().contains("Europe/Dublin"), "{err}");
    }

    #[test]
    fn what_is_shown_reads_back_as_the_same_instant() {
        for (s, name) in [
            ("2026-12-07T09:00:00Z", "Europe/Dublin"),
            ("2026-03-29T02:30:00Z", "Europe/Dublin"),
            ("2026-12-07T09:00:00Z", "America/Sao_Paulo"),
            ("2026-12-07T09:00:00Z", "UTC"),
        ] {
            let shown = local(t(s), &zone(name).unwrap());
            assert_eq!(parse_instant(&shown), Some(t(s)), "{shown}");
        }
        assert_eq!(parse_instant("2026-12-07T09:00:00Z"), Some(t("2026-12-07T09:00:00Z")));
        assert_eq!(parse_instant("2026-12-07 09:00 Nowhere/Else"), None);
        assert_eq!(parse_instant("tomorrow"), None);
    }
}

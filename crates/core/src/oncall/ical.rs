//! iCalendar (RFC 5545) feeds of shifts, per rotation or per person: one VEVENT per shift,
//! times in UTC (`Z`) so no VTIMEZONE is needed, content lines folded at 75 octets
//! (never inside a UTF-8 character) with CRLF line endings, TEXT values escaped (§3.3.11:
//! backslash, semicolon, comma, newline).
//!
//! Calendar apps show the UTC times in their user's zone. The feed also names the zone of
//! whoever it is for (`X-WR-TIMEZONE`, the de facto calendar property Apple and Google
//! read) and each event's DESCRIPTION starts with the shift in that zone, named, as Baton
//! shows times everywhere else ([`crate::local_time`]).

use crate::local_time::local_span;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt::Write;

use super::rotation::RotationId;
use super::schedule::{Layer, Shift};

/// The feed named `name` of `events` (each shift with its rotation), for a reader in `tz`.
/// `stamp` is the DTSTAMP of every event: the instant the feed was generated, a parameter
/// like all time.
pub fn to_ical<'a>(
    name: &str,
    tz: &TimeZone,
    events: impl IntoIterator<Item = (&'a RotationId, &'a Shift)>,
    stamp: Timestamp,
) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        fold_into(&mut out, &s);
    };
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Baton//On-call//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    line(format!("X-WR-TIMEZONE:{}", escape_text(tz.iana_name().unwrap_or("UTC"))));
    for (rotation, shift) in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", uid(rotation, shift)));
        line(format!("DTSTAMP:{}", utc(stamp)));
        line(format!("DTSTART:{}", utc(shift.start)));
        line(format!("DTEND:{}", utc(shift.end)));
        line(format!("SUMMARY:{}", escape_text(&format!("On call: {} ({})", shift.person, rotation))));
        let description = format!("{}\n{}", local_span(shift.start, shift.end, tz), describe(shift));
        line(format!("DESCRIPTION:{}", escape_text(&description)));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// Stable across regenerations: a shift is identified by rotation, layer, start and person.
fn uid(rotation: &RotationId, shift: &Shift) -> String {
    let layer = match shift.layer {
        Layer::Primary => "primary",
        Layer::Weekend => "weekend",
        Layer::Override => "override",
    };
    format!("{}-{}-{}-{}@baton", rotation, layer, utc(shift.start), shift.person)
}

fn describe(shift: &Shift) -> String {
    // The same words as the pages and the CLI (`Reason`'s Display).
    match shift.layer {
        Layer::Override => shift.reason.to_string(),
        layer => format!("{}, {} layer", shift.reason, layer_name(layer)),
    }
}

fn layer_name(l: Layer) -> &'static str {
    match l {
        Layer::Primary => "main",
        Layer::Weekend => "weekend",
        Layer::Override => "override",
    }
}

/// `YYYYMMDDTHHMMSSZ`, RFC 5545 §3.3.5 form 2 (UTC).
pub fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// RFC 5545 §3.3.11 TEXT escaping.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (§3.1): at most 75 octets per physical line, each
/// continuation starting with one space, every line ending in CRLF.
pub fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::Reason;
    use crate::PersonId;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let value = "é".repeat(60);
        fold_into(&mut out, &format!("SUMMARY:{value}"));
        for physical in out.split_terminator("\r\n") {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{value}"));
    }

    #[test]
    fn a_feed_has_one_event_per_shift_in_utc() {
        let rotation = RotationId::parse("addon-sre").unwrap();
        let shift = Shift {
            person: PersonId::parse("ana").unwrap(),
            start: "2024-03-11T08:00:00Z".parse().unwrap(),
            end: "2024-03-12T08:00:00Z".parse().unwrap(),
            layer: Layer::Primary,
            reason: Reason::Turn { era: 0, cycle: 1, position: 2 },
            region: None,
        };
        let stamp: Timestamp = "2024-03-01T00:00:00Z".parse().unwrap();
        let dublin = TimeZone::get("Europe/Dublin").unwrap();
        let feed = to_ical("Addon SRE, primary", &dublin, [(&rotation, &shift)], stamp);
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        assert!(feed.contains("\r\nDTSTART:20240311T080000Z\r\n"));
        assert!(feed.contains("\r\nDTEND:20240312T080000Z\r\n"));
        assert!(feed.contains("\r\nDTSTAMP:20240301T000000Z\r\n"));
        assert!(feed.contains("\r\nUID:addon-sre-primary-20240311T080000Z-ana@baton\r\n"));
        assert!(feed.contains("X-WR-CALNAME:Addon SRE\\, primary"));
        assert!(feed.contains("\r\nX-WR-TIMEZONE:Europe/Dublin\r\n"), "{feed}");
        let unfolded = feed.replace("\r\n ", "");
        assert!(
            unfolded.contains("\r\nDESCRIPTION:2024-03-11 08:00 to 2024-03-12 08:00 Europe/Dublin\\nturn 3 of cycle 1"),
            "the shift in the reader's zone, named: {unfolded}"
        );
        assert_eq!(feed.matches("BEGIN:VEVENT").count(), 1);
        assert!(!feed.replace("\r\n", "").contains('\n'), "only CRLF line endings");
    }
}

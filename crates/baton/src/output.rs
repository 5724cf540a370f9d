//! Printing data for people (aligned tables) or programs (JSON).

use crate::cli::{Output, Times};
use baton_core::oncall::RotationId;
use jiff::tz::TimeZone;
use serde::Serialize;

impl Times {
    /// The zone for times not about one rotation: `--tz`, else UTC.
    pub fn zone(&self) -> TimeZone {
        self.tz.clone().unwrap_or(TimeZone::UTC)
    }

    /// The zone for the times of `rotation`: `--tz`, else the rotation's own.
    pub async fn of_rotation(&self, baton: &baton_app::Baton, rotation: &RotationId) -> anyhow::Result<TimeZone> {
        Ok(match &self.tz {
            Some(tz) => tz.clone(),
            None => baton.rotation_time_zone(rotation).await?,
        })
    }
}

/// An instant as typed (RFC 3339, or a time as Baton shows it: `2026-12-07 09:00
/// Europe/Dublin`) as RFC 3339, for the calls that read RFC 3339 or a date; anything else
/// (a date) as it was.
pub fn instant_text(text: String) -> String {
    baton_core::local_time::parse_instant(&text).map_or(text, |t| t.to_string())
}

pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Prints `value` as JSON (the shape the API answers with), or as people read it.
pub fn print<T: Serialize>(output: Output, value: &T, human: impl FnOnce(&T)) -> anyhow::Result<()> {
    match output {
        Output::Json => json(value),
        Output::Table => {
            human(value);
            Ok(())
        }
    }
}

/// Prints rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// One CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Prints a CSV header and rows, each record ending in CRLF (RFC 4180).
pub fn csv(header: &[&str], rows: &[Vec<String>]) {
    let mut out = String::new();
    let mut record = |cells: Vec<String>| {
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    record(header.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        record(row.clone());
    }
    print!("{out}");
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}

//! Writing YAML: the files `baton import` and `baton export` make.
//!
//! A small tree and a block-style printer rather than a serializer crate: the files are
//! definitions people will read and edit, so keys keep the order they are given in, and
//! every string that plain YAML could misread (`yes`, `0.99`, `a: b`, `#x`) is written
//! double-quoted with JSON escapes, which YAML reads back as the same string.

use std::fmt::Write;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A string, quoted when plain YAML would read it as something else.
    Str(String),
    /// A number or boolean, written as given (`0.999`, `14.4`, `true`).
    Raw(String),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    pub fn raw(s: impl ToString) -> Yaml {
        Yaml::Raw(s.to_string())
    }

    /// A mapping from `(key, value)` pairs, leaving out the `None`s.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Option<Yaml>)>) -> Yaml {
        Yaml::Map(entries.into_iter().filter_map(|(k, v)| Some((k.into(), v?))).collect())
    }

    fn is_empty_collection(&self) -> bool {
        matches!(self, Yaml::List(l) if l.is_empty()) || matches!(self, Yaml::Map(m) if m.is_empty())
    }
}

/// Several documents as one file: `---` between them, `header` (comment lines) first.
pub fn file(header: &str, docs: &[Yaml]) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "{}", format!("# {line}").trim_end());
    }
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        block(&mut out, doc, 0);
    }
    out
}

fn block(out: &mut String, v: &Yaml, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Yaml::Map(entries) => {
            for (k, v) in entries {
                let _ = write!(out, "{pad}{}:", scalar(k));
                value_after_key(out, v, indent);
            }
        }
        Yaml::List(items) => {
            for item in items {
                let _ = write!(out, "{pad}- ");
                match item {
                    // The first key on the dash's line, the rest under it.
                    Yaml::Map(entries) if !entries.is_empty() => {
                        let mut inner = String::new();
                        block(&mut inner, item, indent + 2);
                        out.push_str(inner.trim_start());
                    }
                    Yaml::List(l) if !l.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2);
                    }
                    other => {
                        out.push_str(&inline(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", inline(other));
        }
    }
}

fn value_after_key(out: &mut String, v: &Yaml, indent: usize) {
    match v {
        Yaml::Map(_) | Yaml::List(_) if !v.is_empty_collection() => {
            out.push('\n');
            // Lists under a key are indented like maps, as kubectl and the OpenSLO
            // examples write them.
            block(out, v, indent + 2);
        }
        other => {
            let _ = writeln!(out, " {}", inline(other));
        }
    }
}

fn inline(v: &Yaml) -> String {
    match v {
        Yaml::Str(s) => scalar(s),
        Yaml::Raw(s) => s.clone(),
        Yaml::List(_) => "[]".to_owned(),
        Yaml::Map(_) => "{}".to_owned(),
    }
}

/// `s` as a plain scalar when YAML reads that back as the same string, else quoted.
fn scalar(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

fn plain_is_safe(s: &str) -> bool {
    const WORDS: [&str; 16] = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", "True", "False", "Yes", "No", "NULL", "Null",
    ];
    let Some(first) = s.chars().next() else { return false };
    if WORDS.contains(&s) || s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    // Durations like `28d` and `1m` start with a digit but no YAML number ends in letters.
    let duration = {
        let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        !digits.is_empty() && digits.len() < s.len() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_' || duration)
        && s.chars().all(|c| c.is_ascii_alphanumeric() || " -_./:@()+,=%'".contains(c))
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // As `baton_sources`' rule files: other controls, YAML 1.1's line breaks and a
            // BOM are escaped, so a value stays on its line and reads back the same.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_plain_yaml_would_misread_are_quoted() {
        for (s, want) in [
            ("streamhub", "streamhub"),
            ("yes", "\"yes\""),
            ("0.999", "\"0.999\""),
            ("a: b", "\"a: b\""),
            ("#chan", "\"#chan\""),
            ("sum(x{a=\"b\"})", "\"sum(x{a=\\\"b\\\"})\""),
            ("", "\"\""),
            ("28d", "28d"),
            ("1e3", "\"1e3\""),
            ("Reads succeed 99.9% of the time, over 28 days.", "Reads succeed 99.9% of the time, over 28 days."),
            ("Publish requests", "Publish requests"),
        ] {
            assert_eq!(scalar(s), want, "{s}");
        }
    }

    #[test]
    fn a_document_is_block_style_with_lists_under_their_keys() {
        let doc = Yaml::map([
            ("kind", Some(Yaml::str("SLO"))),
            ("skipped", None),
            (
                "objectives",
                Some(Yaml::List(vec![Yaml::map([
                    ("target", Some(Yaml::raw("0.99"))),
                    ("displayName", Some(Yaml::str("ok"))),
                ])])),
            ),
            ("empty", Some(Yaml::List(vec![]))),
        ]);
        assert_eq!(
            file("made by a test", &[doc.clone(), doc]),
            "# made by a test\nkind: SLO\nobjectives:\n  - target: 0.99\n    displayName: ok\nempty: []\n---\nkind: SLO\nobjectives:\n  - target: 0.99\n    displayName: ok\nempty: []\n"
        );
    }
}

//! Writing YAML scalars by hand. The rule files Baton writes are small and fixed in
//! shape, so a template plus one quoting function is enough, and keeps a deprecated YAML
//! serializer out of the build (`core` writes no YAML; `config` writes definition files
//! for `baton import`/`export` with its own small writer, `yaml_out`, quoting as here).

use std::fmt::Write;

/// `s` as a YAML double-quoted scalar. Every value is quoted, so nothing in a PromQL
/// expression or a label value (`:`, `#`, `{`, a leading `*`, `yes`, `1e3`) can change
/// its meaning or type. Escapes are the ones YAML and JSON share; line breaks and other
/// control characters are escaped so a value stays on one line.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // NEL (U+0085) is among the controls; U+2028/9 are line breaks to YAML 1.1
            // readers, and a BOM is dropped by some.
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
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quoted(r#"x{code=~"5.."}"#), r#""x{code=~\"5..\"}""#);
        assert_eq!(quoted(r"a\b"), r#""a\\b""#);
        assert_eq!(quoted("two\nlines\ttab"), r#""two\nlines\ttab""#);
        assert_eq!(quoted("\u{7}\u{85}\u{2028}"), r#""\u0007\u0085\u2028""#);
        assert_eq!(quoted("yes"), r#""yes""#);
    }

    #[test]
    fn any_string_reads_back_the_same() {
        for s in [
            r#"sum(increase(http_requests_total{job="checkout",code!~"5.."}[5m]))"#,
            "a: b # not a comment",
            "*alias",
            "'single' and \"double\" \\ back",
            "line one\nline two\r\n\ttabbed",
            "ünïcödé ✓ 🚀",
            "",
            "1e3",
        ] {
            let yaml = format!("value: {}\n", quoted(s));
            let node = marked_yaml::parse_yaml(0, &yaml).unwrap();
            let read = node.as_mapping().unwrap().get_scalar("value").unwrap().as_str().to_owned();
            assert_eq!(read, s, "{yaml}");
        }
    }
}

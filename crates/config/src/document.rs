//! One YAML document of one file, parsed with the position of every node.
//!
//! A file may hold several documents separated by `---`; each is parsed on its own and
//! its positions shifted back to the file's own lines.

use crate::diagnostic::{Diagnostic, Place};
use marked_yaml::{LoadError, LoaderOptions, Node, Span, Spanned};
use serde::de::DeserializeOwned;
use std::path::Path;

pub(crate) struct Document {
    pub file: std::path::PathBuf,
    /// Lines before this document in its file.
    line_offset: usize,
    pub node: Node,
}

/// Splits `text` at document markers, returning each document's text and its first line.
fn split(text: &str) -> Vec<(usize, String)> {
    let mut docs = vec![(0, String::new())];
    for (n, line) in text.lines().enumerate() {
        let marker = line.trim_end();
        if marker == "---" || marker.starts_with("--- #") || marker == "..." {
            docs.push((n + 1, String::new()));
            continue;
        }
        let cur = &mut docs.last_mut().expect("never empty").1;
        cur.push_str(line);
        cur.push('\n');
    }
    // Documents with nothing but comments and blank lines are not definitions.
    docs.retain(|(_, d)| d.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')));
    docs
}

impl Document {
    pub fn place(&self, span: &Span) -> Place {
        // A mapping's span starts at its first colon: point at its first key instead.
        if let Some(key) = span.start().and_then(|m| first_key_of_mapping_at(&self.node, m)) {
            return self.place(key.span());
        }
        match span.start() {
            Some(m) => Place { file: self.file.clone(), line: m.line() + self.line_offset, column: m.column() },
            None => self.start(),
        }
    }

    /// The document as a whole: its first line, column 1.
    pub fn start(&self) -> Place {
        Place { column: 1, ..self.place_of(&self.node) }
    }

    pub fn place_of(&self, node: &Node) -> Place {
        if let Some((key, _)) = node.as_mapping().and_then(|m| m.iter().next()) {
            return self.place(key.span());
        }
        match node.span().start() {
            Some(m) => Place { file: self.file.clone(), line: m.line() + self.line_offset, column: m.column() },
            None => Place { file: self.file.clone(), line: self.line_offset + 1, column: 1 },
        }
    }

    pub fn at<T>(&self, s: &Spanned<T>) -> Place {
        self.place(s.span())
    }

    /// Deserializes the whole document into `T`, turning serde's complaint into a
    /// diagnostic at the node it is about.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        marked_yaml::from_node(&self.node).map_err(|e| {
            let path = e.path().map(str::to_owned);
            let inner = friendly(&e.into_inner().to_string());
            // serde names the path to the bad value (`links.epic`, `members[2].id`); find
            // that node, or for an unknown key the key itself, to point at it.
            match path.as_deref().filter(|p| *p != ".") {
                Some(p) => {
                    let unknown = inner.strip_prefix("unknown key `").and_then(|r| r.split('`').next());
                    let place = self.locate(p, unknown);
                    let message = if unknown.is_some() { inner } else { format!("`{p}`: {inner}") };
                    place.error(message)
                }
                None => self.start().error(inner),
            }
        })
    }

    /// The place of the node at a serde path like `links.epic` or `members[1].id`; for an
    /// unknown key, the path ends at that key and the key's own position is wanted.
    fn locate(&self, path: &str, unknown_key: Option<&str>) -> Place {
        let mut node = &self.node;
        let mut key_place = None;
        for seg in path.split('.') {
            let (name, index) = match seg.split_once('[') {
                Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (seg, None),
            };
            if !name.is_empty() {
                let Some(map) = node.as_mapping() else { break };
                let Some((k, v)) = map.iter().find(|(k, _)| k.as_str() == name) else { break };
                if unknown_key == Some(name) {
                    key_place = Some(self.place(k.span()));
                }
                node = v;
            }
            if let Some(i) = index {
                let Some(next) = node.as_sequence().and_then(|s| s.get_node(i)) else { break };
                node = next;
            }
        }
        key_place.unwrap_or_else(|| self.place_of(node))
    }

    /// The node at `path` of nested mapping keys, if there is one.
    pub fn node_at(&self, path: &[&str]) -> Option<&Node> {
        let mut node = &self.node;
        for key in path {
            node = node.as_mapping()?.iter().find(|(k, _)| k.as_str() == *key)?.1;
        }
        Some(node)
    }

    /// A DataSource's `spec.connectionDetails.url`, written as a mapping or as a list of
    /// one-key mappings.
    pub fn connection_url(&self) -> Option<Spanned<String>> {
        let details = self.node_at(&["spec", "connectionDetails"])?;
        let url = |n: &Node| {
            n.as_mapping().and_then(|m| m.get_scalar("url")).map(|u| Spanned::new(*u.span(), u.as_str().to_owned()))
        };
        match details.as_sequence() {
            Some(items) => items.iter().find_map(url),
            None => url(details),
        }
    }

    /// The `kind:` of a document, for directories that hold several kinds.
    pub fn kind(&self) -> Option<Spanned<String>> {
        self.scalar("kind")
    }

    /// A top-level scalar, read before the document is parsed (`kind:`, `apiVersion:`).
    pub fn scalar(&self, key: &str) -> Option<Spanned<String>> {
        let scalar = self.node.as_mapping()?.get_scalar(key)?;
        Some(Spanned::new(*scalar.span(), scalar.as_str().to_owned()))
    }
}

/// The first key of the mapping starting at `start`, found by walking the document.
fn first_key_of_mapping_at<'a>(
    node: &'a Node,
    start: &marked_yaml::Marker,
) -> Option<&'a marked_yaml::types::MarkedScalarNode> {
    match node {
        Node::Mapping(map) => {
            if map.span().start() == Some(start) {
                return map.keys().next();
            }
            map.values().find_map(|v| first_key_of_mapping_at(v, start))
        }
        Node::Sequence(seq) => seq.iter().find_map(|v| first_key_of_mapping_at(v, start)),
        Node::Scalar(_) => None,
    }
}

/// serde's wording, made to read like the rest of Baton's messages.
fn friendly(msg: &str) -> String {
    let msg = msg.replacen("Unknown field", "unknown key", 1).replacen("missing field", "missing key", 1);
    let mut c = msg.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => msg,
    }
}

/// Parses every document of a file. Problems come back as diagnostics, one per broken
/// document, so one bad document does not hide the others.
pub(crate) fn read(file: &Path, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    read_as(file, text, false)
}

/// As [`read`], but a document that is a list is a list of documents, each read as if
/// written on its own: OpenSLO allows it (the Go SDK writes files that way), so `slos/`
/// and the importers read files like this.
pub(crate) fn read_lists(file: &Path, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    read_as(file, text, true)
}

fn read_as(file: &Path, text: &str, lists: bool) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for (offset, body) in split(text) {
        let options = LoaderOptions::default().error_on_duplicate_keys(true);
        let parsed = match marked_yaml::parse_yaml_with_options(0, &body, options) {
            Err(LoadError::TopLevelMustBeMapping(_)) if lists => {
                let options = LoaderOptions::default().error_on_duplicate_keys(true).toplevel_sequence();
                marked_yaml::parse_yaml_with_options(0, &body, options).map(|list| match list {
                    Node::Sequence(items) => items.iter().cloned().collect(),
                    other => vec![other],
                })
            }
            other => other.map(|node| vec![node]),
        };
        match parsed {
            Ok(nodes) => {
                for node in nodes {
                    if node.as_mapping().is_none() {
                        let place = Document { file: file.to_owned(), line_offset: offset, node }.start();
                        problems.push(
                            place.error("a list of documents holds mappings of keys to values, one per document"),
                        );
                        continue;
                    }
                    docs.push(Document { file: file.to_owned(), line_offset: offset, node });
                }
            }
            Err(e) => {
                let (marker, message) = load_error(&e);
                let (line, column) = marker.map_or((1, 1), |m| (m.line(), m.column()));
                let place = Place { file: file.to_owned(), line: line + offset, column };
                problems.push(place.error(message));
            }
        }
    }
    (docs, problems)
}

fn load_error(e: &LoadError) -> (Option<marked_yaml::Marker>, String) {
    match e {
        LoadError::TopLevelMustBeMapping(m) => (Some(*m), "a definition must be a mapping of keys to values".into()),
        LoadError::TopLevelMustBeSequence(m) => (Some(*m), "expected a list".into()),
        LoadError::UnexpectedAnchor(m) => (Some(*m), "YAML anchors are not supported in definitions".into()),
        LoadError::MappingKeyMustBeScalar(m) => (Some(*m), "keys must be plain strings".into()),
        LoadError::UnexpectedTag(m) => (Some(*m), "YAML tags are not supported in definitions".into()),
        LoadError::DuplicateKey(inner) => (
            inner.key.span().start().copied(),
            format!(
                "duplicate key `{}` (first given at line {})",
                inner.key.as_str(),
                inner.prev_key.span().start().map_or(0, |m| m.line())
            ),
        ),
        LoadError::ScanError(m, scan) => {
            let text = scan.to_string();
            let text = text.split(" at line").next().unwrap_or(&text).to_owned();
            (Some(*m), format!("malformed YAML: {text}"))
        }
        #[allow(unreachable_patterns)]
        other => (None, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_file_line_numbers() {
        let text = "# header\nid: a\n---\nid: b\n\n---\n# only a comment\n";
        let (docs, problems) = read(Path::new("teams/x.yaml"), text);
        assert!(problems.is_empty());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].start().line, 4);
    }

    #[test]
    fn malformed_yaml_is_reported_where_it_is() {
        let (_, problems) = read(Path::new("t.yaml"), "id: a\nname: [unclosed\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().starts_with("t.yaml:"), "{}", problems[0]);
        assert!(problems[0].message.contains("malformed YAML"));
    }
}

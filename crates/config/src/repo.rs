//! Walking a definition repo: which directory holds which kind of definition.

use crate::diagnostic::{Diagnostic, Place, Severity};
use crate::document;
use crate::validate::Builder;
use baton_core::Org;
use std::path::{Path, PathBuf};

/// Directories a repo might be expected to have but that Baton does not read, with where
/// their definitions go instead. A file there gets a warning rather than being ignored.
const UNREAD: [(&str, &str); 1] = [("gates", "gates live in policies/ as documents with `kind: Gate`")];

/// The outcome of reading a repo: the organisation when there were no errors, and every
/// diagnostic found, errors first.
#[derive(Debug)]
pub struct Loaded {
    pub org: Option<Org>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Reads the definition repo at `root`.
pub fn load(root: &Path) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut files = 0;
    let mut builder = Builder::default();
    let whole = |file: &str, msg: String| Diagnostic {
        severity: Severity::Error,
        file: PathBuf::from(file),
        line: 0,
        column: 0,
        message: msg,
    };
    if !root.is_dir() {
        diagnostics.push(whole(
            &root.display().to_string(),
            "not a directory: expected a definition repo with teams/, services/ and policies/".into(),
        ));
        return Loaded { org: None, diagnostics, files };
    }
    for dir in ["teams", "services", "policies", "slos", "rotations", "calendars", "escalations"] {
        let paths = match yaml_files(&root.join(dir)) {
            Ok(p) => p,
            Err(e) => {
                diagnostics.push(whole(dir, format!("cannot read directory: {e}")));
                continue;
            }
        };
        for path in paths {
            files += 1;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_owned();
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(whole(&rel.display().to_string(), format!("cannot read file: {e}")));
                    continue;
                }
            };
            let (docs, problems) = document::read(&rel, &text);
            diagnostics.extend(problems);
            for doc in docs {
                match dir {
                    "teams" => builder.team(doc),
                    "services" => builder.service(doc),
                    "slos" => builder.slo(doc),
                    "rotations" => builder.rotation(doc),
                    "calendars" => builder.calendar(doc),
                    "escalations" => builder.escalation(doc),
                    _ => builder.policy(doc),
                }
            }
        }
    }
    for (dir, instead) in UNREAD {
        if let Ok(paths) = yaml_files(&root.join(dir)) {
            if let Some(first) = paths.first() {
                let place = Place { file: first.strip_prefix(root).unwrap_or(first).to_owned(), line: 1, column: 1 };
                diagnostics.push(place.warning(format!("{dir}/ is not read: {instead}")));
            }
        }
    }
    let (org, more) = builder.finish();
    diagnostics.extend(more);
    diagnostics.sort_by(|a, b| (a.severity, &a.file, a.line, a.column).cmp(&(b.severity, &b.file, b.line, b.column)));
    let org = if diagnostics.iter().any(Diagnostic::is_error) { None } else { Some(org) };
    Loaded { org, diagnostics, files }
}

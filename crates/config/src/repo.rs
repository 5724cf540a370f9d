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

/// The largest definition file read: the example organisation's largest is a few KB, so
/// anything near this is not a definition (and is not read into memory whole).
pub const MAX_DEFINITION_BYTES: u64 = 1024 * 1024;

/// Why `path` is not read, if it is not: a link leading out of the repo at `root`
/// (canonical), whose contents would otherwise be echoed in errors, or a file too large.
fn refused(root: &Path, path: &Path) -> Option<String> {
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        Err(e) => return Some(format!("cannot read file: {e}")),
    };
    if !target.starts_with(root) {
        return Some(format!(
            "is a link to {}, outside the definition repo: only files inside the repo are read (copy the file in)",
            target.display()
        ));
    }
    match std::fs::metadata(&target) {
        Ok(m) if m.len() > MAX_DEFINITION_BYTES => {
            Some(format!("is {} bytes; a definition file may be at most {MAX_DEFINITION_BYTES} bytes (1 MiB)", m.len()))
        }
        Ok(_) => None,
        Err(e) => Some(format!("cannot read file: {e}")),
    }
}

pub(crate) fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            // A linked directory is listed as a file, so `refused` judges where it leads.
            if entry.file_type()?.is_dir() {
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
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    for dir in ["teams", "services", "policies", "slos", "rotations", "calendars", "escalations", "leave", "contacts"] {
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
            if let Some(why) = refused(&canonical_root, &path) {
                diagnostics.push(whole(&rel.display().to_string(), why));
                continue;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(whole(&rel.display().to_string(), format!("cannot read file: {e}")));
                    continue;
                }
            };
            // OpenSLO files may be lists of documents; Baton's own definitions are not.
            let (docs, problems) =
                if dir == "slos" { document::read_lists(&rel, &text) } else { document::read(&rel, &text) };
            diagnostics.extend(problems);
            for doc in docs {
                match dir {
                    "teams" => builder.team(doc),
                    "services" => builder.service(doc),
                    "slos" => builder.slo(doc),
                    "rotations" => builder.rotation(doc),
                    "calendars" => builder.calendar(doc),
                    "escalations" => builder.escalation(doc),
                    "leave" => builder.leave(doc),
                    "contacts" => builder.contacts(doc),
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

//! Definition repos written to a temporary directory, and what `load` says about them.
#![allow(dead_code)]

use std::path::Path;

/// A repo holding `files` (path relative to the repo, YAML text).
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Every diagnostic, as a person reads it: `file:line:column: message`.
pub fn messages(dir: &Path) -> Vec<String> {
    baton_config::load(dir).diagnostics.iter().map(|d| d.to_string()).collect()
}

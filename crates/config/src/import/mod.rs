//! `baton import`: a definition repo's files made from another tool's files.
//!
//! Each importer reads its tool's YAML (with the position of every node, so what it
//! refuses is named at file:line:column) and returns whole files: OpenSLO v1 documents for
//! `slos/`, and `services/` and `teams/` stubs where the source names them. Nothing here
//! touches the disk; the CLI writes the files, all or none. What an importer cannot carry
//! over is said, with why, as a warning at its place; a document it cannot read at all is
//! an error there, and the rest is still imported.

mod backstage;
mod openslo;
mod pyrra;
mod sloth;

use crate::diagnostic::{Diagnostic, Place};
use crate::document::{self, Document};
use crate::yaml_out::Yaml;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The tools Baton imports from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Sloth `prometheus/v1` specs and Sloth's OpenSLO `v1alpha` files.
    Sloth,
    /// Pyrra `ServiceLevelObjective`s (`pyrra.dev/v1alpha1`).
    Pyrra,
    /// A Backstage catalog: Groups become teams, Components services.
    Backstage,
    /// OpenSLO v1 files from another tool.
    OpenSlo,
}

/// One file to import: where it was read from (as the user named it) and its text.
pub struct Input {
    pub path: PathBuf,
    pub text: String,
}

/// What the importers need to know of the repo they write into, and the user's choices.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The team that owns the services stubs are made for, when the source does not say.
    pub owner: Option<String>,
    /// The Prometheus server the imported SLIs read, as a DataSource named `prometheus`.
    pub prometheus_url: String,
    /// Services already defined in the target repo: no stub is made for them.
    pub services: BTreeSet<String>,
    /// Teams already defined in the target repo.
    pub teams: BTreeSet<String>,
}

/// The result: files to write (relative to the repo root, each whole), and diagnostics —
/// warnings for what was not carried over, errors for documents refused.
#[derive(Debug, Default)]
pub struct Imported {
    pub files: Vec<(PathBuf, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Imported {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Imports `inputs` from `source`.
pub fn import(source: Source, inputs: &[Input], options: &Options) -> Imported {
    let mut out = Imported::default();
    match source {
        Source::Sloth => sloth::import(inputs, options, &mut out),
        Source::Pyrra => pyrra::import(inputs, options, &mut out),
        Source::Backstage => backstage::import(inputs, options, &mut out),
        Source::OpenSlo => openslo::import(inputs, options, &mut out),
    }
    out.diagnostics.sort_by_key(|d| (d.severity, d.file.clone(), d.line, d.column));
    out
}

/// Every YAML document of every input, with the inputs' own malformed YAML as errors.
pub(crate) fn documents(inputs: &[Input], out: &mut Imported) -> Vec<Document> {
    let mut docs = Vec::new();
    for input in inputs {
        let (mut d, problems) = document::read_lists(&input.path, &input.text);
        docs.append(&mut d);
        out.diagnostics.extend(problems);
    }
    docs
}

/// A place naming a whole input file, for what is about the file.
pub(crate) fn file_place(path: &Path) -> Place {
    Place { file: path.to_owned(), line: 1, column: 1 }
}

/// `services/<id>.yaml` for a service an imported SLO names and the repo lacks, owned by
/// `owner`; `None` (with an error at `at`) when no owner is known.
pub(crate) fn service_stub(
    id: &str,
    name: Option<&str>,
    description: Option<&str>,
    owner: Option<&str>,
    at: &Place,
    out: &mut Imported,
) -> Option<(PathBuf, String)> {
    let Some(owner) = owner else {
        out.diagnostics.push(at.error(format!(
            "service `{id}` is not defined in the repo, and nothing says which team owns it: pass `--owner TEAM` for the services/ stubs Baton makes"
        )));
        return None;
    };
    let doc = Yaml::map([
        ("id", Some(Yaml::str(id))),
        ("name", Some(Yaml::str(name.unwrap_or(id)))),
        ("description", description.map(Yaml::str)),
        ("owner_team", Some(Yaml::str(owner))),
    ]);
    let header = "Made by `baton import`: a stub for the service the imported SLOs name.\nAdd its links and the rest of its definition (see examples/org/services).";
    Some((PathBuf::from(format!("services/{id}.yaml")), crate::yaml_out::file(header, &[doc])))
}

/// The DataSource every imported Prometheus SLI names.
pub(crate) const PROMETHEUS: &str = "prometheus";

/// `slos/prometheus.yaml`: the DataSource named [`PROMETHEUS`], at `options.prometheus_url`.
pub(crate) fn prometheus_source(options: &Options) -> (PathBuf, String) {
    let doc = Yaml::map([
        ("apiVersion", Some(Yaml::str("openslo/v1"))),
        ("kind", Some(Yaml::str("DataSource"))),
        ("metadata", Some(Yaml::map([("name", Some(Yaml::str(PROMETHEUS)))]))),
        (
            "spec",
            Some(Yaml::map([
                ("type", Some(Yaml::str("Prometheus"))),
                ("connectionDetails", Some(Yaml::map([("url", Some(Yaml::str(&options.prometheus_url)))]))),
            ])),
        ),
    ]);
    let header = "Made by `baton import`: the Prometheus server the imported SLIs are read from.";
    (PathBuf::from("slos/prometheus.yaml"), crate::yaml_out::file(header, &[doc]))
}

/// The ids of the services and teams the repo at `root` defines (read from `services/`
/// and `teams/`, whatever else may be wrong with the repo).
pub fn defined(root: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let ids = |dir: &str| {
        let mut ids = BTreeSet::new();
        for file in crate::repo::yaml_files(&root.join(dir)).unwrap_or_default() {
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            for doc in document::read(&file, &text).0 {
                if let Some(id) = doc.scalar("id") {
                    ids.insert(id.as_str().to_owned());
                }
            }
        }
        ids
    };
    (ids("services"), ids("teams"))
}

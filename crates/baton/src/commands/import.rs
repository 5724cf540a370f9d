//! `baton import` and `baton export`: files in and out of other tools' formats. The
//! conversions are `baton_config::import` and `baton_config::export`; this only reads the
//! inputs and writes the outputs, every file whole.

use crate::cli::{Db, ExportTo, ImportFrom};
use anyhow::{Context, Result};
use baton_config::import::{self, Input, Options, Source};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn import(
    from: ImportFrom,
    files: &[PathBuf],
    into: &Path,
    owner: Option<String>,
    prometheus_url: String,
    force: bool,
) -> Result<ExitCode> {
    let source = match from {
        ImportFrom::Sloth => Source::Sloth,
        ImportFrom::Pyrra => Source::Pyrra,
        ImportFrom::Backstage => Source::Backstage,
        ImportFrom::Openslo => Source::OpenSlo,
    };
    let mut inputs = Vec::new();
    for path in files {
        for file in yaml_files(path)? {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            inputs.push(Input { path: file, text });
        }
    }
    let (services, teams) = import::defined(into);
    let options = Options { owner, prometheus_url, services, teams };
    let imported = import::import(source, &inputs, &options);
    for d in &imported.diagnostics {
        println!("{d}");
    }
    // Every file is checked against what is there before any is written: a clash leaves
    // the repo as it was.
    let mut clashes = Vec::new();
    let mut writes = Vec::new();
    for (rel, text) in &imported.files {
        let target = into.join(rel);
        match std::fs::read_to_string(&target) {
            Ok(old) if &old == text => println!("unchanged {}", rel.display()),
            Ok(_) if !force => clashes.push(rel.display().to_string()),
            _ => writes.push((target, rel, text)),
        }
    }
    if !clashes.is_empty() {
        println!(
            "not written: {} already exist with other contents ({}); move them away or pass --force",
            clashes.len(),
            clashes.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    // Each file goes to a temporary name beside it first, then all are renamed: no file
    // is ever half written, and a failure before the renames leaves none of them.
    let mut staged = Vec::new();
    for (target, rel, text) in &writes {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = target.with_extension("baton-import.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        staged.push((tmp, target, rel));
    }
    for (tmp, target, rel) in staged {
        std::fs::rename(&tmp, target).with_context(|| format!("writing {}", target.display()))?;
        println!("wrote {}", rel.display());
    }
    let errors = imported.diagnostics.iter().filter(|d| d.is_error()).count();
    let left_out = imported.diagnostics.len() - errors;
    println!(
        "imported {} files into {} ({} not carried over, {} refused)",
        imported.files.len(),
        into.display(),
        left_out,
        errors
    );
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `path` itself, or the YAML files under it, sorted.
fn yaml_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
        let p = entry?.path();
        if p.is_dir() {
            out.extend(yaml_files(&p)?);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

pub async fn export(to: ExportTo, out: Option<&Path>, db: &Db) -> Result<ExitCode> {
    let ExportTo::Openslo = to;
    let org = db.baton().await?.org().await?;
    let text = baton_config::export::openslo(&org);
    match out {
        Some(path) => {
            let tmp = path.with_extension("baton-export.tmp");
            std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} SLOs to {}", org.slos.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

//! `baton validate` and `baton apply`.

use crate::cli::Db;
use anyhow::Result;
use baton_app::{ApplyReport, Baton};
use baton_config::Loaded;
use baton_core::{ChangeKind, Org};
use std::path::Path;
use std::process::ExitCode;

/// Loads the repo, printing every diagnostic; the organisation only if there were no errors.
pub fn load_or_report(dir: &Path) -> (Option<Org>, Loaded) {
    let mut loaded = baton_config::load(dir);
    for d in &loaded.diagnostics {
        println!("{d}");
    }
    (loaded.org.take(), loaded)
}

pub fn validate(dir: &Path) -> ExitCode {
    let (org, loaded) = load_or_report(dir);
    let errors = loaded.errors().count();
    let warnings = loaded.diagnostics.len() - errors;
    match org {
        Some(org) => {
            println!(
                "ok: {} files, {} teams, {} people, {} services, {} checklist items, {} SLOs, {} rotations ({warnings} warnings)",
                loaded.files,
                org.teams.len(),
                org.people.len(),
                org.services.len(),
                org.checklist.len(),
                org.slos.len(),
                org.rotations.len()
            );
            ExitCode::SUCCESS
        }
        None => {
            println!("{errors} errors, {warnings} warnings in {} files: nothing was applied", loaded.files);
            ExitCode::FAILURE
        }
    }
}

/// Past this many changes, `apply` prints counts per kind instead of every line.
const LIST_AT_MOST: usize = 100;

pub fn print_report(report: &ApplyReport, dry_run: bool) {
    let sign = |kind| match kind {
        ChangeKind::Added => '+',
        ChangeKind::Changed => '~',
        ChangeKind::Removed => '-',
    };
    if report.changes.len() <= LIST_AT_MOST {
        for c in &report.changes {
            println!("{} {}", sign(c.kind), c.definition.key());
        }
    } else {
        let mut counts: std::collections::BTreeMap<(&str, char), usize> = Default::default();
        for c in &report.changes {
            *counts.entry((c.definition.kind(), sign(c.kind))).or_default() += 1;
        }
        for ((kind, sign), n) in counts {
            println!("{sign} {n} {kind} definitions");
        }
    }
    for w in &report.warnings {
        println!("warning: {w}");
    }
    for line in &report.rerouted {
        println!("{line}");
    }
    let counts = format!(
        "{} added, {} changed, {} removed",
        report.count(ChangeKind::Added),
        report.count(ChangeKind::Changed),
        report.count(ChangeKind::Removed)
    );
    if report.changes.is_empty() {
        println!("no changes: the store already matches (revision {})", report.revision);
    } else if dry_run {
        println!("dry run: would apply {counts}; nothing was changed");
    } else {
        println!("applied: {counts} (revision {})", report.revision);
    }
}

pub async fn apply(dir: &Path, dry_run: bool, actor: Option<String>, db: Db) -> Result<ExitCode> {
    let (Some(org), _) = load_or_report(dir) else {
        println!("nothing was applied");
        return Ok(ExitCode::FAILURE);
    };
    let store = crate::db::open(db.db.as_deref()).await?;
    let baton = Baton::with_defaults(store);
    let report = if dry_run {
        baton.plan(&org).await?
    } else {
        baton.apply(&org, &actor.unwrap_or_else(super::cli_actor)).await?
    };
    print_report(&report, dry_run);
    Ok(ExitCode::SUCCESS)
}

//! `baton validate` and `baton apply`.

use crate::cli::Db;
use anyhow::Result;
use baton_app::ApplyReport;
use baton_config::Loaded;
use baton_core::{ChangeKind, Org};
use std::path::Path;
use std::process::ExitCode;

/// Loads the repo, every diagnostic on stderr (the command's output is something else);
/// the organisation only if there were no errors.
pub fn load_or_report(dir: &Path) -> (Option<Org>, Loaded) {
    let mut loaded = baton_config::load(dir);
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    (loaded.org.take(), loaded)
}

/// `baton validate`: the problems are what it reports, so they go to stdout, the summary last.
pub fn validate(dir: &Path) -> ExitCode {
    let mut loaded = baton_config::load(dir);
    for d in &loaded.diagnostics {
        println!("{d}");
    }
    let org = loaded.org.take();
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

/// What an apply changed (or, dry, would change): each change, or counts per kind past
/// [`LIST_AT_MOST`], the alerts it moves, and the outcome; on stdout for `apply`, on stderr
/// (`progress`) where applying is a step before the command's own output. Warnings always
/// go to stderr.
pub fn print_report(report: &ApplyReport, dry_run: bool, progress: bool) {
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for line in report_lines(report, dry_run) {
        if progress {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

fn report_lines(report: &ApplyReport, dry_run: bool) -> Vec<String> {
    let sign = |kind| match kind {
        ChangeKind::Added => '+',
        ChangeKind::Changed => '~',
        ChangeKind::Removed => '-',
    };
    let mut lines = Vec::new();
    if report.changes.len() <= LIST_AT_MOST {
        lines.extend(report.changes.iter().map(|c| format!("{} {}", sign(c.kind), c.definition.key())));
    } else {
        let mut counts: std::collections::BTreeMap<(&str, char), usize> = Default::default();
        for c in &report.changes {
            *counts.entry((c.definition.kind(), sign(c.kind))).or_default() += 1;
        }
        lines.extend(counts.into_iter().map(|((kind, sign), n)| format!("{sign} {n} {kind} definitions")));
    }
    lines.extend(report.rerouted.iter().cloned());
    let counts = format!(
        "{} added, {} changed, {} removed",
        report.count(ChangeKind::Added),
        report.count(ChangeKind::Changed),
        report.count(ChangeKind::Removed)
    );
    lines.push(if report.changes.is_empty() {
        format!("no changes: the store already matches (revision {})", report.revision)
    } else if dry_run {
        format!("dry run: would apply {counts}; nothing was changed")
    } else {
        format!("applied: {counts} (revision {})", report.revision)
    });
    lines
}

pub async fn apply(dir: &Path, dry_run: bool, actor: Option<String>, db: &Db) -> Result<ExitCode> {
    let (Some(org), _) = load_or_report(dir) else {
        eprintln!("nothing was applied");
        return Ok(ExitCode::FAILURE);
    };
    let baton = db.baton().await?;
    let report = if dry_run {
        baton.plan(&org).await?
    } else {
        baton.apply(&org, &actor.unwrap_or_else(super::cli_actor)).await?
    };
    print_report(&report, dry_run, false);
    Ok(ExitCode::SUCCESS)
}

//! `baton slo backtest SLO|DIR`: what the alerting engine would have done, for one SLO as
//! applied, or for every SLO of a definition repo beside the applied definitions.

use super::slo::instant;
use crate::cli::{Db, Output};
use crate::output::{print, table};
use anyhow::{bail, Result};
use baton_app::{BacktestChange, BacktestComparison, SloBacktest};
use baton_core::slo::BacktestAlert;
use baton_core::SloId;
use std::path::Path;
use std::process::ExitCode;

pub async fn run(target: &str, from: Option<String>, to: Option<String>, output: Output, db: &Db) -> Result<ExitCode> {
    let from = from.map(|f| instant("from", &f)).transpose()?;
    let to = to.map(|t| instant("to", &t)).transpose()?;
    let dir = Path::new(target);
    if dir.is_dir() {
        // As `baton validate` loads it, every problem said (on stderr, so the output stays
        // one document), nothing replayed on errors.
        let (Some(org), _) = super::definitions::load_or_report(dir) else {
            bail!("the definition repo {} has errors: nothing was backtested", dir.display())
        };
        let compared = db.baton().await?.backtest_compare(&org, from, to).await?;
        print(output, &compared, |c| print_comparison(c))?;
        return Ok(ExitCode::SUCCESS);
    }
    let id = SloId::parse(target)
        .map_err(|e| anyhow::anyhow!("`{target}` is neither a directory (a definition repo) nor an SLO id: {e}"))?;
    let b = db.baton().await?.backtest_slo(&id, from, to).await?;
    print(output, &b, |b| {
        let (from, to) = (minute(b.backtest.from), minute(b.backtest.to));
        println!("{} ({}) from {from} to {to}: {}", b.backtest.slo, b.service, b.summary);
        print_details(b, "");
    })?;
    Ok(ExitCode::SUCCESS)
}

fn minute(t: baton_core::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

fn duration(minutes: i64) -> String {
    match (minutes / 1440, minutes % 1440 / 60, minutes % 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, m) => format!("{d}d{h:02}h{m:02}m"),
    }
}

fn rate(r: f64) -> String {
    let s = format!("{r:.2}");
    format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
}

fn row(a: &BacktestAlert) -> Vec<String> {
    vec![
        a.severity.to_string(),
        a.tier.clone(),
        if a.firing_at_start { format!("{} (firing at start)", minute(a.opened)) } else { minute(a.opened) },
        a.resolved.map_or_else(|| "open at the end".into(), minute),
        a.burn_began.map_or_else(|| "-".into(), minute),
        a.detection_minutes.map_or_else(|| "-".into(), duration),
        format!("{} / {}", rate(a.burn_rate_long), rate(a.burn_rate_short)),
        a.budget_spent.map_or_else(|| "-".into(), |s| format!("{:.2}%", s * 100.0)),
    ]
}

/// The alerts, never-firing tiers and budget figures under a summary line.
fn print_details(b: &SloBacktest, indent: &str) {
    let t = &b.backtest;
    if !t.alerts.is_empty() {
        let mut header = [
            "SEVERITY",
            "TIER",
            "OPENED",
            "RESOLVED",
            "BURN BEGAN",
            "DETECTED AFTER",
            "BURN LONG/SHORT",
            "BUDGET SPENT",
        ]
        .map(String::from);
        header[0] = format!("{indent}{}", header[0]);
        let rows: Vec<Vec<String>> = t
            .alerts
            .iter()
            .map(|a| {
                let mut r = row(a);
                r[0] = format!("{indent}{}", r[0]);
                r
            })
            .collect();
        table(&header.each_ref().map(String::as_str), &rows);
    }
    if let Some(spent) = t.budget_spent_before_first_page {
        println!("{indent}budget spent before the first page: {:.2}%", spent * 100.0);
    }
    if t.has_data() {
        println!("{indent}budget spent in the range: {:.2}%", t.budget_spent * 100.0);
    }
    for n in &t.never_firing {
        println!("{indent}never fires: {n}");
    }
}

fn brief(b: Option<&SloBacktest>) -> String {
    let Some(b) = b else { return "-".into() };
    let t = &b.backtest;
    if !t.has_data() {
        return "no data".into();
    }
    let (pages, tickets) = (t.pages().count(), t.tickets().count());
    let plural = |n: usize, what: &str| if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") };
    let mut s = format!("{}, {}", plural(pages, "page"), plural(tickets, "ticket"));
    if let Some(d) = t.pages().find_map(|a| a.detection_minutes) {
        s.push_str(&format!(" (first page {} after the burn began)", duration(d)));
    }
    if !t.never_firing.is_empty() {
        s.push_str(&format!("; {} never fire", plural(t.never_firing.len(), "tier")));
    }
    s
}

fn change(c: BacktestChange) -> &'static str {
    match c {
        BacktestChange::Added => "added",
        BacktestChange::Changed => "changed",
        BacktestChange::Removed => "removed",
        BacktestChange::Unchanged => "unchanged",
    }
}

/// Side by side, then what each new, changed or removed SLO would have sent.
fn print_comparison(compared: &[BacktestComparison]) {
    let Some(first) = compared.iter().find_map(|c| c.applied.as_ref().or(c.proposed.as_ref())) else {
        println!("no SLOs applied or proposed: nothing to backtest");
        return;
    };
    println!("backtest from {} to {}", minute(first.backtest.from), minute(first.backtest.to));
    let rows: Vec<Vec<String>> = compared
        .iter()
        .map(|c| {
            vec![c.slo.to_string(), change(c.change).into(), brief(c.applied.as_ref()), brief(c.proposed.as_ref())]
        })
        .collect();
    table(&["SLO", "CHANGE", "APPLIED", "PROPOSED"], &rows);
    for c in compared.iter().filter(|c| c.change != BacktestChange::Unchanged) {
        println!();
        println!("{} ({}):", c.slo, change(c.change));
        for (side, b) in [("applied", &c.applied), ("proposed", &c.proposed)] {
            match b {
                Some(b) => {
                    println!("  {side}: {}", b.summary);
                    print_details(b, "    ");
                }
                None => println!("  {side}: -"),
            }
        }
    }
}

//! `baton slo report|corrections|correction|compliance|backfill|backtest|rules`.

use crate::cli::{CorrectionCommand, Output, Repeat, SloCommand, TableJsonCsv};
use crate::output::{csv, json, table};
use anyhow::{anyhow, bail, Context, Result};
use baton_app::{Baton, CorrectionIn, DataStatus, SampleIn, SloCorrection, SloReport};
use baton_core::slo::{Exhaustion, Measured, Recurrence};
use baton_core::{PersonId, ServiceId, SloId, Timestamp};
use baton_sources::{rules_for_slo, NoRules, RuleFile};
use std::process::ExitCode;

fn pct(m: Measured<f64>) -> String {
    match m {
        Measured::Value(v) => format!("{:.3}%", v * 100.0),
        Measured::NoData => "no data".into(),
    }
}

fn exhaustion(e: &Exhaustion) -> String {
    match e {
        Exhaustion::At { at, .. } => format!("runs out {}", at.strftime("%Y-%m-%d %H:%M")),
        Exhaustion::NotBurning { .. } => "not burning".into(),
        Exhaustion::OutlastsWindow { window_end, .. } => {
            format!("lasts until the window ends on {}", window_end.strftime("%Y-%m-%d %H:%M"))
        }
        Exhaustion::AlreadyExhausted => "exhausted".into(),
        Exhaustion::NoData { .. } => "no data".into(),
    }
}

fn row(r: &SloReport) -> Vec<String> {
    let budget = r.budget.map(|b| b.remaining);
    let firing: Vec<_> = r.tiers.iter().filter(|t| t.fires()).map(|t| t.tier.name()).collect();
    let data = if matches!(r.data, DataStatus::Unavailable { .. }) { " *" } else { "" };
    vec![
        r.slo.id.to_string(),
        r.slo.service.to_string(),
        r.slo.objective.percent(),
        format!("{}{data}", pct(r.attainment)),
        pct(budget),
        if firing.is_empty() { "-".into() } else { firing.join(", ") },
        exhaustion(&r.exhaustion),
        // What the figures stand on: "175 of 40320 min".
        format!("{} of {} min", r.coverage.minutes_with_data, r.coverage.window_minutes),
    ]
}

pub async fn run(cmd: SloCommand) -> Result<ExitCode> {
    match cmd {
        SloCommand::Report { service, at, output, db } => {
            let service = service.map(|s| ServiceId::parse(&s)).transpose()?;
            let at: Option<Timestamp> =
                at.map(|a| a.parse().map_err(|e| anyhow!("--at `{a}` is not an RFC 3339 instant: {e}"))).transpose()?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let reports = baton.slo_reports(service.as_ref(), at).await?;
            if output == Output::Json {
                json(&reports)?;
            } else {
                let rows: Vec<_> = reports.iter().map(row).collect();
                let header =
                    ["SLO", "SERVICE", "OBJECTIVE", "ATTAINMENT", "BUDGET LEFT", "FIRING", "EXHAUSTION", "DATA"];
                table(&header, &rows);
                for r in &reports {
                    if let DataStatus::Unavailable { reason } = &r.data {
                        println!("* {}: no data: {reason}", r.slo.id);
                    }
                }
            }
        }
        SloCommand::Corrections { slo, output, db } => {
            let slo = SloId::parse(&slo)?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let list = baton.slo_corrections(&slo).await?;
            if output == Output::Json {
                json(&list)?;
            } else {
                let rows: Vec<_> = list
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.to_string(),
                            c.start.to_string(),
                            c.end.to_string(),
                            match c.until {
                                Some(u) => format!("{} until {u}", c.recurrence),
                                None => c.recurrence.to_string(),
                            },
                            c.author.to_string(),
                            c.reason.clone(),
                        ]
                    })
                    .collect();
                table(&["ID", "START", "END", "REPEATS", "AUTHOR", "REASON"], &rows);
            }
        }
        SloCommand::Correction(cmd) => return correction(cmd).await,
        SloCommand::Compliance { service, months, output, db } => {
            let service = service.map(|s| ServiceId::parse(&s)).transpose()?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let history = baton.slo_compliance(service.as_ref(), None, months).await?;
            if output == TableJsonCsv::Json {
                json(&history)?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut rows = Vec::new();
            for slo in &history {
                for m in &slo.months {
                    let met = match m.met {
                        Measured::Value(true) => "yes",
                        Measured::Value(false) => "no",
                        Measured::NoData => "no data",
                    };
                    let (attainment, data) = match (&m.data, output) {
                        (DataStatus::Unavailable { reason }, _) => ("no data".to_owned(), reason.clone()),
                        (DataStatus::NoData { .. }, _) => ("no data".to_owned(), "no-data".into()),
                        (DataStatus::Ok { .. }, TableJsonCsv::Csv) => {
                            (m.attainment.map(|a| a.to_string()).value().unwrap_or_default(), "ok".into())
                        }
                        (DataStatus::Ok { .. }, _) => (pct(m.attainment), "ok".into()),
                    };
                    rows.push(vec![
                        slo.slo.to_string(),
                        slo.service.to_string(),
                        if output == TableJsonCsv::Csv {
                            slo.objective.as_f64().to_string()
                        } else {
                            slo.objective.percent()
                        },
                        m.month.clone(),
                        attainment,
                        met.to_owned(),
                        if m.complete { "yes" } else { "in progress" }.to_owned(),
                        m.corrected_minutes.to_string(),
                        data,
                    ]);
                }
            }
            if output == TableJsonCsv::Csv {
                let header = [
                    "slo",
                    "service",
                    "objective",
                    "month",
                    "attainment",
                    "met",
                    "complete",
                    "corrected_minutes",
                    "data",
                ];
                csv(&header, &rows);
            } else {
                let header =
                    ["SLO", "SERVICE", "OBJECTIVE", "MONTH", "ATTAINMENT", "MET", "COMPLETE", "CORRECTED MIN", "DATA"];
                table(&header, &rows);
            }
        }
        SloCommand::Backfill { slo, file, actor, batch, db } => {
            let slo = SloId::parse(&slo)?;
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let (samples, mut rejected) = parse_samples(&text, &file)?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let total = samples.len();
            let (mut accepted, mut buckets, mut done) = (0, 0, 0);
            for chunk in samples.chunks(batch.clamp(1, baton_app::MAX_SAMPLES)) {
                let batch: Vec<SampleIn> = chunk.iter().map(|(_, s)| s.clone()).collect();
                let report = baton.ingest_samples(&slo, &actor, &batch).await?;
                accepted += report.accepted;
                buckets += report.buckets;
                rejected.extend(report.rejected.into_iter().map(|r| (chunk[r.index].0, r.reason)));
                done += chunk.len();
                eprintln!("backfill {slo}: {}% ({done}/{total} samples)", done * 100 / total.max(1));
            }
            rejected.sort();
            println!(
                "{accepted} samples stored in {buckets} minute buckets of {slo}; {} lines rejected",
                rejected.len()
            );
            for (line, reason) in &rejected {
                println!("{}:{line}: {reason}", file.display());
            }
            if !rejected.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        SloCommand::Backtest { target, from, to, output, db } => {
            return super::slo_backtest::run(&target, from, to, output, db).await;
        }
        SloCommand::Rules { dir, out } => {
            let (Some(org), _) = super::definitions::load_or_report(&dir) else {
                bail!("the definition repo {} has errors", dir.display())
            };
            let mut groups = Vec::new();
            for slo in org.slos.values() {
                match rules_for_slo(slo) {
                    Ok(group) => groups.push(group),
                    Err(NoRules::Tiers(e)) => bail!("SLO {}: {e}", slo.id),
                    // Said, not skipped silently: a person reading an empty file should know why.
                    Err(why) => eprintln!("left out {}: {why}", slo.id),
                }
            }
            if groups.is_empty() {
                eprintln!("no SLO of {} reads its SLI from Prometheus: the rule file has no groups", dir.display());
            }
            let yaml = RuleFile::new(groups).to_yaml();
            match out {
                Some(path) => std::fs::write(&path, yaml).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{yaml}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn instant(flag: &str, value: &str) -> Result<Timestamp> {
    value.parse().map_err(|e| anyhow!("--{flag} `{value}` is not an RFC 3339 instant: {e}"))
}

fn print_correction(verb: &str, c: &SloCorrection) {
    let repeats = match c.until {
        Some(u) => format!("{} until {u}", c.recurrence),
        None => c.recurrence.to_string(),
    };
    println!("{verb} correction {} of {}: {} to {} ({repeats}): {}", c.id, c.slo, c.start, c.end, c.reason);
}

/// `baton slo correction create|cancel`: `Baton::add_correction` and
/// `Baton::cancel_correction`, the use cases behind the API's routes.
async fn correction(cmd: CorrectionCommand) -> Result<ExitCode> {
    match cmd {
        CorrectionCommand::Create { slo, start, end, reason, repeat, until, actor, db } => {
            let slo = SloId::parse(&slo)?;
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let input = CorrectionIn {
                start: instant("start", &start)?,
                end: instant("end", &end)?,
                recurrence: match repeat {
                    None => Recurrence::Once,
                    Some(Repeat::Daily) => Recurrence::Daily,
                    Some(Repeat::Weekly) => Recurrence::Weekly,
                },
                until: until.map(|u| instant("until", &u)).transpose()?,
                reason,
            };
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            print_correction("declared", &baton.add_correction(&slo, &actor, input).await?);
        }
        CorrectionCommand::Cancel { slo, id, reason, actor, db } => {
            let slo = SloId::parse(&slo)?;
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let cancelled = baton.cancel_correction(&slo, id, &actor, &reason).await?;
            print_correction("cancelled", &cancelled);
            if let Some(c) = &cancelled.cancelled {
                println!("it corrects nothing from {} on", c.at);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Samples from a backfill file with their line numbers, and the lines that are not
/// samples with why. CSV needs the header `at,good,total` (in any order); a file whose first
/// line starts with `{` is read as JSON lines. Blank lines are skipped.
#[allow(clippy::type_complexity)]
fn parse_samples(text: &str, file: &std::path::Path) -> Result<(Vec<(usize, SampleIn)>, Vec<(usize, String)>)> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty());
    let (mut samples, mut rejected) = (Vec::new(), Vec::new());
    let Some((first_no, first)) = lines.next() else { return Ok((samples, rejected)) };
    if first.starts_with('{') {
        for (no, line) in std::iter::once((first_no, first)).chain(lines) {
            match serde_json::from_str::<SampleIn>(line).map_err(|e| format!("not a sample: {e}")).and_then(on_a_minute)
            {
                Ok(s) => samples.push((no, s)),
                Err(reason) => rejected.push((no, reason)),
            }
        }
        return Ok((samples, rejected));
    }
    let header: Vec<String> = split_csv(first).into_iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(at), Some(good), Some(total)) = (col("at"), col("good"), col("total")) else {
        bail!(
            "{}:{first_no}: the first line must be the CSV header `at,good,total` (or the file JSON lines), not `{first}`",
            file.display()
        )
    };
    for (no, line) in lines {
        let cells = split_csv(line);
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
        let parsed = (|| -> Result<SampleIn, String> {
            let at: Timestamp =
                cell(at).parse().map_err(|e| format!("`at` is `{}`, not an RFC 3339 instant: {e}", cell(at)))?;
            let count = |name: &str, i: usize| -> Result<i64, String> {
                cell(i).parse().map_err(|_| format!("`{name}` is `{}`, not a whole number", cell(i)))
            };
            on_a_minute(SampleIn { at, good: count("good", good)?, total: count("total", total)? })
        })();
        match parsed {
            Ok(s) => samples.push((no, s)),
            Err(reason) => rejected.push((no, reason)),
        }
    }
    Ok((samples, rejected))
}

/// A backfill line counts one minute, so it must be at the minute's start: `09:00:30`
/// is refused rather than filed under `09:00` without a word (and a minute sent again in
/// a later batch replaces its counts, so two lines of one minute would not add up).
fn on_a_minute(s: SampleIn) -> Result<SampleIn, String> {
    let minute = baton_core::slo::start_of_minute(s.at);
    if minute == s.at {
        return Ok(s);
    }
    Err(format!(
        "`at` is {}, not on a whole minute: each line counts one minute, so give its start, like {minute}",
        s.at
    ))
}

/// The fields of one CSV record (RFC 4180 quoting; records do not span lines here).
fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

//! `baton slo report|corrections|correction|compliance|backfill|backtest|rules`.

use crate::cli::{CorrectionCommand, Db, Output, Repeat, SloCommand, TableJsonCsv};
use crate::output::{csv, json, print, table};
use anyhow::{anyhow, bail, Context, Result};
use baton_app::{CorrectionIn, DataStatus, MonthCompliance, SampleIn, SloCompliance, SloCorrection, SloReport};
use baton_core::slo::{Exhaustion, Measured, Recurrence};
use baton_core::{PersonId, ServiceId, SloId, Timestamp};
use baton_sources::{rules_for_slo, NoRules, RuleFile};
use std::path::Path;
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

pub async fn run(cmd: SloCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        SloCommand::Report { service, at, output } => report(service, at, output, db).await?,
        SloCommand::Corrections { slo, output } => {
            let list = db.baton().await?.slo_corrections(&SloId::parse(&slo)?).await?;
            print(output, &list, |list| {
                let rows: Vec<_> = list.iter().map(correction_row).collect();
                table(&["ID", "START", "END", "REPEATS", "AUTHOR", "REASON"], &rows);
            })?;
        }
        SloCommand::Correction(cmd) => correction(cmd, db).await?,
        SloCommand::Compliance { service, months, output } => compliance(service, months, output, db).await?,
        SloCommand::Backfill { slo, file, actor, batch } => return backfill(&slo, &file, &actor, batch, db).await,
        SloCommand::Backtest { target, from, to, output } => {
            return super::slo_backtest::run(&target, from, to, output, db).await;
        }
        SloCommand::Rules { dir, out } => rules(&dir, out.as_deref())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `slo report`: each SLO's attainment, budget, burn and exhaustion; footnotes for the
/// SLOs whose data could not be read.
async fn report(service: Option<String>, at: Option<String>, output: Output, db: &Db) -> Result<()> {
    let service = service.map(|s| ServiceId::parse(&s)).transpose()?;
    let at: Option<Timestamp> =
        at.map(|a| a.parse().map_err(|e| anyhow!("--at `{a}` is not an RFC 3339 instant: {e}"))).transpose()?;
    let reports = db.baton().await?.slo_reports(service.as_ref(), at).await?;
    print(output, &reports, |reports| {
        let rows: Vec<_> = reports.iter().map(row).collect();
        let header = ["SLO", "SERVICE", "OBJECTIVE", "ATTAINMENT", "BUDGET LEFT", "FIRING", "EXHAUSTION", "DATA"];
        table(&header, &rows);
        for r in reports {
            if let DataStatus::Unavailable { reason } = &r.data {
                println!("* {}: no data: {reason}", r.slo.id);
            }
        }
    })
}

fn correction_row(c: &SloCorrection) -> Vec<String> {
    vec![c.id.to_string(), c.start.to_string(), c.end.to_string(), repeats(c), c.author.to_string(), c.reason.clone()]
}

fn repeats(c: &SloCorrection) -> String {
    match c.until {
        Some(u) => format!("{} until {u}", c.recurrence),
        None => c.recurrence.to_string(),
    }
}

/// `slo compliance`: attainment per calendar month, as a table, JSON or CSV (raw numbers).
async fn compliance(service: Option<String>, months: u32, output: TableJsonCsv, db: &Db) -> Result<()> {
    let service = service.map(|s| ServiceId::parse(&s)).transpose()?;
    let history = db.baton().await?.slo_compliance(service.as_ref(), None, months).await?;
    if output == TableJsonCsv::Json {
        return json(&history);
    }
    let csv_out = output == TableJsonCsv::Csv;
    let rows: Vec<Vec<String>> =
        history.iter().flat_map(|slo| slo.months.iter().map(move |m| month_row(slo, m, csv_out))).collect();
    if csv_out {
        let header =
            ["slo", "service", "objective", "month", "attainment", "met", "complete", "corrected_minutes", "data"];
        csv(&header, &rows);
    } else {
        let header = ["SLO", "SERVICE", "OBJECTIVE", "MONTH", "ATTAINMENT", "MET", "COMPLETE", "CORRECTED MIN", "DATA"];
        table(&header, &rows);
    }
    Ok(())
}

/// One month of one SLO; `raw` (CSV) gives fractions where people read percentages.
fn month_row(slo: &SloCompliance, m: &MonthCompliance, raw: bool) -> Vec<String> {
    let met = match m.met {
        Measured::Value(true) => "yes",
        Measured::Value(false) => "no",
        Measured::NoData => "no data",
    };
    let (attainment, data) = match &m.data {
        DataStatus::Unavailable { reason } => ("no data".to_owned(), reason.clone()),
        DataStatus::NoData { .. } => ("no data".to_owned(), "no-data".into()),
        DataStatus::Ok { .. } if raw => (m.attainment.map(|a| a.to_string()).value().unwrap_or_default(), "ok".into()),
        DataStatus::Ok { .. } => (pct(m.attainment), "ok".into()),
    };
    vec![
        slo.slo.to_string(),
        slo.service.to_string(),
        if raw { slo.objective.as_f64().to_string() } else { slo.objective.percent() },
        m.month.clone(),
        attainment,
        met.to_owned(),
        if m.complete { "yes" } else { "in progress" }.to_owned(),
        m.corrected_minutes.to_string(),
        data,
    ]
}

/// `slo backfill`: the file's samples in batches, progress on stderr; the outcome and each
/// rejected line (with its number) on stdout. Fails if any line was rejected.
async fn backfill(slo: &str, file: &Path, actor: &str, batch: usize, db: &Db) -> Result<ExitCode> {
    let slo = SloId::parse(slo)?;
    let actor = PersonId::parse(actor).map_err(|e| anyhow!("--as: {e}"))?;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let (samples, mut rejected) = parse_samples(&text, file)?;
    let baton = db.baton().await?;
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
    println!("{accepted} samples stored in {buckets} minute buckets of {slo}; {} lines rejected", rejected.len());
    for (line, reason) in &rejected {
        println!("{}:{line}: {reason}", file.display());
    }
    Ok(if rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `slo rules`: the Prometheus rule file on stdout (or `--out`); what was left out, and why,
/// on stderr with the definition repo's diagnostics, so the file stays valid YAML.
fn rules(dir: &Path, out: Option<&Path>) -> Result<()> {
    let (Some(org), _) = super::definitions::load_or_report(dir) else {
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
        Some(path) => std::fs::write(path, yaml).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{yaml}"),
    }
    Ok(())
}

pub(super) fn instant(flag: &str, value: &str) -> Result<Timestamp> {
    value.parse().map_err(|e| anyhow!("--{flag} `{value}` is not an RFC 3339 instant: {e}"))
}

fn print_correction(verb: &str, c: &SloCorrection) {
    println!("{verb} correction {} of {}: {} to {} ({}): {}", c.id, c.slo, c.start, c.end, repeats(c), c.reason);
}

/// `baton slo correction create|cancel`: `Baton::add_correction` and
/// `Baton::cancel_correction`, the use cases behind the API's routes.
async fn correction(cmd: CorrectionCommand, db: &Db) -> Result<()> {
    match cmd {
        CorrectionCommand::Create { slo, start, end, reason, repeat, until, actor, output } => {
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
            let declared = db.baton().await?.add_correction(&slo, &actor, input).await?;
            print(output, &declared, |c| print_correction("declared", c))
        }
        CorrectionCommand::Cancel { slo, id, reason, actor, output } => {
            let slo = SloId::parse(&slo)?;
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let cancelled = db.baton().await?.cancel_correction(&slo, id, &actor, &reason).await?;
            print(output, &cancelled, |c| {
                print_correction("cancelled", c);
                if let Some(c) = &c.cancelled {
                    println!("it corrects nothing from {} on", c.at);
                }
            })
        }
    }
}

/// Samples from a backfill file with their line numbers, and the lines that are not
/// samples with why. CSV needs the header `at,good,total` (in any order); a file whose first
/// line starts with `{` is read as JSON lines. Blank lines are skipped.
#[allow(clippy::type_complexity)]
fn parse_samples(text: &str, file: &Path) -> Result<(Vec<(usize, SampleIn)>, Vec<(usize, String)>)> {
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

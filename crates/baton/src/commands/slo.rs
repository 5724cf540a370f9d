//! `baton slo report|rules`.

use crate::cli::{Output, SloCommand};
use crate::output::{json, table};
use anyhow::{anyhow, bail, Context, Result};
use baton_app::{Baton, DataStatus, SloReport};
use baton_core::slo::{Exhaustion, Indicator, Measured};
use baton_core::{ServiceId, Timestamp};
use baton_sources::{slo_rule_group, PrometheusRatio, RatioSloRules, RuleFile};
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
                table(&["SLO", "SERVICE", "OBJECTIVE", "ATTAINMENT", "BUDGET LEFT", "FIRING", "EXHAUSTION"], &rows);
                for r in &reports {
                    if let DataStatus::Unavailable { reason } = &r.data {
                        println!("* {}: no data: {reason}", r.slo.id);
                    }
                }
            }
        }
        SloCommand::Rules { dir, out } => {
            let (Some(org), _) = super::definitions::load_or_report(&dir) else {
                bail!("the definition repo {} has errors", dir.display())
            };
            let mut groups = Vec::new();
            for slo in org.slos.values() {
                let Indicator::PrometheusRatio { good, total, counts_bad, .. } = &slo.indicator else { continue };
                if *counts_bad {
                    eprintln!("skipping {}: rules for bad/total SLIs are not generated yet", slo.id);
                    continue;
                }
                let tiers = slo.alert_tiers().map_err(|e| anyhow!("SLO {}: {e}", slo.id))?;
                let sli = PrometheusRatio::new(good.clone(), total.clone());
                let slo_window = slo.window.nominal_length();
                groups.push(slo_rule_group(&RatioSloRules {
                    slo: &slo.id,
                    service: &slo.service,
                    sli: &sli,
                    objective: slo.objective,
                    slo_window,
                    tiers: &tiers,
                }));
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

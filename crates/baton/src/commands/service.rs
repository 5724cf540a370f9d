//! `baton service list|show|history`.

use crate::cli::{Db, Output, ServiceCommand};
use crate::output::{print, table};
use anyhow::{anyhow, Result};
use baton_app::ServiceView;
use baton_core::pipeline::{ItemState, SoakTest, Stage};
use baton_core::ServiceId;
use std::process::ExitCode;

/// In UTC, named, as the other commands spell times (`2026-03-02 09:00 UTC`).
fn when(t: baton_core::Timestamp) -> String {
    baton_core::local_time::local(t, &jiff::tz::TimeZone::UTC)
}

pub async fn run(cmd: ServiceCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        ServiceCommand::List { stage, output } => list(stage, output, db).await?,
        ServiceCommand::Show { id, output } => {
            let id = ServiceId::parse(&id)?;
            let v = db.baton().await?.service(&id).await?;
            print(output, &v, print_service)?;
        }
        ServiceCommand::History { id, limit, output } => history(&id, limit, output, db).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `service list`: every service (of `stage`) and what it waits for.
async fn list(stage: Option<String>, output: Output, db: &Db) -> Result<()> {
    let stage = stage
        .map(|s| {
            Stage::parse(&s).ok_or_else(|| {
                anyhow!("`{s}` is not a stage; use one of {}", Stage::ALL.map(|s| s.as_str()).join(", "))
            })
        })
        .transpose()?;
    let mut services = db.baton().await?.services().await?;
    services.retain(|v| stage.is_none_or(|s| v.stage == s));
    print(output, &services, |services| {
        let rows: Vec<Vec<String>> = services.iter().map(service_row).collect();
        table(&["SERVICE", "STAGE", "OWNER", "SRE TEAM", "PRIORITY", "WAITING FOR"], &rows);
    })
}

fn service_row(v: &ServiceView) -> Vec<String> {
    vec![
        v.definition.id.to_string(),
        if v.assurance.is_reduced() { format!("{} (reduced assurance)", v.stage) } else { v.stage.to_string() },
        v.definition.owner_team.to_string(),
        v.record.sre_team().map_or("-".into(), |t| t.to_string()),
        v.record.priority().unwrap_or("-").to_owned(),
        v.blockers.first().map_or("-".into(), |b| {
            if v.blockers.len() > 1 {
                format!("{} (+{} more)", b.message, v.blockers.len() - 1)
            } else {
                b.message.clone()
            }
        }),
    ]
}

/// `service show`: the stage and who holds it, the soak test, what it waits for, the checklist.
fn print_service(v: &ServiceView) {
    println!("{} ({})", v.definition.name, v.definition.id);
    println!("  stage:     {} ({})", v.stage, v.phase);
    if let baton_core::gate::Assurance::Reduced { reason } = &v.assurance {
        println!("  REDUCED ASSURANCE: {reason}");
    }
    println!("  owner:     {}", v.definition.owner_team);
    println!("  SRE team:  {}", v.record.sre_team().map_or("-".into(), |t| t.to_string()));
    println!("  priority:  {}", v.record.priority().unwrap_or("-"));
    if let Some(p) = &v.record.production {
        println!("  in production since {}", when(p.since));
    }
    if let Some(via) = &v.viability {
        let verdict = match via {
            baton_core::Viability::Met { evidence } => format!("met: {evidence}"),
            baton_core::Viability::NotMet { reason } => format!("NOT MET: {reason}"),
            baton_core::Viability::Unknown { reason } => format!("not known yet: {reason}"),
        };
        println!("  SLO verdict: {verdict}");
    }
    if let Some(soak) = &v.record.soak {
        print_soak(soak);
    }
    println!("waiting for:");
    if v.blockers.is_empty() {
        println!("  nothing");
    }
    for b in &v.blockers {
        println!("  - {}", b.message);
    }
    println!("checklist:");
    for line in &v.checklist {
        let status = match &line.state {
            Some(ItemState::Done { signed, .. }) => format!("done by {} on {}", signed.by, when(signed.at)),
            Some(ItemState::Waived { expires_at, signed, .. }) => {
                format!("waived by {} until {}", signed.by, when(*expires_at))
            }
            None => "open".into(),
        };
        println!("  [{}] {:<30} {status}", if line.satisfied { "x" } else { " " }, line.item.id.as_str());
    }
}

fn print_soak(soak: &SoakTest) {
    let overridden = if soak.overridden.is_some() { " (overridden)" } else { "" };
    println!("  soak test: {} to {}: {}{overridden}", when(soak.started_at), when(soak.ended_at), soak.result.as_str());
    if let Some(verdict) = &soak.verdict {
        println!("    the SLOs: {}", verdict.text());
    }
    if let Some(o) = &soak.overridden {
        println!("    overridden by {} as {}: {}", soak.signed.by, o.result.as_str(), o.reason);
    }
}

/// `service history`: what the audit log holds about the service, newest first.
async fn history(id: &str, limit: i64, output: Output, db: &Db) -> Result<()> {
    let id = ServiceId::parse(id)?;
    let baton = db.baton().await?;
    baton.service(&id).await?;
    let records = baton.history(&format!("service/{id}"), limit).await?;
    print(output, &records, |records| {
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|r| {
                vec![
                    r.seq.to_string(),
                    when(r.at),
                    r.entry.actor.clone(),
                    r.entry.action.clone(),
                    r.entry.reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        table(&["#", "WHEN (UTC)", "WHO", "ACTION", "REASON"], &rows);
    })
}

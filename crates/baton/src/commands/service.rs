//! `baton service list|show|history`.

use crate::cli::{Output, ServiceCommand};
use crate::output::{json, table};
use anyhow::{anyhow, Result};
use baton_app::Baton;
use baton_core::pipeline::{ItemState, Stage};
use baton_core::ServiceId;
use std::process::ExitCode;

fn when(t: baton_core::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

pub async fn run(cmd: ServiceCommand) -> Result<ExitCode> {
    match cmd {
        ServiceCommand::List { stage, output, db } => {
            let stage = stage
                .map(|s| {
                    Stage::parse(&s).ok_or_else(|| {
                        anyhow!("`{s}` is not a stage; use one of {}", Stage::ALL.map(|s| s.as_str()).join(", "))
                    })
                })
                .transpose()?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let mut services = baton.services().await?;
            services.retain(|v| stage.is_none_or(|s| v.stage == s));
            if output == Output::Json {
                return json(&services).map(|_| ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = services
                .iter()
                .map(|v| {
                    vec![
                        v.definition.id.to_string(),
                        if v.assurance.is_reduced() {
                            format!("{} (reduced assurance)", v.stage)
                        } else {
                            v.stage.to_string()
                        },
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
                })
                .collect();
            table(&["SERVICE", "STAGE", "OWNER", "SRE TEAM", "PRIORITY", "WAITING FOR"], &rows);
        }
        ServiceCommand::Show { id, output, db } => {
            let id = ServiceId::parse(&id)?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let v = baton.service(&id).await?;
            if output == Output::Json {
                return json(&v).map(|_| ExitCode::SUCCESS);
            }
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
                println!("  SLO verdict: {}", serde_json::to_string(via)?);
            }
            if let Some(soak) = &v.record.soak {
                let overridden = if soak.overridden.is_some() { " (overridden)" } else { "" };
                println!(
                    "  soak test: {} to {}: {}{overridden}",
                    when(soak.started_at),
                    when(soak.ended_at),
                    soak.result.as_str()
                );
                if let Some(verdict) = &soak.verdict {
                    println!("    the SLOs: {}", verdict.text());
                }
                if let Some(o) = &soak.overridden {
                    println!("    overridden by {} as {}: {}", soak.signed.by, o.result.as_str(), o.reason);
                }
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
        ServiceCommand::History { id, limit, output, db } => {
            let id = ServiceId::parse(&id)?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            baton.service(&id).await?;
            let records = baton.history(&format!("service/{id}"), limit).await?;
            if output == Output::Json {
                return json(&records).map(|_| ExitCode::SUCCESS);
            }
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
        }
    }
    Ok(ExitCode::SUCCESS)
}

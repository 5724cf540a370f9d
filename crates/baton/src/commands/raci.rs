//! `baton raci SERVICE`: the service's SLO RACI chart, resolved to people.

use crate::cli::{Db, Output};
use crate::output::{json, table};
use anyhow::Result;
use baton_core::raci::Source;
use baton_core::ServiceId;
use std::process::ExitCode;

pub async fn run(service: &str, output: Output, db: &Db) -> Result<ExitCode> {
    let id = ServiceId::parse(service)?;
    let raci = db.baton().await?.raci(&id).await?;
    if output == Output::Json {
        return json(&raci).map(|_| ExitCode::SUCCESS);
    }
    println!("SLO RACI chart of {id} (R responsible, A accountable, C consulted, I informed)");
    println!();
    // One row per step and persona with a letter: who, by name, does what.
    let mut rows = Vec::new();
    for step in &raci.steps {
        for cell in &step.cells {
            let Some(p) = raci.persona(&cell.persona) else { continue };
            let who = if p.assignees.is_empty() {
                format!("nobody ({})", p.note.as_deref().unwrap_or("not mapped"))
            } else {
                p.assignees.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            };
            rows.push(vec![step.name.clone(), cell.letters.to_string(), p.persona.to_string(), who]);
        }
    }
    table(&["STEP", "RACI", "PERSONA", "WHO"], &rows);
    println!();
    println!("personas:");
    for p in &raci.personas {
        let how = match &p.source {
            Source::Service => "named by the service".to_owned(),
            Source::Default { rule } => format!("default: {rule}"),
            Source::Unmapped => "not mapped".to_owned(),
        };
        let people = if p.people.is_empty() {
            "nobody".to_owned()
        } else {
            p.people.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
        };
        println!("  {} ({}): {people} [{how}]", p.name, p.persona);
    }
    Ok(ExitCode::SUCCESS)
}

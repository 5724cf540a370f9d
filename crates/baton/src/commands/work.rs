//! `baton work --as PERSON`: what waits on a person, as the dashboard's "My work" shows it
//! (`Baton::my_work`), each with the command that does it where there is one. Times in
//! `--tz`, else the person's own zone, else UTC.

use crate::cli::{Db, Output, Times};
use crate::output::json;
use anyhow::{anyhow, Result};
use baton_core::local_time::local;
use baton_core::raci::RoadmapWaits;
use baton_core::PersonId;
use std::process::ExitCode;

pub async fn run(person: &str, output: Output, db: &Db, times: &Times) -> Result<ExitCode> {
    let person = PersonId::parse(person).map_err(|e| anyhow!("--as: {e}"))?;
    let baton = db.baton().await?;
    let org = baton.org().await?;
    let Some(who) = org.people.get(&person) else { return Err(anyhow!("--as: no person `{person}` is defined")) };
    let w = baton.my_work(&person).await?;
    if output == Output::Json {
        return json(&w).map(|_| ExitCode::SUCCESS);
    }
    let tz = times.tz.clone().or_else(|| who.time_zone()).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = |t| local(t, &tz);
    println!("What waits on {} ({person})", who.name);
    if w.is_empty() {
        println!("  nothing right now");
        return Ok(ExitCode::SUCCESS);
    }
    let heading = |title: &str, n: usize| {
        if n > 0 {
            println!("\n{title} ({n}):");
        }
    };
    heading("alerts you answer for", w.alerts.len());
    for a in &w.alerts {
        let (service, key) = (&a.alert.service, &a.alert.dedup_key);
        println!("  {service}/{key}  {}  opened {}  {}", a.alert.severity, at(a.alert.opened_at), a.alert.summary);
        println!("    baton alert ack {service} {key} --as {person}");
    }
    heading("handovers to acknowledge", w.handovers.len());
    for h in &w.handovers {
        println!("  {} from {}, shift change {}: {}", h.rotation, h.outgoing, at(h.shift_end), h.note);
        println!("    baton oncall ack {} {} --as {person}", h.rotation, h.id());
    }
    heading("swaps asked of you", w.swaps.len());
    for s in &w.swaps {
        let what = match &s.with_shift {
            Some(theirs) => format!("swap their {} for your {}", at(s.requester_shift.start), at(theirs.start)),
            None => format!("cover their {}", at(s.requester_shift.start)),
        };
        println!("  {} {}: {} asks you to {what}", s.rotation, s.id, s.requester);
        println!("    baton oncall swap accept {} {} --as {person}   (or decline)", s.rotation, s.id);
    }
    heading("gate votes you can give", w.votes.len());
    for v in &w.votes {
        let asked = v.request.requirements.join("; ");
        println!("  {} of {} for {}: {asked}", v.gate, v.service, v.request.on_behalf_of.join(", "));
    }
    heading("SLO roadmap", w.roadmap.len());
    for r in &w.roadmap {
        match r.why {
            RoadmapWaits::ToAgree => {
                println!(
                    "  {} #{}: {} (proposed by {}, owner {}, due {})",
                    r.service, r.number, r.change, r.proposed_by, r.owner, r.due
                );
                println!("    to agree: POST /api/v1/services/{}/roadmap/{}/agree", r.service, r.number);
            }
            RoadmapWaits::DueSoon => println!("  {} #{}: {} (yours, due {})", r.service, r.number, r.change, r.due),
        }
    }
    let steps: usize = w.services.iter().map(|s| s.steps.len()).sum();
    heading("pipeline steps that are yours", steps);
    for s in &w.services {
        for step in &s.steps {
            let ready = if step.unmet.is_empty() { "ready" } else { "not yet" };
            println!("  {} ({}): {} [{ready}]", s.service, s.stage.as_str(), step.what);
            for u in &step.unmet {
                println!("    - {}", u.message);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `baton oncall who|next|schedule`.

use crate::cli::{Db, OncallCommand};
use crate::output::{print, table};
use anyhow::{anyhow, Result};
use baton_app::{OnCallView, ShiftView};
use baton_core::oncall::{Layer, Reason, RotationId};
use baton_core::Timestamp;
use std::process::ExitCode;

/// `--at`: an RFC 3339 instant, or a date (that day's shift change).
async fn parse_at(baton: &baton_app::Baton, id: &RotationId, at: Option<String>) -> Result<Option<Timestamp>> {
    match at {
        Some(a) => Ok(Some(baton.rotation_moment(id, "--at", &a).await?)),
        None => Ok(None),
    }
}

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn print_view(v: &OnCallView, heading: &str) {
    let contact: Vec<&str> = [v.person.email.as_deref(), v.person.chat.as_deref()].into_iter().flatten().collect();
    println!("{heading} for {} ({}): {} ({})", v.rotation, v.rotation_name, v.person.name, v.person.id);
    if !contact.is_empty() {
        println!("  contact: {}", contact.join(", "));
    }
    println!("  shift:   {} to {}", v.start, v.end);
    println!("  why:     {}", v.because);
}

fn layer(l: Layer) -> &'static str {
    match l {
        Layer::Primary => "primary",
        Layer::Weekend => "weekend",
        Layer::Override => "override",
    }
}

fn row(s: &ShiftView) -> Vec<String> {
    vec![
        s.start.to_string(),
        s.end.to_string(),
        s.person.name.clone(),
        s.person.id.to_string(),
        layer(s.layer).into(),
        Reason::to_string(&s.reason),
    ]
}

pub async fn run(cmd: OncallCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        OncallCommand::Who { rotation: id, at, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let at = parse_at(&baton, &id, at).await?;
            let view = baton.who(&id, at).await?;
            print(output, &view, |v| print_view(v, "on call"))?;
        }
        OncallCommand::Next { rotation: id, at, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let at = parse_at(&baton, &id, at).await?;
            let view = baton.next(&id, at).await?;
            print(output, &view, |v| print_view(v, "next"))?;
        }
        OncallCommand::Work(c) => return super::oncall_work::run(c, db).await,
        OncallCommand::Changes(c) => return super::oncall_changes::run(c, db).await,
        OncallCommand::Schedule { rotation: id, from, days, output } => {
            let id = rotation(&id)?;
            let shifts = db.baton().await?.schedule_query(&id, from.as_deref(), None, Some(days)).await?;
            print(output, &shifts, |shifts| {
                let rows: Vec<_> = shifts.iter().map(row).collect();
                table(&["START", "END", "NAME", "PERSON", "LAYER", "REASON"], &rows);
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

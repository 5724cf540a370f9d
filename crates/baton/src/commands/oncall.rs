//! `baton oncall who|next|schedule`.

use crate::cli::{Db, OncallCommand, Times};
use crate::output::{instant_text, print, table};
use anyhow::{anyhow, Result};
use baton_app::{OnCallView, ShiftView};
use baton_core::local_time::{local, local_span};
use baton_core::oncall::{Layer, Reason, RotationId};
use baton_core::Timestamp;
use jiff::tz::TimeZone;
use std::process::ExitCode;

/// `--at`: an RFC 3339 instant, a time as shown (`2026-03-02 09:00 Europe/Dublin`), or a
/// date (that day's shift change).
async fn parse_at(baton: &baton_app::Baton, id: &RotationId, at: Option<String>) -> Result<Option<Timestamp>> {
    match at {
        Some(a) => Ok(Some(baton.rotation_moment(id, "--at", &instant_text(a)).await?)),
        None => Ok(None),
    }
}

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn print_view(v: &OnCallView, heading: &str, tz: &TimeZone) {
    let contact: Vec<&str> = [v.person.email.as_deref(), v.person.chat.as_deref()].into_iter().flatten().collect();
    println!("{heading} for {} ({}): {} ({})", v.rotation, v.rotation_name, v.person.name, v.person.id);
    if !contact.is_empty() {
        println!("  contact: {}", contact.join(", "));
    }
    println!("  shift:   {}", local_span(v.start, v.end, tz));
    println!("  why:     {}", v.because);
}

fn layer(l: Layer) -> &'static str {
    match l {
        Layer::Primary => "primary",
        Layer::Weekend => "weekend",
        Layer::Override => "override",
    }
}

fn row(s: &ShiftView, tz: &TimeZone) -> Vec<String> {
    vec![
        local(s.start, tz),
        local(s.end, tz),
        s.person.name.clone(),
        s.person.id.to_string(),
        // A follow-the-sun rotation's turns are its regions'.
        match (&s.region, s.layer) {
            (Some(region), Layer::Primary | Layer::Weekend) => region.clone(),
            _ => layer(s.layer).into(),
        },
        Reason::to_string(&s.reason),
    ]
}

/// Times are shown in `--tz`, else the rotation's zone (see [`Times`]).
pub async fn run(cmd: OncallCommand, db: &Db, times: &Times) -> Result<ExitCode> {
    match cmd {
        OncallCommand::Who { rotation: id, at, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let at = parse_at(&baton, &id, at).await?;
            let view = baton.who(&id, at).await?;
            let tz = times.of_rotation(&baton, &id).await?;
            print(output, &view, |v| print_view(v, "on call", &tz))?;
        }
        OncallCommand::Next { rotation: id, at, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let at = parse_at(&baton, &id, at).await?;
            let view = baton.next(&id, at).await?;
            let tz = times.of_rotation(&baton, &id).await?;
            print(output, &view, |v| print_view(v, "next", &tz))?;
        }
        OncallCommand::Work(c) => return super::oncall_work::run(c, db, times).await,
        OncallCommand::Changes(c) => return super::oncall_changes::run(c, db, times).await,
        OncallCommand::Schedule { rotation: id, from, days, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let from = from.map(instant_text);
            let shifts = baton.schedule_query(&id, from.as_deref(), None, Some(days)).await?;
            let tz = times.of_rotation(&baton, &id).await?;
            print(output, &shifts, |shifts| {
                let rows: Vec<_> = shifts.iter().map(|s| row(s, &tz)).collect();
                table(&["START", "END", "NAME", "PERSON", "LAYER", "REASON"], &rows);
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

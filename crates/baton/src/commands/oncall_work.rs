//! `baton oncall shift|tick|log|help|handover|handovers|ack|todos|resolve`: the work of a
//! shift, through the same `baton_app` calls as the API.

use crate::cli::{Db, OncallWorkCommand, Times};
use crate::output::{instant_text, print, table};
use anyhow::{anyhow, bail, Result};
use baton_app::CurrentShift;
use baton_core::local_time::{local, local_span};
use baton_core::oncall::{LogEntry, LogKind, NewLogEntry, NewShiftNote, RotationId, RunbookTodo, ShiftNote};
use baton_core::{Link, PersonId};
use jiff::tz::TimeZone;
use std::process::ExitCode;

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn person(p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("--as: {e}"))
}

fn link(flag: &str, url: &str) -> Result<Link> {
    Link::parse(url).map_err(|e| anyhow!("{flag}: {e}"))
}

fn print_entry(e: &LogEntry, tz: &TimeZone) {
    let mut line = format!("#{} {} {} by {}: {}", e.seq, local(e.at, tz), e.kind, e.by, e.text);
    if e.incident_closed {
        line.push_str(" [closed]");
    }
    println!("{line}");
    for l in &e.links {
        println!("    link:    {l}");
    }
    if let Some(r) = &e.runbook {
        println!("    runbook: {r}");
    }
}

/// A handover, named by its id (its shift's start as RFC 3339, what `ack` takes; the time as
/// shown is taken too).
fn print_shift_note(h: &ShiftNote, tz: &TimeZone) {
    let state = match &h.acknowledged {
        Some(s) => format!("acknowledged by {} at {}", s.by, local(s.at, tz)),
        None => "NOT acknowledged".into(),
    };
    println!("handover {} of {}: {} -> {}, {state}", h.id(), h.rotation, h.outgoing, h.incoming);
    println!("  shift: {}, written {}", local_span(h.shift_start, h.shift_end, tz), local(h.written_at, tz));
    println!("  note: {}", h.note);
    for i in &h.open_items {
        println!("  open item: {i}");
    }
    for i in &h.ongoing_incidents {
        println!("  ongoing incident: {i}");
    }
}

fn todo_row(t: &RunbookTodo, tz: &TimeZone) -> Vec<String> {
    let state = match &t.resolved {
        Some(r) => format!("linked {}", r.runbook),
        None => "open".into(),
    };
    vec![t.id.clone(), local(t.opened_at, tz), t.opened_by.clone(), state, t.what.clone()]
}

const TODO_HEADER: [&str; 5] = ["ID", "OPENED", "BY", "STATE", "WHAT"];

/// Times are shown in `--tz`, else the rotation's zone (see [`Times`]).
pub async fn run(cmd: OncallWorkCommand, db: &Db, times: &Times) -> Result<ExitCode> {
    let id = match &cmd {
        OncallWorkCommand::Shift { rotation: id, .. }
        | OncallWorkCommand::Tick { rotation: id, .. }
        | OncallWorkCommand::Log { rotation: id, .. }
        | OncallWorkCommand::Help { rotation: id, .. }
        | OncallWorkCommand::Handover { rotation: id, .. }
        | OncallWorkCommand::Handovers { rotation: id, .. }
        | OncallWorkCommand::Ack { rotation: id, .. }
        | OncallWorkCommand::Todos { rotation: id, .. }
        | OncallWorkCommand::Resolve { rotation: id, .. } => rotation(id)?,
    };
    let baton = db.baton().await?;
    let tz = &times.of_rotation(&baton, &id).await?;
    match cmd {
        OncallWorkCommand::Shift { rotation: id, output } => {
            let shift = baton.current_shift(&rotation(&id)?).await?;
            print(output, &shift, |s| print_shift(s, tz))?;
        }
        OncallWorkCommand::Tick { rotation: id, n, actor, output } => {
            let shift = baton.tick_duty(&rotation(&id)?, n, &person(&actor)?).await?;
            print(output, &shift, |shift| {
                let line = shift.duties.iter().find(|d| d.n == n).map_or(String::new(), |d| d.duty.clone());
                println!("duty {n} of {id} done: {line}");
            })?;
        }
        cmd @ OncallWorkCommand::Log { .. } => log(cmd, &baton, tz).await?,
        OncallWorkCommand::Help { rotation: id, text, actor, links, output } => {
            let links = links.iter().map(|l| link("--link", l)).collect::<Result<_>>()?;
            let entry = baton.ask_for_help(&rotation(&id)?, &person(&actor)?, &text, links).await?;
            print(output, &entry, |e| print_entry(e, tz))?;
            eprintln!("the rest of the team is notified");
        }
        OncallWorkCommand::Handover { rotation: id, actor, note, open_items, ongoing_incidents, output } => {
            let new = NewShiftNote { note, open_items, ongoing_incidents };
            let h = baton.write_shift_note(&rotation(&id)?, &person(&actor)?, new).await?;
            print(output, &h, |h| print_shift_note(h, tz))?;
        }
        OncallWorkCommand::Handovers { rotation: id, open: only_open, output } => {
            let list = baton.shift_notes(&rotation(&id)?, only_open).await?;
            print(output, &list, |list| {
                if list.is_empty() {
                    println!("no {}handovers on {id}", if only_open { "unacknowledged " } else { "" });
                }
                list.iter().for_each(|h| print_shift_note(h, tz));
            })?;
        }
        OncallWorkCommand::Ack { rotation: id, handover, actor, output } => {
            let handover = instant_text(handover);
            let h = baton.acknowledge_shift_note(&rotation(&id)?, &handover, &person(&actor)?).await?;
            print(output, &h, |h| print_shift_note(h, tz))?;
        }
        OncallWorkCommand::Todos { rotation: id, all, output } => {
            let todos = baton.runbook_todos(&rotation(&id)?, !all).await?;
            print(output, &todos, |todos| {
                if todos.is_empty() {
                    println!("no runbooks to write on {id}");
                } else {
                    table(&TODO_HEADER, &todos.iter().map(|t| todo_row(t, tz)).collect::<Vec<_>>());
                }
            })?;
        }
        OncallWorkCommand::Resolve { rotation: id, todo, runbook, actor, output } => {
            let runbook = link("--runbook", &runbook)?;
            let t = baton.resolve_runbook_todo(&rotation(&id)?, &todo, &person(&actor)?, runbook).await?;
            print(output, &t, |t| table(&TODO_HEADER, &[todo_row(t, tz)]))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `oncall shift`: who holds the shift under way, why, and its duties.
fn print_shift(shift: &CurrentShift, tz: &TimeZone) {
    println!(
        "{} ({}): {} ({}) until {}",
        shift.rotation,
        shift.rotation_name,
        shift.person_name,
        shift.person,
        local(shift.end, tz)
    );
    println!("  why: {}", shift.because);
    if shift.duties.is_empty() {
        println!("  the rotation defines no duties");
    }
    for d in &shift.duties {
        let mark = d.done.as_ref().map_or("[ ]".to_owned(), |x| format!("[x] ({} at {})", x.by, local(x.at, tz)));
        println!("  {} {mark} {}", d.n, d.duty);
    }
}

/// `oncall log ROTATION [TEXT]`: reads the log without TEXT, writes TEXT in it with it.
async fn log(cmd: OncallWorkCommand, baton: &baton_app::Baton, tz: &TimeZone) -> Result<()> {
    let OncallWorkCommand::Log { rotation: id, text, actor, kind, links, closed, runbook, before, limit, output } = cmd
    else {
        unreachable!("only `oncall log` comes here")
    };
    let id = rotation(&id)?;
    let Some(text) = text else {
        let page = baton.oncall_log(&id, before, Some(limit)).await?;
        print(output, &page, |page| {
            if page.entries.is_empty() {
                println!("the on-call log of {id} has no entries");
            }
            page.entries.iter().for_each(|e| print_entry(e, tz));
        })?;
        if let Some(b) = page.next_before {
            eprintln!("older entries: --before {b}");
        }
        return Ok(());
    };
    let Some(actor) = actor else { bail!("writing in the log needs --as PERSON") };
    let kind = LogKind::parse(&kind).ok_or_else(|| {
        let kinds: Vec<&str> = LogKind::ALL.iter().map(|k| k.as_str()).collect();
        anyhow!("--kind `{kind}` is not one of {}", kinds.join(", "))
    })?;
    let new = NewLogEntry {
        kind,
        text,
        links: links.iter().map(|l| link("--link", l)).collect::<Result<_>>()?,
        incident_closed: closed,
        runbook: runbook.map(|r| link("--runbook", &r)).transpose()?,
    };
    let entry = baton.write_log(&id, &person(&actor)?, new).await?;
    print(output, &entry, |e| print_entry(e, tz))?;
    if entry.leaves_runbook_to_write() {
        eprintln!("runbook to write opened: log-{} (baton oncall todos {id})", entry.seq);
    }
    Ok(())
}

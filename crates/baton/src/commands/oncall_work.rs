//! `baton oncall shift|tick|log|help|handover|handovers|ack|todos|resolve`: the work of a
//! shift, through the same `baton_app` calls as the API.

use crate::cli::{OncallWorkCommand, Output};
use crate::output::{json, table};
use anyhow::{anyhow, bail, Result};
use baton_app::Baton;
use baton_core::oncall::{LogEntry, LogKind, NewLogEntry, NewShiftNote, RotationId, RunbookTodo, ShiftNote};
use baton_core::{Link, PersonId};
use std::process::ExitCode;
use std::sync::Arc;

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn person(p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("--as: {e}"))
}

fn link(flag: &str, url: &str) -> Result<Link> {
    Link::parse(url).map_err(|e| anyhow!("{flag}: {e}"))
}

async fn open(db: Option<&str>) -> Result<Arc<Baton>> {
    Ok(Baton::with_defaults(crate::db::open(db).await?))
}

fn print_entry(e: &LogEntry) {
    let mut line = format!("#{} {} {} by {}: {}", e.seq, e.at, e.kind, e.by, e.text);
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

fn print_shift_note(h: &ShiftNote) {
    let state = match &h.acknowledged {
        Some(s) => format!("acknowledged by {} at {}", s.by, s.at),
        None => "NOT acknowledged".into(),
    };
    println!("handover {} of {}: {} -> {}, {state}", h.id(), h.rotation, h.outgoing, h.incoming);
    println!("  note: {}", h.note);
    for i in &h.open_items {
        println!("  open item: {i}");
    }
    for i in &h.ongoing_incidents {
        println!("  ongoing incident: {i}");
    }
}

fn todo_row(t: &RunbookTodo) -> Vec<String> {
    let state = match &t.resolved {
        Some(r) => format!("linked {}", r.runbook),
        None => "open".into(),
    };
    vec![t.id.clone(), t.opened_at.to_string(), t.opened_by.clone(), state, t.what.clone()]
}

pub async fn run(cmd: OncallWorkCommand) -> Result<ExitCode> {
    match cmd {
        OncallWorkCommand::Shift { rotation: id, output, db } => {
            let shift = open(db.db.as_deref()).await?.current_shift(&rotation(&id)?).await?;
            if output == Output::Json {
                return json(&shift).map(|_| ExitCode::SUCCESS);
            }
            println!(
                "{} ({}): {} ({}) until {}",
                shift.rotation, shift.rotation_name, shift.person_name, shift.person, shift.end
            );
            println!("  why: {}", shift.because);
            if shift.duties.is_empty() {
                println!("  the rotation defines no duties");
            }
            for d in &shift.duties {
                let mark = d.done.as_ref().map_or("[ ]".to_owned(), |x| format!("[x] ({} at {})", x.by, x.at));
                println!("  {} {mark} {}", d.n, d.duty);
            }
        }
        OncallWorkCommand::Tick { rotation: id, n, actor, db } => {
            let shift = open(db.db.as_deref()).await?.tick_duty(&rotation(&id)?, n, &person(&actor)?).await?;
            let line = shift.duties.iter().find(|d| d.n == n).map_or(String::new(), |d| d.duty.clone());
            println!("duty {n} of {id} done: {line}");
        }
        OncallWorkCommand::Log {
            rotation: id,
            text,
            actor,
            kind,
            links,
            closed,
            runbook,
            before,
            limit,
            output,
            db,
        } => {
            let id = rotation(&id)?;
            let baton = open(db.db.as_deref()).await?;
            let Some(text) = text else {
                let page = baton.oncall_log(&id, before, Some(limit)).await?;
                if output == Output::Json {
                    return json(&page).map(|_| ExitCode::SUCCESS);
                }
                if page.entries.is_empty() {
                    println!("the on-call log of {id} has no entries");
                }
                page.entries.iter().for_each(print_entry);
                if let Some(b) = page.next_before {
                    println!("(older entries: --before {b})");
                }
                return Ok(ExitCode::SUCCESS);
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
            print_entry(&entry);
            if entry.leaves_runbook_to_write() {
                println!("runbook to write opened: log-{} (baton oncall todos {id})", entry.seq);
            }
        }
        OncallWorkCommand::Help { rotation: id, text, actor, links, db } => {
            let links = links.iter().map(|l| link("--link", l)).collect::<Result<_>>()?;
            let baton = open(db.db.as_deref()).await?;
            let entry = baton.ask_for_help(&rotation(&id)?, &person(&actor)?, &text, links).await?;
            print_entry(&entry);
            println!("the rest of the team is notified");
        }
        OncallWorkCommand::Handover { rotation: id, actor, note, open_items, ongoing_incidents, db } => {
            let new = NewShiftNote { note, open_items, ongoing_incidents };
            let h = open(db.db.as_deref()).await?.write_shift_note(&rotation(&id)?, &person(&actor)?, new).await?;
            print_shift_note(&h);
        }
        OncallWorkCommand::Handovers { rotation: id, open: only_open, output, db } => {
            let list = open(db.db.as_deref()).await?.shift_notes(&rotation(&id)?, only_open).await?;
            if output == Output::Json {
                return json(&list).map(|_| ExitCode::SUCCESS);
            }
            if list.is_empty() {
                println!("no {}handovers on {id}", if only_open { "unacknowledged " } else { "" });
            }
            list.iter().for_each(print_shift_note);
        }
        OncallWorkCommand::Ack { rotation: id, handover, actor, db } => {
            let baton = open(db.db.as_deref()).await?;
            let h = baton.acknowledge_shift_note(&rotation(&id)?, &handover, &person(&actor)?).await?;
            print_shift_note(&h);
        }
        OncallWorkCommand::Todos { rotation: id, all, output, db } => {
            let todos = open(db.db.as_deref()).await?.runbook_todos(&rotation(&id)?, !all).await?;
            if output == Output::Json {
                return json(&todos).map(|_| ExitCode::SUCCESS);
            }
            if todos.is_empty() {
                println!("no runbooks to write on {id}");
            } else {
                table(&["ID", "OPENED", "BY", "STATE", "WHAT"], &todos.iter().map(todo_row).collect::<Vec<_>>());
            }
        }
        OncallWorkCommand::Resolve { rotation: id, todo, runbook, actor, db } => {
            let runbook = link("--runbook", &runbook)?;
            let baton = open(db.db.as_deref()).await?;
            let t = baton.resolve_runbook_todo(&rotation(&id)?, &todo, &person(&actor)?, runbook).await?;
            table(&["ID", "OPENED", "BY", "STATE", "WHAT"], &[todo_row(&t)]);
        }
    }
    Ok(ExitCode::SUCCESS)
}

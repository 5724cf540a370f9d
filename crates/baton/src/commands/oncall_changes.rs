//! `baton oncall override|swap|fairness|feed`: changes to a running rotation and what is
//! read through them, by the same `baton_app` calls as the API.

use crate::cli::{Db, FeedCommand, LeaveCommand, OncallChangeCommand, OverrideCommand, SwapCommand, TableJsonCsv};
use crate::output::{csv, json, print, table};
use anyhow::{anyhow, Result};
use baton_app::{FairnessReport, FeedView};
use baton_core::oncall::{LeaveRecord, NewLeave, NewOverride, NewSwap, OverrideRecord, RotationId, Swap, SwapState};
use baton_core::pipeline::Signed;
use baton_core::{PersonId, Timestamp};
use serde::Serialize;
use std::process::ExitCode;

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn person(flag: &str, p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("{flag}: {e}"))
}

fn instant(flag: &str, t: &str) -> Result<Timestamp> {
    t.parse().map_err(|e| anyhow!("{flag} `{t}` is not an RFC 3339 instant (2026-03-10T09:00:00Z): {e}"))
}

fn override_row(o: &OverrideRecord) -> Vec<String> {
    let state = match (&o.cancelled, &o.swap) {
        (Some(c), _) => format!("cancelled by {}", c.by),
        (None, Some(swap)) => format!("swap {swap}"),
        (None, None) => "active".into(),
    };
    vec![
        o.id.clone(),
        o.start.to_string(),
        o.end.to_string(),
        o.covering.to_string(),
        o.covered.as_ref().map_or_else(|| "(anyone scheduled)".into(), ToString::to_string),
        state,
        o.reason.clone(),
    ]
}

const OVERRIDE_HEADER: [&str; 7] = ["ID", "START", "END", "COVERING", "COVERED", "STATE", "REASON"];

fn state(s: SwapState) -> &'static str {
    match s {
        SwapState::Requested => "requested",
        SwapState::Applied => "applied",
        SwapState::Declined => "declined",
        SwapState::Cancelled => "cancelled",
        SwapState::Expired => "expired",
    }
}

fn swap_row(s: &Swap) -> Vec<String> {
    vec![
        s.id.clone(),
        state(s.state).into(),
        format!("{} {}", s.requester, s.requester_shift.start),
        match &s.with_shift {
            Some(theirs) => format!("{} {}", s.with, theirs.start),
            None => format!("{} (asked to cover)", s.with),
        },
        s.requested_at.to_string(),
    ]
}

const SWAP_HEADER: [&str; 5] = ["ID", "STATE", "REQUESTER'S SHIFT", "WITH'S SHIFT", "REQUESTED"];

fn print_fairness(r: &FairnessReport, output: TableJsonCsv) -> Result<()> {
    match output {
        TableJsonCsv::Json => json(r)?,
        TableJsonCsv::Csv => csv(&FairnessReport::CSV_HEADER, &r.rows()),
        TableJsonCsv::Table => {
            println!("{} from {} to {}", r.rotation, r.from, r.to);
            // WKND TURNS are turns on a weekend list; weekend hours of any shift are WKND HOURS.
            let header = [
                "PERSON",
                "NAME",
                "SHIFTS",
                "TURNS",
                "WKND TURNS",
                "OVERRIDES",
                "HOURS",
                "WKND HOURS",
                "HOL HOURS",
                "WEIGHTED",
                "LEAVE TURNS",
                "OWES",
            ];
            table(&header, &r.rows());
            if let Some(spread) = r.spread {
                println!("largest weighted load / smallest: {spread:.2}×");
            }
        }
    }
    Ok(())
}

fn feed_row(f: &FeedView) -> Vec<String> {
    vec![
        f.id.clone(),
        f.rotation.as_ref().map_or_else(|| "-".into(), ToString::to_string),
        f.person.as_ref().map_or_else(|| "-".into(), ToString::to_string),
        f.created.at.to_string(),
        f.revoked.as_ref().map_or_else(|| "-".into(), |r| r.at.to_string()),
    ]
}

pub async fn run(cmd: OncallChangeCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        OncallChangeCommand::Override(c) => run_override(c, db).await?,
        OncallChangeCommand::Swap(c) => run_swap(c, db).await?,
        OncallChangeCommand::Fairness { rotation: id, from, to, output } => {
            let id = rotation(&id)?;
            let report = db.baton().await?.fairness_query(&id, from.as_deref(), to.as_deref()).await?;
            print_fairness(&report, output)?;
        }
        OncallChangeCommand::Feed(c) => run_feed(c, db).await?,
        OncallChangeCommand::Leave(c) => run_leave(c, db).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_override(cmd: OverrideCommand, db: &Db) -> Result<()> {
    match cmd {
        OverrideCommand::Create { rotation: id, covering, covered, start, end, reason, actor, output } => {
            let new = NewOverride {
                covering: person("COVERING", &covering)?,
                covered: covered.map(|c| person("--covered", &c)).transpose()?,
                start: instant("--start", &start)?,
                end: instant("--end", &end)?,
                reason,
            };
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let made = db.baton().await?.create_override(&id, &actor, new).await?;
            print(output, &made, |made| {
                println!("override {} created on {id}", made.id);
                table(&OVERRIDE_HEADER, &[override_row(made)]);
            })
        }
        OverrideCommand::Cancel { rotation: id, id: override_id, actor, output } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let cancelled = db.baton().await?.cancel_override(&id, &override_id, &actor).await?;
            print(output, &cancelled, |_| println!("override {override_id} on {id} cancelled"))
        }
        OverrideCommand::List { rotation: id, output } => {
            let list = db.baton().await?.overrides(&rotation(&id)?).await?;
            print(output, &list, |list| table(&OVERRIDE_HEADER, &list.iter().map(override_row).collect::<Vec<_>>()))
        }
    }
}

async fn run_swap(cmd: SwapCommand, db: &Db) -> Result<()> {
    match cmd {
        SwapCommand::Request { rotation: id, with, mine, theirs, reason, actor, output } => {
            let new = NewSwap {
                with: person("WITH", &with)?,
                my_shift_start: instant("--mine", &mine)?,
                their_shift_start: theirs.map(|t| instant("--theirs", &t)).transpose()?,
                reason,
                leave: None,
            };
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = db.baton().await?.request_swap(&id, &actor, new).await?;
            print(output, &swap, |s| table(&SWAP_HEADER, &[swap_row(s)]))
        }
        SwapCommand::Accept { rotation: id, id: swap, actor, output } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = db.baton().await?.accept_swap(&id, &swap, &actor).await?;
            print(output, &swap, |s| {
                println!("swap {} accepted and applied: overrides {}", s.id, s.overrides.join(", "))
            })
        }
        SwapCommand::Decline { rotation: id, id: swap, actor, output } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = db.baton().await?.decline_swap(&id, &swap, &actor).await?;
            print(output, &swap, |s| println!("swap {} declined", s.id))
        }
        SwapCommand::Cancel { rotation: id, id: swap, actor, output } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = db.baton().await?.cancel_swap(&id, &swap, &actor).await?;
            print(output, &swap, |s| println!("swap {} cancelled", s.id))
        }
        SwapCommand::List { rotation: id, output } => {
            let list = db.baton().await?.swaps(&rotation(&id)?).await?;
            print(output, &list, |list| table(&SWAP_HEADER, &list.iter().map(swap_row).collect::<Vec<_>>()))
        }
    }
}

/// A feed just made, as the API answers `POST /api/v1/feeds`: its URL holds the secret.
#[derive(Serialize)]
struct CreatedFeed<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<&'a RotationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<&'a PersonId>,
    created: &'a Signed,
    url: String,
}

async fn run_feed(cmd: FeedCommand, db: &Db) -> Result<()> {
    match cmd {
        FeedCommand::Create { rotation: r, person: p, actor, public_url, output } => {
            let r = r.map(|r| rotation(&r)).transpose()?;
            let p = p.map(|p| person("--person", &p)).transpose()?;
            let actor = person("--as", &actor)?;
            let issued = db.baton().await?.create_feed(&actor, r, p).await?;
            let url = format!("{}{}", public_url.trim_end_matches('/'), issued.path());
            eprintln!(
                "feed {} created; subscribe to this URL (shown once, it is the feed's only key):",
                issued.feed.id
            );
            let f = &issued.feed;
            let created = CreatedFeed {
                id: &f.id,
                rotation: f.rotation.as_ref(),
                person: f.person.as_ref(),
                created: &f.created,
                url,
            };
            print(output, &created, |c| println!("{}", c.url))
        }
        FeedCommand::Revoke { id, actor, output } => {
            let actor = person("--as", &actor)?;
            let revoked = db.baton().await?.revoke_feed(&id, &actor).await?;
            print(output, &revoked, |_| println!("feed {id} revoked"))
        }
        FeedCommand::List { actor, output } => {
            let list = db.baton().await?.feeds_of(&person("--as", &actor)?).await?;
            print(output, &list, |list| {
                table(
                    &["ID", "ROTATION", "PERSON", "CREATED", "REVOKED"],
                    &list.iter().map(feed_row).collect::<Vec<_>>(),
                )
            })
        }
    }
}

const LEAVE_HEADER: [&str; 6] = ["ID", "PERSON", "START", "END", "STATE", "REASON"];

fn leave_row(l: &LeaveRecord) -> Vec<String> {
    let state = match &l.cancelled {
        Some(c) if l.applies() => format!("ended early by {}", c.by),
        Some(c) => format!("cancelled by {}", c.by),
        None => "recorded".into(),
    };
    vec![l.id.clone(), l.person.to_string(), l.start.to_string(), l.end.to_string(), state, l.reason.clone()]
}

async fn run_leave(cmd: LeaveCommand, db: &Db) -> Result<()> {
    match cmd {
        LeaveCommand::Record { person: who, from, to, reason, actor, output } => {
            let (who, actor) = (person("PERSON", &who)?, person("--as", &actor)?);
            let baton = db.baton().await?;
            let (start, end) = baton.leave_bounds(&who, &from, &to).await?;
            let outcome = baton.record_leave(&actor, &who, NewLeave { start, end, reason }).await?;
            print(output, &outcome, |o| {
                println!("leave {} recorded for {who}: {} to {}", o.leave.id, o.leave.start, o.leave.end);
                for m in &o.moved {
                    println!("  {}: the turn {} to {} passes to {}, owed back", m.rotation, m.start, m.end, m.to);
                }
                for c in &o.cover_requests {
                    let s = &c.requester_shift;
                    println!(
                        "  {}: {} asked to cover {} to {} (cover request {})",
                        c.rotation, c.with, s.start, s.end, c.id
                    );
                }
                for u in &o.uncovered {
                    println!("  {}: {} to {} is not covered: {}", u.rotation, u.start, u.end, u.why);
                }
            })
        }
        LeaveCommand::Cancel { person: who, id, actor, output } => {
            let (who, actor) = (person("PERSON", &who)?, person("--as", &actor)?);
            let cancelled = db.baton().await?.cancel_leave(&actor, &who, &id).await?;
            print(output, &cancelled, |l| table(&LEAVE_HEADER, &[leave_row(l)]))
        }
        LeaveCommand::List { person: who, output } => {
            let who = who.map(|p| person("PERSON", &p)).transpose()?;
            let list = db.baton().await?.leave(who.as_ref()).await?;
            print(output, &list, |list| table(&LEAVE_HEADER, &list.iter().map(leave_row).collect::<Vec<_>>()))
        }
    }
}

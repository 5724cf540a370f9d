//! `baton oncall override|swap|fairness|feed`: changes to a running rotation and what is
//! read through them, by the same `baton_app` calls as the API.

use crate::cli::{
    Db, FeedCommand, LeaveCommand, OncallChangeCommand, OverrideCommand, SwapCommand, TableJsonCsv, Times,
};
use crate::output::{csv, instant_text, json, print, table};
use anyhow::{anyhow, Result};
use baton_app::{FairnessReport, FeedView};
use baton_core::local_time::{local, parse_instant};
use baton_core::oncall::{LeaveRecord, NewLeave, NewOverride, NewSwap, OverrideRecord, RotationId, Swap, SwapState};
use baton_core::pipeline::Signed;
use baton_core::{PersonId, Timestamp};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::process::ExitCode;

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn person(flag: &str, p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("{flag}: {e}"))
}

/// An instant as typed: RFC 3339, or a time as Baton shows it.
fn instant(flag: &str, t: &str) -> Result<Timestamp> {
    parse_instant(t).ok_or_else(|| {
        anyhow!(
            "{flag} `{t}` is neither an RFC 3339 instant (2026-03-10T09:00:00Z) nor a time as Baton shows it \
             (2026-03-10 09:00 Europe/Dublin)"
        )
    })
}

fn override_row(o: &OverrideRecord, tz: &TimeZone) -> Vec<String> {
    let state = match (&o.cancelled, &o.swap) {
        (Some(c), _) => format!("cancelled by {}", c.by),
        (None, Some(swap)) => format!("swap {swap}"),
        (None, None) => "active".into(),
    };
    vec![
        o.id.clone(),
        local(o.start, tz),
        local(o.end, tz),
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

fn swap_row(s: &Swap, tz: &TimeZone) -> Vec<String> {
    vec![
        s.id.clone(),
        state(s.state).into(),
        format!("{} {}", s.requester, local(s.requester_shift.start, tz)),
        match &s.with_shift {
            Some(theirs) => format!("{} {}", s.with, local(theirs.start, tz)),
            None => format!("{} (asked to cover)", s.with),
        },
        local(s.requested_at, tz),
    ]
}

const SWAP_HEADER: [&str; 5] = ["ID", "STATE", "REQUESTER'S SHIFT", "WITH'S SHIFT", "REQUESTED"];

fn print_fairness(r: &FairnessReport, output: TableJsonCsv, tz: &TimeZone) -> Result<()> {
    match output {
        TableJsonCsv::Json => json(r)?,
        TableJsonCsv::Csv => csv(&FairnessReport::CSV_HEADER, &r.rows()),
        TableJsonCsv::Table => {
            println!("{} from {} to {}", r.rotation, local(r.from, tz), local(r.to, tz));
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

fn feed_row(f: &FeedView, tz: &TimeZone) -> Vec<String> {
    vec![
        f.id.clone(),
        f.rotation.as_ref().map_or_else(|| "-".into(), ToString::to_string),
        f.person.as_ref().map_or_else(|| "-".into(), ToString::to_string),
        local(f.created.at, tz),
        f.revoked.as_ref().map_or_else(|| "-".into(), |r| local(r.at, tz)),
    ]
}

/// Times are shown in `--tz`, else the rotation's zone; feeds (not one rotation's) in `--tz`,
/// else UTC (see [`Times`]).
pub async fn run(cmd: OncallChangeCommand, db: &Db, times: &Times) -> Result<ExitCode> {
    match cmd {
        OncallChangeCommand::Override(c) => run_override(c, db, times).await?,
        OncallChangeCommand::Swap(c) => run_swap(c, db, times).await?,
        OncallChangeCommand::Fairness { rotation: id, from, to, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let (from, to) = (from.map(instant_text), to.map(instant_text));
            let report = baton.fairness_query(&id, from.as_deref(), to.as_deref()).await?;
            print_fairness(&report, output, &times.of_rotation(&baton, &id).await?)?;
        }
        OncallChangeCommand::Feed(c) => run_feed(c, db, &times.zone()).await?,
        OncallChangeCommand::Leave(c) => run_leave(c, db, &times.zone()).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_override(cmd: OverrideCommand, db: &Db, times: &Times) -> Result<()> {
    match cmd {
        OverrideCommand::Create { rotation: id, covering, covered, start, end, reason, actor, output } => {
            let new = NewOverride {
                covering: person("COVERING", &covering)?,
                covered: covered.map(|c| person("--covered", &c)).transpose()?,
                start: instant("--start", &start)?,
                end: instant("--end", &end)?,
                reason,
            };
            let (id, actor, baton) = (rotation(&id)?, person("--as", &actor)?, db.baton().await?);
            let made = baton.create_override(&id, &actor, new).await?;
            let tz = times.of_rotation(&baton, &id).await?;
            print(output, &made, |made| {
                println!("override {} created on {id}", made.id);
                table(&OVERRIDE_HEADER, &[override_row(made, &tz)]);
            })
        }
        OverrideCommand::Cancel { rotation: id, id: override_id, actor, output } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let cancelled = db.baton().await?.cancel_override(&id, &override_id, &actor).await?;
            print(output, &cancelled, |_| println!("override {override_id} on {id} cancelled"))
        }
        OverrideCommand::List { rotation: id, output } => {
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let (list, tz) = (baton.overrides(&id).await?, times.of_rotation(&baton, &id).await?);
            let rows: Vec<_> = list.iter().map(|o| override_row(o, &tz)).collect();
            print(output, &list, |_| table(&OVERRIDE_HEADER, &rows))
        }
    }
}

async fn run_swap(cmd: SwapCommand, db: &Db, times: &Times) -> Result<()> {
    match cmd {
        SwapCommand::Request { rotation: id, with, mine, theirs, reason, actor, output } => {
            let new = NewSwap {
                with: person("WITH", &with)?,
                my_shift_start: instant("--mine", &mine)?,
                their_shift_start: theirs.map(|t| instant("--theirs", &t)).transpose()?,
                reason,
                leave: None,
            };
            let (id, actor, baton) = (rotation(&id)?, person("--as", &actor)?, db.baton().await?);
            let swap = baton.request_swap(&id, &actor, new).await?;
            let tz = times.of_rotation(&baton, &id).await?;
            print(output, &swap, |s| table(&SWAP_HEADER, &[swap_row(s, &tz)]))
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
            let (id, baton) = (rotation(&id)?, db.baton().await?);
            let (list, tz) = (baton.swaps(&id).await?, times.of_rotation(&baton, &id).await?);
            let rows: Vec<_> = list.iter().map(|s| swap_row(s, &tz)).collect();
            print(output, &list, |_| table(&SWAP_HEADER, &rows))
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

async fn run_feed(cmd: FeedCommand, db: &Db, tz: &TimeZone) -> Result<()> {
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
                    &list.iter().map(|f| feed_row(f, tz)).collect::<Vec<_>>(),
                )
            })
        }
    }
}

const LEAVE_HEADER: [&str; 6] = ["ID", "PERSON", "START", "END", "STATE", "REASON"];

fn leave_row(l: &LeaveRecord, tz: &TimeZone) -> Vec<String> {
    let state = match &l.cancelled {
        Some(c) if l.applies() => format!("ended early by {}", c.by),
        Some(c) => format!("cancelled by {}", c.by),
        None => "recorded".into(),
    };
    vec![l.id.clone(), l.person.to_string(), local(l.start, tz), local(l.end, tz), state, l.reason.clone()]
}

/// `baton oncall leave`: dates in the person's zone; times shown in `--tz` (UTC by default).
async fn run_leave(cmd: LeaveCommand, db: &Db, tz: &TimeZone) -> Result<()> {
    let span = |a, b| format!("{} to {}", local(a, tz), local(b, tz));
    match cmd {
        LeaveCommand::Record { person: who, from, to, reason, actor, output } => {
            let (who, actor) = (person("PERSON", &who)?, person("--as", &actor)?);
            let baton = db.baton().await?;
            let (start, end) = baton.leave_bounds(&who, &from, &to).await?;
            let outcome = baton.record_leave(&actor, &who, NewLeave { start, end, reason }).await?;
            print(output, &outcome, |o| {
                println!("leave {} recorded for {who}: {}", o.leave.id, span(o.leave.start, o.leave.end));
                for m in &o.moved {
                    println!("  {}: the turn {} passes to {}, owed back", m.rotation, span(m.start, m.end), m.to);
                }
                for c in &o.cover_requests {
                    let s = &c.requester_shift;
                    println!(
                        "  {}: {} asked to cover {} (cover request {})",
                        c.rotation,
                        c.with,
                        span(s.start, s.end),
                        c.id
                    );
                }
                for u in &o.uncovered {
                    println!("  {}: {} is not covered: {}", u.rotation, span(u.start, u.end), u.why);
                }
            })
        }
        LeaveCommand::Cancel { person: who, id, actor, output } => {
            let (who, actor) = (person("PERSON", &who)?, person("--as", &actor)?);
            let cancelled = db.baton().await?.cancel_leave(&actor, &who, &id).await?;
            print(output, &cancelled, |l| table(&LEAVE_HEADER, &[leave_row(l, tz)]))
        }
        LeaveCommand::List { person: who, output } => {
            let who = who.map(|p| person("PERSON", &p)).transpose()?;
            let list = db.baton().await?.leave(who.as_ref()).await?;
            print(output, &list, |list| {
                table(&LEAVE_HEADER, &list.iter().map(|l| leave_row(l, tz)).collect::<Vec<_>>())
            })
        }
    }
}

//! `baton oncall override|swap|fairness|feed`: changes to a running rotation and what is
//! read through them, by the same `baton_app` calls as the API.

use crate::cli::{FeedCommand, OncallChangeCommand, Output, OverrideCommand, SwapCommand, TableJsonCsv};
use crate::output::{csv, json, table};
use anyhow::{anyhow, Result};
use baton_app::{Baton, FairnessReport, FeedView};
use baton_core::oncall::{NewOverride, NewSwap, OverrideRecord, RotationId, Swap, SwapState};
use baton_core::{PersonId, Timestamp};
use std::process::ExitCode;
use std::sync::Arc;

fn rotation(id: &str) -> Result<RotationId> {
    RotationId::parse(id).map_err(|e| anyhow!("{e}"))
}

fn person(flag: &str, p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("{flag}: {e}"))
}

fn instant(flag: &str, t: &str) -> Result<Timestamp> {
    t.parse().map_err(|e| anyhow!("{flag} `{t}` is not an RFC 3339 instant (2026-03-10T09:00:00Z): {e}"))
}

async fn open(db: Option<&str>) -> Result<Arc<Baton>> {
    Ok(Baton::with_defaults(crate::db::open(db).await?))
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
        format!("{} {}", s.with, s.with_shift.start),
        s.requested_at.to_string(),
    ]
}

fn print_swap(s: &Swap, output: Output) -> Result<()> {
    if output == Output::Json {
        return json(s);
    }
    table(&["ID", "STATE", "REQUESTER'S SHIFT", "WITH'S SHIFT", "REQUESTED"], &[swap_row(s)]);
    Ok(())
}

fn print_fairness(r: &FairnessReport, output: TableJsonCsv) -> Result<()> {
    match output {
        TableJsonCsv::Json => json(r)?,
        TableJsonCsv::Csv => csv(&FairnessReport::CSV_HEADER, &r.rows()),
        TableJsonCsv::Table => {
            println!("{} from {} to {}", r.rotation, r.from, r.to);
            let header =
                ["PERSON", "NAME", "SHIFTS", "TURNS", "WEEKEND", "OVERRIDES", "HOURS", "WKND H", "HOL H", "WEIGHTED"];
            table(&header, &r.rows());
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

pub async fn run(cmd: OncallChangeCommand) -> Result<ExitCode> {
    match cmd {
        OncallChangeCommand::Override(c) => run_override(c).await?,
        OncallChangeCommand::Swap(c) => run_swap(c).await?,
        OncallChangeCommand::Fairness { rotation: id, from, to, output, db } => {
            let id = rotation(&id)?;
            let report = open(db.db.as_deref()).await?.fairness_query(&id, from.as_deref(), to.as_deref()).await?;
            print_fairness(&report, output)?;
        }
        OncallChangeCommand::Feed(c) => run_feed(c).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_override(cmd: OverrideCommand) -> Result<()> {
    match cmd {
        OverrideCommand::Create { rotation: id, covering, covered, start, end, reason, actor, output, db } => {
            let new = NewOverride {
                covering: person("COVERING", &covering)?,
                covered: covered.map(|c| person("--covered", &c)).transpose()?,
                start: instant("--start", &start)?,
                end: instant("--end", &end)?,
                reason,
            };
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let made = open(db.db.as_deref()).await?.create_override(&id, &actor, new).await?;
            if output == Output::Json {
                json(&made)?;
            } else {
                println!("override {} created on {id}", made.id);
                table(&OVERRIDE_HEADER, &[override_row(&made)]);
            }
        }
        OverrideCommand::Cancel { rotation: id, id: override_id, actor, db } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            open(db.db.as_deref()).await?.cancel_override(&id, &override_id, &actor).await?;
            println!("override {override_id} on {id} cancelled");
        }
        OverrideCommand::List { rotation: id, output, db } => {
            let list = open(db.db.as_deref()).await?.overrides(&rotation(&id)?).await?;
            if output == Output::Json {
                json(&list)?;
            } else {
                table(&OVERRIDE_HEADER, &list.iter().map(override_row).collect::<Vec<_>>());
            }
        }
    }
    Ok(())
}

async fn run_swap(cmd: SwapCommand) -> Result<()> {
    match cmd {
        SwapCommand::Request { rotation: id, with, mine, theirs, reason, actor, output, db } => {
            let new = NewSwap {
                with: person("WITH", &with)?,
                my_shift_start: instant("--mine", &mine)?,
                their_shift_start: instant("--theirs", &theirs)?,
                reason,
            };
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = open(db.db.as_deref()).await?.request_swap(&id, &actor, new).await?;
            print_swap(&swap, output)?;
        }
        SwapCommand::Accept { rotation: id, id: swap, actor, db } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = open(db.db.as_deref()).await?.accept_swap(&id, &swap, &actor).await?;
            println!("swap {} accepted and applied: overrides {}", swap.id, swap.overrides.join(", "));
        }
        SwapCommand::Decline { rotation: id, id: swap, actor, db } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = open(db.db.as_deref()).await?.decline_swap(&id, &swap, &actor).await?;
            println!("swap {} declined", swap.id);
        }
        SwapCommand::Cancel { rotation: id, id: swap, actor, db } => {
            let (id, actor) = (rotation(&id)?, person("--as", &actor)?);
            let swap = open(db.db.as_deref()).await?.cancel_swap(&id, &swap, &actor).await?;
            println!("swap {} cancelled", swap.id);
        }
        SwapCommand::List { rotation: id, output, db } => {
            let list = open(db.db.as_deref()).await?.swaps(&rotation(&id)?).await?;
            if output == Output::Json {
                json(&list)?;
            } else {
                let rows: Vec<_> = list.iter().map(swap_row).collect();
                table(&["ID", "STATE", "REQUESTER'S SHIFT", "WITH'S SHIFT", "REQUESTED"], &rows);
            }
        }
    }
    Ok(())
}

async fn run_feed(cmd: FeedCommand) -> Result<()> {
    match cmd {
        FeedCommand::Create { rotation: r, person: p, actor, public_url, db } => {
            let r = r.map(|r| rotation(&r)).transpose()?;
            let p = p.map(|p| person("--person", &p)).transpose()?;
            let actor = person("--as", &actor)?;
            let issued = open(db.db.as_deref()).await?.create_feed(&actor, r, p).await?;
            println!("feed {} created; subscribe to this URL (shown once, it is the feed's only key):", issued.feed.id);
            println!("{}{}", public_url.trim_end_matches('/'), issued.path());
        }
        FeedCommand::Revoke { id, actor, db } => {
            let actor = person("--as", &actor)?;
            open(db.db.as_deref()).await?.revoke_feed(&id, &actor).await?;
            println!("feed {id} revoked");
        }
        FeedCommand::List { actor, output, db } => {
            let list = open(db.db.as_deref()).await?.feeds_of(&person("--as", &actor)?).await?;
            if output == Output::Json {
                json(&list)?;
            } else {
                table(
                    &["ID", "ROTATION", "PERSON", "CREATED", "REVOKED"],
                    &list.iter().map(feed_row).collect::<Vec<_>>(),
                );
            }
        }
    }
    Ok(())
}

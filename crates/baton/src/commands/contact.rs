//! `baton contact`: how Baton reaches a person (their methods and notification rules).

use crate::cli::{ContactCommand, Db, Output};
use crate::output::{print, table};
use anyhow::{anyhow, bail, Result};
use baton_app::{ContactView, NewMethod};
use baton_core::contact::{Address, NotificationRule, QuietHours, RuleSet, Urgency};
use baton_core::id::MethodId;
use baton_core::{Link, Period, PersonId};
use std::process::ExitCode;

fn person(flag: &str, p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("{flag}: {e}"))
}

fn method(m: &str) -> Result<MethodId> {
    MethodId::parse(m).map_err(|e| anyhow!("METHOD: {e}"))
}

/// `METHOD` or `METHOD:DELAY` of `--<urgency>`.
fn rule(urgency: Urgency, text: &str) -> Result<NotificationRule> {
    let flag = format!("--{urgency}");
    let (m, after) = match text.split_once(':') {
        Some((m, d)) if matches!(d.trim(), "0" | "0m" | "0s") => (m, None),
        Some((m, d)) => (m, Some(Period::parse(d.trim()).map_err(|e| anyhow!("{flag} {text}: {e}"))?)),
        None => (text, None),
    };
    Ok(NotificationRule {
        urgency,
        method: MethodId::parse(m.trim()).map_err(|e| anyhow!("{flag} {text}: {e}"))?,
        after,
    })
}

fn show(view: &ContactView) {
    let rows: Vec<Vec<String>> = view
        .methods
        .iter()
        .map(|m| {
            let address = match &m.address {
                Address::Email { address } => address.clone(),
                Address::Webhook { url } => url.to_string(),
                Address::Slack { member } => member.clone(),
                Address::PagerDuty { routing_key } => routing_key.clone(),
            };
            let state = match (m.verified, m.enabled, &m.unavailable) {
                (_, _, Some(why)) => format!("unavailable: {why}"),
                (false, _, None) => "waiting for its code".into(),
                (true, false, None) => "off".into(),
                (true, true, None) => "on".into(),
            };
            let from = if m.from_definitions { "definitions" } else { "own" };
            vec![m.id.to_string(), m.address.kind().into(), address, state, from.into()]
        })
        .collect();
    table(&["METHOD", "TYPE", "ADDRESS", "STATE", "FROM"], &rows);
    println!();
    let origin = if view.default_rules { " (the default)" } else { "" };
    println!("rules{origin}:");
    for r in &view.rules {
        let after = r.after.map_or_else(|| "at once".to_owned(), |a| format!("after {a}"));
        println!("  {:<7} {} {after}", r.urgency.as_str(), r.method);
    }
    if let Some(q) = &view.quiet_hours {
        println!("quiet hours: {q} (information waits; pages go through)");
    }
    for p in &view.problems {
        println!("warning: {p}");
    }
}

pub async fn run(c: ContactCommand, db: &Db) -> Result<ExitCode> {
    let (output, view): (Output, ContactView) = match c {
        ContactCommand::Show { person: p, actor, output } => {
            (output, db.baton().await?.contact(&person("--as", &actor)?, &person("PERSON", &p)?).await?)
        }
        ContactCommand::Add { person: p, id, email, webhook, slack, pagerduty, actor, output } => {
            let address = match (email, webhook, slack, pagerduty) {
                (Some(address), ..) => Address::Email { address },
                (_, Some(url), ..) => {
                    Address::Webhook { url: Link::parse(&url).map_err(|e| anyhow!("--webhook: {e}"))? }
                }
                (_, _, Some(member), _) => Address::Slack { member },
                (.., Some(routing_key)) => Address::PagerDuty { routing_key },
                _ => bail!("give the address: --email, --webhook, --slack or --pagerduty"),
            };
            let new = NewMethod { id: method(&id)?, address };
            let view =
                db.baton().await?.add_contact_method(&person("--as", &actor)?, &person("PERSON", &p)?, new).await?;
            eprintln!("a code is on its way to `{id}`: `baton contact verify {p} {id} CODE --as {actor}`");
            (output, view)
        }
        ContactCommand::Verify { person: p, method: m, code, actor, output } => {
            let baton = db.baton().await?;
            (
                output,
                baton
                    .verify_contact_method(&person("--as", &actor)?, &person("PERSON", &p)?, &method(&m)?, &code)
                    .await?,
            )
        }
        ContactCommand::Resend { person: p, method: m, actor, output } => {
            let baton = db.baton().await?;
            (output, baton.resend_contact_code(&person("--as", &actor)?, &person("PERSON", &p)?, &method(&m)?).await?)
        }
        ContactCommand::On { person: p, method: m, actor, output } => {
            let baton = db.baton().await?;
            (
                output,
                baton
                    .switch_contact_method(&person("--as", &actor)?, &person("PERSON", &p)?, &method(&m)?, true)
                    .await?,
            )
        }
        ContactCommand::Off { person: p, method: m, actor, output } => {
            let baton = db.baton().await?;
            (
                output,
                baton
                    .switch_contact_method(&person("--as", &actor)?, &person("PERSON", &p)?, &method(&m)?, false)
                    .await?,
            )
        }
        ContactCommand::Remove { person: p, method: m, actor, output } => {
            let baton = db.baton().await?;
            (output, baton.remove_contact_method(&person("--as", &actor)?, &person("PERSON", &p)?, &method(&m)?).await?)
        }
        ContactCommand::Rules { person: p, page, ticket, info, quiet_hours, actor, output } => {
            let mut rules = Vec::new();
            for (urgency, texts) in [(Urgency::Page, page), (Urgency::Ticket, ticket), (Urgency::Info, info)] {
                for t in texts {
                    rules.push(rule(urgency, &t)?);
                }
            }
            let quiet_hours =
                quiet_hours.map(|q| QuietHours::parse(&q).map_err(|e| anyhow!("--quiet-hours: {e}"))).transpose()?;
            let set = RuleSet { rules, quiet_hours };
            let baton = db.baton().await?;
            (output, baton.set_notification_rules(&person("--as", &actor)?, &person("PERSON", &p)?, set).await?)
        }
    };
    print(output, &view, show)?;
    Ok(ExitCode::SUCCESS)
}

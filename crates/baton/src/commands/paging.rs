//! `baton alert list|show|ack|resolve` and `baton integration create|list|revoke`.

use crate::cli::{AlertCommand, Db, IntegrationCommand, Output, Times};
use crate::output::{print, table};
use anyhow::{anyhow, Result};
use baton_app::paging::{AlertQuery, AlertView, Delivery, IntegrationIn};
use baton_core::local_time::local;
use baton_core::paging::{Format, Integration};
use baton_core::{Period, PersonId, ServiceId};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::process::ExitCode;

fn service(s: &str) -> Result<ServiceId> {
    ServiceId::parse(s).map_err(|e| anyhow!("{e}"))
}

fn actor(p: &str) -> Result<PersonId> {
    PersonId::parse(p).map_err(|e| anyhow!("--as: {e}"))
}

/// An alert's status as the API spells it (`open`, `acknowledged`, `resolved`).
fn status(a: &AlertView) -> String {
    serde_json::to_value(a.alert.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Times are shown in `--tz`, else UTC (see [`Times`]).
pub async fn alerts(cmd: AlertCommand, db: &Db, times: &Times) -> Result<ExitCode> {
    let tz = &times.zone();
    match cmd {
        AlertCommand::List { service: s, all, limit, after, output } => {
            let q = AlertQuery {
                service: s.as_deref().map(service).transpose()?,
                open: Some(!all),
                limit: Some(limit),
                after,
            };
            let page = db.baton().await?.alerts(&q).await?;
            print(output, &page, |page| {
                let rows: Vec<Vec<String>> = page.alerts.iter().map(|a| alert_row(a, tz)).collect();
                table(&["ALERT", "STATUS", "SEVERITY", "POLICY", "OPENED", "SUMMARY"], &rows);
                if let Some(next) = &page.next {
                    eprintln!("more: add --after '{next}'");
                }
            })?;
        }
        AlertCommand::Show { service: s, key, output } => {
            let baton = db.baton().await?;
            let alert = baton.alert(&service(&s)?, &key).await?;
            let deliveries = baton.alert_deliveries(&alert.alert).await?;
            print(output, &AlertDetail { alert, deliveries }, |d| print_alert(d, tz))?;
        }
        AlertCommand::Resend { id, actor: a, output } => {
            let sent = db.baton().await?.resend_notification(&actor(&a)?, id).await?;
            print(output, &sent, |s| println!("notification {id}: pending again, {} attempts so far", s.attempts))?;
            eprintln!("a running `baton serve` delivers it");
        }
        AlertCommand::Ack { service: s, key, actor, output } => {
            respond(&s, &key, &actor, false, output, db, tz).await?
        }
        AlertCommand::Resolve { service: s, key, actor, output } => {
            respond(&s, &key, &actor, true, output, db, tz).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn alert_row(a: &AlertView, tz: &TimeZone) -> Vec<String> {
    vec![
        a.id.clone(),
        status(a),
        a.alert.severity.as_str().into(),
        a.alert.policy.to_string(),
        local(a.alert.opened_at, tz),
        a.alert.summary.clone(),
    ]
}

/// An alert with its deliveries, as the API answers `GET /api/v1/alerts/{service}/{key}`.
#[derive(Serialize)]
struct AlertDetail {
    #[serde(flatten)]
    alert: AlertView,
    deliveries: Vec<Delivery>,
}

/// `alert show --output table`: the alert, its history, and its deliveries.
fn print_alert(d: &AlertDetail, tz: &TimeZone) {
    let a = &d.alert.alert;
    println!("{}: {} {} (policy {}): {}", d.alert.id, status(&d.alert), a.severity.as_str(), a.policy, a.summary);
    println!(
        "  opened {}, last triggered {} ({} repeats)",
        local(a.opened_at, tz),
        local(a.last_triggered_at, tz),
        a.repeats
    );
    if let Some(ack) = &a.acknowledged {
        println!("  acknowledged by {} at {}", ack.by, local(ack.at, tz));
    }
    if let Some(resolved) = &a.resolved {
        println!("  resolved by {} at {}", resolved.by, local(resolved.at, tz));
    }
    if let Some(why) = &a.stranded {
        println!("  STRANDED: {why}");
    }
    println!("history:");
    for e in &a.history {
        println!("  {} {}", local(e.at, tz), e.what);
    }
    let rows: Vec<Vec<String>> = d
        .deliveries
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.kind.clone(),
                format!("{} {}", m.channel, m.destination),
                m.to.join(", "),
                local(m.queued_at, tz),
                format!("{} ({} attempts)", m.status, m.attempts),
                m.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["DELIVERY", "KIND", "CHANNEL", "TO", "QUEUED", "STATUS", "LAST ERROR"], &rows);
}

async fn respond(s: &str, key: &str, a: &str, resolve: bool, output: Output, db: &Db, tz: &TimeZone) -> Result<()> {
    let view = db.baton().await?.respond_to_alert(&actor(a)?, &service(s)?, key, resolve).await?;
    print(output, &view, |view| {
        let stamp = if resolve { &view.alert.resolved } else { &view.alert.acknowledged };
        let stamp = stamp.as_ref().map_or_else(String::new, |st| format!(" by {} at {}", st.by, local(st.at, tz)));
        println!("{}: {}{stamp}", view.id, if resolve { "resolved" } else { "acknowledged" });
    })
}

/// An integration just made, as the API answers `POST /api/v1/integrations`: its key
/// (shown this once) and the path its source sends to.
#[derive(Serialize)]
struct CreatedIntegration {
    integration: Integration,
    key: String,
    url: String,
}

pub async fn integrations(cmd: IntegrationCommand, db: &Db, times: &Times) -> Result<ExitCode> {
    let tz = &times.zone();
    match cmd {
        IntegrationCommand::Create { service: s, name, format, heartbeat, actor: a, output } => {
            let format: Format = serde_json::from_value(serde_json::Value::String(format.clone()))
                .map_err(|_| anyhow!("--format `{format}`: use alertmanager, pagerduty or generic"))?;
            let heartbeat =
                heartbeat.map(|h| Period::parse(&h).map_err(|e| anyhow!("--heartbeat: {e}"))).transpose()?;
            let input = IntegrationIn { service: service(&s)?, name, format, heartbeat };
            let issued = db.baton().await?.create_integration(&actor(&a)?, input).await?;
            eprintln!("integration {} ({}); its key, shown once:", issued.integration.id, format.as_str());
            let url = match format {
                Format::Alertmanager => format!("/api/v1/intake/{}/alertmanager", issued.key),
                Format::Generic => format!("/api/v1/intake/{}/generic", issued.key),
                Format::PagerDuty => "/v2/enqueue".to_owned(),
            };
            let created = CreatedIntegration { integration: issued.integration, key: issued.key, url };
            print(output, &created, |c| println!("{}", c.key))?;
        }
        IntegrationCommand::List { service: s, output } => {
            let list = db.baton().await?.integrations(s.as_deref().map(service).transpose()?.as_ref()).await?;
            print(output, &list, |list| {
                let rows: Vec<Vec<String>> = list.iter().map(|i| integration_row(i, tz)).collect();
                table(&["INTEGRATION", "FORMAT", "HEARTBEAT", "LAST SEEN", "STATE"], &rows);
            })?;
        }
        IntegrationCommand::Revoke { id, actor: a, output } => {
            let revoked = db.baton().await?.revoke_integration(&actor(&a)?, &id).await?;
            print(output, &revoked, |_| println!("integration {id} revoked"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn integration_row(i: &Integration, tz: &TimeZone) -> Vec<String> {
    vec![
        i.id.clone(),
        i.format.as_str().into(),
        i.heartbeat.map_or("-".into(), |h| h.to_string()),
        i.last_seen.map_or("-".into(), |t| local(t, tz)),
        i.revoked_at.map_or("active".into(), |t| format!("revoked {}", local(t, tz))),
    ]
}

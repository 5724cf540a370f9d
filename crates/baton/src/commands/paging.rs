//! `baton alert list|show|ack|resolve` and `baton integration create|list|revoke`.

use crate::cli::{AlertCommand, IntegrationCommand, Output};
use crate::output::{json, table};
use anyhow::{anyhow, Result};
use baton_app::paging::{AlertQuery, IntegrationIn};
use baton_app::Baton;
use baton_core::paging::Format;
use baton_core::{Period, PersonId, ServiceId};
use std::process::ExitCode;
use std::sync::Arc;

async fn open(db: &crate::cli::Db) -> Result<Arc<Baton>> {
    Ok(Baton::with_defaults(crate::db::open(db.db.as_deref()).await?))
}

fn service(s: &str) -> Result<ServiceId> {
    ServiceId::parse(s).map_err(|e| anyhow!("{e}"))
}

pub async fn alerts(cmd: AlertCommand) -> Result<ExitCode> {
    match cmd {
        AlertCommand::List { service: s, all, limit, after, output, db } => {
            let baton = open(&db).await?;
            let q = AlertQuery {
                service: s.as_deref().map(service).transpose()?,
                open: Some(!all),
                limit: Some(limit),
                after,
            };
            let page = baton.alerts(&q).await?;
            if output == Output::Json {
                return json(&page).map(|()| ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = page
                .alerts
                .iter()
                .map(|a| {
                    let status = serde_json::to_value(a.alert.status).ok().and_then(|v| v.as_str().map(str::to_owned));
                    vec![
                        a.id.clone(),
                        status.unwrap_or_default(),
                        a.alert.severity.as_str().into(),
                        a.alert.policy.to_string(),
                        a.alert.opened_at.to_string(),
                        a.alert.summary.clone(),
                    ]
                })
                .collect();
            table(&["ALERT", "STATUS", "SEVERITY", "POLICY", "OPENED", "SUMMARY"], &rows);
            if let Some(next) = page.next {
                eprintln!("more: add --after '{next}'");
            }
        }
        AlertCommand::Show { service: s, key, db } => {
            let baton = open(&db).await?;
            let alert = baton.alert(&service(&s)?, &key).await?;
            let deliveries = baton.alert_deliveries(&alert.alert).await?;
            let mut shown = serde_json::to_value(&alert)?;
            shown["deliveries"] = serde_json::to_value(&deliveries)?;
            json(&shown)?;
        }
        AlertCommand::Resend { id, actor, db } => {
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let sent = open(&db).await?.resend_notification(&actor, id).await?;
            println!(
                "notification {id}: pending again (a `baton serve` delivers it), {} attempts so far",
                sent.attempts
            );
        }
        AlertCommand::Ack { service: s, key, actor, db } => respond(&s, &key, &actor, &db, false).await?,
        AlertCommand::Resolve { service: s, key, actor, db } => respond(&s, &key, &actor, &db, true).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn respond(s: &str, key: &str, actor: &str, db: &crate::cli::Db, resolve: bool) -> Result<()> {
    let actor = PersonId::parse(actor).map_err(|e| anyhow!("--as: {e}"))?;
    let view = open(db).await?.respond_to_alert(&actor, &service(s)?, key, resolve).await?;
    let stamp = if resolve { view.alert.resolved } else { view.alert.acknowledged };
    let stamp = stamp.map_or_else(String::new, |st| format!(" by {} at {}", st.by, st.at));
    println!("{}: {}{stamp}", view.id, if resolve { "resolved" } else { "acknowledged" });
    Ok(())
}

pub async fn integrations(cmd: IntegrationCommand) -> Result<ExitCode> {
    match cmd {
        IntegrationCommand::Create { service: s, name, format, heartbeat, actor, db } => {
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            let format: Format = serde_json::from_value(serde_json::Value::String(format.clone()))
                .map_err(|_| anyhow!("--format `{format}`: use alertmanager, pagerduty or generic"))?;
            let heartbeat =
                heartbeat.map(|h| Period::parse(&h).map_err(|e| anyhow!("--heartbeat: {e}"))).transpose()?;
            let input = IntegrationIn { service: service(&s)?, name, format, heartbeat };
            let issued = open(&db).await?.create_integration(&actor, input).await?;
            eprintln!("integration {} ({}); its key, shown once:", issued.integration.id, format.as_str());
            println!("{}", issued.key);
        }
        IntegrationCommand::List { service: s, output, db } => {
            let list = open(&db).await?.integrations(s.as_deref().map(service).transpose()?.as_ref()).await?;
            if output == Output::Json {
                return json(&list).map(|()| ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.format.as_str().into(),
                        i.heartbeat.map_or("-".into(), |h| h.to_string()),
                        i.last_seen.map_or("-".into(), |t| t.to_string()),
                        i.revoked_at.map_or("active".into(), |t| format!("revoked {t}")),
                    ]
                })
                .collect();
            table(&["INTEGRATION", "FORMAT", "HEARTBEAT", "LAST SEEN", "STATE"], &rows);
        }
        IntegrationCommand::Revoke { id, actor, db } => {
            let actor = PersonId::parse(&actor).map_err(|e| anyhow!("--as: {e}"))?;
            open(&db).await?.revoke_integration(&actor, &id).await?;
            println!("integration {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

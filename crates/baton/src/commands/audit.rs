//! `baton audit verify|log`.

use crate::cli::{AuditCommand, Output};
use crate::output::{json, table};
use anyhow::Result;
use baton_app::Baton;
use baton_store::AuditQuery;
use std::process::ExitCode;

pub async fn run(cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db } => {
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            match baton.verify_audit().await? {
                Ok(n) => {
                    println!("ok: {n} audit records, hash chain intact");
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    println!("FAILED at record #{}: {b}", b.first_bad());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Log { subject, after, limit, output, db } => {
            let store = crate::db::open(db.db.as_deref()).await?;
            let records = store.audit(&AuditQuery { subject, after_seq: after, limit, newest_first: false }).await?;
            if output == Output::Json {
                json(&records)?;
            } else {
                let rows: Vec<Vec<String>> = records
                    .iter()
                    .map(|r| {
                        vec![
                            r.seq.to_string(),
                            r.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                            r.entry.actor.clone(),
                            r.entry.action.clone(),
                            r.entry.subject.clone(),
                            r.entry.reason.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                table(&["#", "WHEN (UTC)", "WHO", "ACTION", "SUBJECT", "REASON"], &rows);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

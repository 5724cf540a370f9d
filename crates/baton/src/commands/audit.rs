//! `baton audit verify|log`.

use crate::cli::{AuditCommand, Db};
use crate::output::{print, table};
use anyhow::Result;
use baton_core::audit::AuditRecord;
use baton_store::AuditQuery;
use serde_json::json;
use std::process::ExitCode;

pub async fn run(cmd: AuditCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { output } => {
            let verified = db.baton().await?.verify_audit().await?;
            // As the API answers `GET /api/v1/audit/verify`.
            let shown = match &verified {
                Ok(n) => json!({ "ok": true, "records": n }),
                Err(b) => json!({ "ok": false, "first_bad": b.first_bad(), "message": b.to_string() }),
            };
            print(output, &shown, |_| match &verified {
                Ok(n) => println!("ok: {n} audit records, hash chain intact"),
                Err(b) => println!("FAILED at record #{}: {b}", b.first_bad()),
            })?;
            Ok(if verified.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Log { subject, after, limit, output } => {
            let baton = db.baton().await?;
            let records =
                baton.store().audit(&AuditQuery { subject, after_seq: after, limit, newest_first: false }).await?;
            print(output, &records, |records| {
                let rows: Vec<Vec<String>> = records.iter().map(audit_row).collect();
                table(&["#", "WHEN (UTC)", "WHO", "ACTION", "SUBJECT", "REASON"], &rows);
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn audit_row(r: &AuditRecord) -> Vec<String> {
    vec![
        r.seq.to_string(),
        r.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        r.entry.actor.clone(),
        r.entry.action.clone(),
        r.entry.subject.clone(),
        r.entry.reason.clone().unwrap_or_default(),
    ]
}

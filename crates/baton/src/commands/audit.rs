//! `baton audit verify|log`.

use crate::cli::{AuditCommand, Db};
use crate::output::{print, table};
use anyhow::{bail, Context, Result};
use baton_core::audit::{AuditRecord, Checkpoint};
use baton_store::AuditQuery;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub async fn run(cmd: AuditCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { key_file, checkpoints, output } => {
            let baton = db.baton().await?;
            let verified = baton.verify_audit().await?;
            let checked = match (&verified, key_file, checkpoints) {
                (Ok(_), Some(key), Some(file)) => {
                    Some(baton.check_checkpoints(&read_key(&key)?, &read_checkpoints(&file)?).await?)
                }
                _ => None,
            };
            // As the API answers `GET /api/v1/audit/verify`, with the checkpoints' verdict.
            let mut shown = match &verified {
                Ok(n) => json!({ "ok": true, "records": n }),
                Err(b) => json!({ "ok": false, "first_bad": b.first_bad(), "message": b.to_string() }),
            };
            match &checked {
                Some(Ok(n)) => shown["checkpoints"] = json!(n),
                Some(Err(b)) => shown = json!({ "ok": false, "message": b.to_string() }),
                None => {}
            }
            let ok = verified.is_ok() && !matches!(checked, Some(Err(_)));
            print(output, &shown, |_| match (&verified, &checked) {
                (Err(b), _) => println!("FAILED at record #{}: {b}", b.first_bad()),
                (Ok(_), Some(Err(b))) => println!("FAILED: {b}"),
                (Ok(n), Some(Ok(c))) => println!("ok: {n} audit records, hash chain intact, {c} checkpoints hold"),
                (Ok(n), None) => println!("ok: {n} audit records, hash chain intact"),
            })?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Checkpoint { key_file, append } => {
            let Some(cp) = db.baton().await?.audit_checkpoint(&read_key(&key_file)?).await? else {
                eprintln!("the audit log is empty: nothing to checkpoint");
                return Ok(ExitCode::SUCCESS);
            };
            if let Some(file) = append {
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&file)?;
                std::io::Write::write_all(&mut f, format!("{}\n", cp.line()).as_bytes())?;
            }
            println!("{}", cp.line());
            Ok(ExitCode::SUCCESS)
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

/// The checkpoint key: the file's bytes, trailing newline aside; at least 32 of them.
fn read_key(path: &Path) -> Result<Vec<u8>> {
    let mut key = std::fs::read(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    while key.last().is_some_and(|b| b.is_ascii_whitespace()) {
        key.pop();
    }
    if key.len() < 32 {
        bail!(
            "the key in {} is {} bytes; use at least 32 (e.g. `openssl rand -hex 32 > key`)",
            path.display(),
            key.len()
        );
    }
    Ok(key)
}

fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Checkpoint::parse(l).map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), i + 1)))
        .collect()
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

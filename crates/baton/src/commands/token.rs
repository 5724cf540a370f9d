//! `baton token create|list|revoke`.

use crate::cli::{Output, TokenCommand};
use crate::output::{json, table};
use anyhow::Result;
use baton_app::Baton;
use baton_core::{Period, PersonId};
use std::process::ExitCode;

pub async fn run(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create { person, name, expires_in, db } => {
            let person = PersonId::parse(&person)?;
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            let expires_at = expires_in.map(|p| Period::parse(&p).map(|p| p.after(baton.now()))).transpose()?;
            let issued = baton.create_token(&person, &name, expires_at, &super::cli_actor()).await?;
            eprintln!("token {} for {person} (shown once; keep it secret):", issued.token.id);
            println!("{}", issued.secret);
        }
        TokenCommand::List { output, db } => {
            let store = crate::db::open(db.db.as_deref()).await?;
            let tokens = store.tokens().await?;
            let rows: Vec<Vec<String>> = tokens
                .iter()
                .map(|t| {
                    let state = match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("revoked {r}"),
                        (None, Some(e)) => format!("expires {e}"),
                        (None, None) => "active".into(),
                    };
                    vec![t.id.clone(), t.person.to_string(), t.name.clone(), t.created_at.to_string(), state]
                })
                .collect();
            if output == Output::Json {
                let json_rows: Vec<_> = rows.iter().map(|r| serde_json::json!({"id": r[0], "person": r[1], "name": r[2], "created_at": r[3], "state": r[4]})).collect();
                json(&json_rows)?;
            } else {
                table(&["ID", "PERSON", "NAME", "CREATED", "STATE"], &rows);
            }
        }
        TokenCommand::Revoke { id, db } => {
            let baton = Baton::with_defaults(crate::db::open(db.db.as_deref()).await?);
            baton.revoke_token(&id, &super::cli_actor()).await?;
            println!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

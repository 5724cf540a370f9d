//! `baton token create|list|revoke`.

use crate::cli::{Db, TokenCommand};
use crate::output::{print, table};
use anyhow::Result;
use baton_app::{CreatedToken, TokenView};
use baton_core::{Period, PersonId};
use std::process::ExitCode;

pub async fn run(cmd: TokenCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create { person, name, expires_in, output } => {
            let person = PersonId::parse(&person)?;
            let baton = db.baton().await?;
            let expires_at = expires_in.map(|p| Period::parse(&p).map(|p| p.after(baton.now()))).transpose()?;
            let issued = baton.create_token(&person, &name, expires_at, &super::cli_actor()).await?;
            eprintln!("token {} for {person} (shown once; keep it secret):", issued.token.id);
            let created = CreatedToken::from(issued);
            print(output, &created, |c| println!("{}", c.secret))?;
        }
        TokenCommand::List { output } => {
            let tokens: Vec<TokenView> =
                db.baton().await?.store().tokens().await?.into_iter().map(Into::into).collect();
            print(output, &tokens, |tokens| {
                let rows: Vec<Vec<String>> = tokens.iter().map(token_row).collect();
                table(&["ID", "PERSON", "NAME", "CREATED", "STATE"], &rows);
            })?;
        }
        TokenCommand::Revoke { id } => {
            db.baton().await?.revoke_token(&id, &super::cli_actor()).await?;
            println!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn token_row(t: &TokenView) -> Vec<String> {
    let state = match (t.revoked_at, t.expires_at) {
        (Some(r), _) => format!("revoked {r}"),
        (None, Some(e)) => format!("expires {e}"),
        (None, None) => "active".into(),
    };
    vec![t.id.clone(), t.person.to_string(), t.name.clone(), t.created_at.to_string(), state]
}

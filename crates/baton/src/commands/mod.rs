//! One module per group of commands; each only moves data between the CLI and `baton_app`.

mod audit;
pub mod definitions;
mod oncall;
pub mod serve;
mod service;
mod slo;
mod token;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate { dir } => Ok(definitions::validate(&dir)),
        Command::Apply { dir, dry_run, actor, db } => definitions::apply(&dir, dry_run, actor, db).await,
        Command::Serve { config, listen, public_url, db } => serve::serve(config, listen, public_url, db).await,
        Command::Demo { config, listen, db, no_serve } => crate::demo::run(config, listen, db, no_serve).await,
        Command::Service(c) => service::run(c).await,
        Command::Slo(c) => slo::run(c).await,
        Command::Oncall(c) => oncall::run(c).await,
        Command::Audit(c) => audit::run(c).await,
        Command::Token(c) => token::run(c).await,
    }
}

/// Who the audit log records for commands typed at a terminal.
pub fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

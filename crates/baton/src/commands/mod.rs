//! One module per group of commands; each only moves data between the CLI and `baton_app`.

mod audit;
pub mod definitions;
pub mod gates;
mod oncall;
mod oncall_changes;
mod oncall_work;
mod paging;
mod raci;
pub mod serve;
mod service;
mod slo;
mod slo_backtest;
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
        Command::Gate(c) => gates::run(c).await,
        Command::Check(c) => gates::check(c).await,
        Command::Slo(c) => slo::run(c).await,
        Command::Oncall(c) => oncall::run(c).await,
        Command::Alert(c) => paging::alerts(c).await,
        Command::Integration(c) => paging::integrations(c).await,
        Command::Audit(c) => audit::run(c).await,
        Command::Token(c) => token::run(c).await,
        Command::Raci { service, output, db } => raci::run(&service, output, db).await,
    }
}

/// Who the audit log records for commands typed at a terminal.
pub fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

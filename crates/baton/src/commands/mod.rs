//! One module per group of commands; each only moves data between the CLI and `baton_app`.

mod audit;
mod contact;
pub mod definitions;
pub mod gates;
mod import;
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
mod work;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (db, times) = (&cli.store, &cli.times);
    match cli.command {
        Command::Validate { dir } => Ok(definitions::validate(&dir)),
        Command::Apply { dir, dry_run, actor } => definitions::apply(&dir, dry_run, actor, db).await,
        Command::Serve {
            config,
            listen,
            public_url,
            allow_outbound,
            secrets_dir,
            rate_limit,
            open_reads,
            reaching,
        } => {
            let sending = serve::Sending {
                outbound: allow_outbound,
                secrets: baton_notify::Secrets { dir: secrets_dir },
                smtp: serve::smtp(&reaching)?,
                link_key: serve::link_key(&reaching)?,
            };
            let web = baton_web::WebConfig {
                secure_cookies: public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
                rate_limit: rate_limit.0,
                open_reads,
            };
            serve::serve(config, listen, public_url, sending, web, db).await
        }
        Command::Demo { config, listen, rate_limit, open_reads, no_serve } => {
            let web = baton_web::WebConfig { rate_limit: rate_limit.0, open_reads, ..Default::default() };
            crate::demo::run(config, listen, web, db.flag(), no_serve).await
        }
        Command::Service(c) => service::run(c, db).await,
        Command::Gate(c) => gates::run(c, db).await,
        Command::Check(c) => gates::check(c, db).await,
        Command::Slo(c) => slo::run(c, db).await,
        Command::Oncall(c) => oncall::run(c, db, times).await,
        Command::Alert(c) => paging::alerts(c, db, times).await,
        Command::Integration(c) => paging::integrations(c, db, times).await,
        Command::Audit(c) => audit::run(c, db).await,
        Command::Token(c) => token::run(c, db).await,
        Command::Contact(c) => contact::run(c, db).await,
        Command::Raci { service, output } => raci::run(&service, output, db).await,
        Command::Work { person, output } => work::run(&person, output, db, times).await,
        Command::Import { from, files, into, owner, prometheus_url, force } => {
            import::import(from, &files, &into, owner, prometheus_url, force)
        }
        Command::Export { to, out } => import::export(to, out.as_deref(), db).await,
    }
}

/// Who the audit log records for commands typed at a terminal.
pub fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}
